#pragma once
// The checks every CMS SignerInfo gets, whether it sits in a PDF (PAdES, verify_pdf.cpp) or in
// a detached .p7s (CAdES, signing/verify.cpp): who signed, the chain to the trust anchors,
// signing-certificate-v2, the signing-time attribute, the timestamp, and the verdict.
#include <openssl/cms.h>

#include <span>
#include <string>
#include <string_view>

#include "certagent/core/pdf/verify.hpp"

namespace certagent::pdf {

// Fills the digest algorithm and the signer's subject, issuer, serial, validity and qualified
// flag. nullptr when the signature does not include the signer's certificate (r is then
// Malformed with its message).
X509* readSigner(SignatureReport& r, CMS_ContentInfo* cms, CMS_SignerInfo* si);

// The chain (the CMS's certificates as intermediates) to `store` (nullptr: none configured),
// signing-certificate-v2 against `signer`, the signing-time attribute and the timestamp.
void checkSignerInfo(SignatureReport& r, CMS_ContentInfo* cms, CMS_SignerInfo* si, X509* signer,
                     X509_STORE* store, const VerifyOptions& options);

// A document timestamp (/SubFilter /ETSI.RFC3161): `der` is the TimeStampToken (parsed as
// `cms`), `content` the bytes its byte ranges cover. The TSA takes the signer's place in `r`.
void checkDocumentTimestamp(SignatureReport& r, CMS_ContentInfo* cms, std::span<const uint8_t> der,
                            std::string_view content, X509_STORE* store,
                            const VerifyOptions& options);

// Status and message once r.cms_valid and checkSignerInfo() are in: Modified (with
// `modified_message`, or the signing-certificate mismatch), Untrusted, or Valid (with
// `valid_message`).
void setVerdict(SignatureReport& r, const std::string& modified_message,
                const std::string& valid_message);

}  // namespace certagent::pdf
