#pragma once
// Enveloped XML-DSig verification with libxmlsec1 (OpenSSL backend) for the ETSI trusted
// lists, and the few libxml2 helpers their parsing needs. Private to the signing library.
//
// What is enforced: the document has no DTD and is parsed without network access; exactly one
// ds:Signature is a direct child of the root; every reference is same-document (URI="" or
// "#id", never a file or a URL) and one of them covers the whole root; only C14N, exclusive
// C14N, enveloped-signature and SHA-2 digests are allowed as reference transforms (no XPath,
// no XSLT); the signature algorithm is RSA or ECDSA with SHA-2; the certificate in KeyInfo is
// byte-for-byte one of the pinned certificates, and the signature verifies with that pinned
// certificate's key (the key in the document is never used on its own).
#include <libxml/tree.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "certagent/core/pdf/ossl_ptr.hpp"

namespace certagent::signing::xml {

inline constexpr const char* kDsigNs = "http://www.w3.org/2000/09/xmldsig#";

struct DocFree {
    void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocFree>;

// Parses a document; throws certagent::Error(InvalidInput) for malformed XML or a DTD.
DocPtr parse(std::string_view bytes, const std::string& where);

struct SignatureCheck {
    bool ok = false;
    std::string reason;      // user text when !ok
    X509* signer = nullptr;  // when ok: the pinned certificate whose key verified (borrowed)
    // The other certificates KeyInfo carries (e.g. the signer's issuer); trusted for nothing.
    std::vector<pdf::X509Ptr> key_info;
};

SignatureCheck verifyEnveloped(xmlDoc* doc, const std::vector<X509*>& pinned);

// Element children of `parent` named ns:name (nullptr parent: none).
std::vector<xmlNode*> children(const xmlNode* parent, const char* ns, const char* name);
xmlNode* child(const xmlNode* parent, const char* ns, const char* name);
// The node's text content with surrounding white space removed ("" for nullptr).
std::string text(const xmlNode* node);
// A certificate from base64 DER (white space allowed); nullptr when it is not one.
pdf::X509Ptr certificateFromBase64(std::string_view b64);

}  // namespace certagent::signing::xml
