#pragma once
// CMP messages as bytes: what the CMP backend journals and replays (cmp_backend.cpp), and the
// shared secret for password-based MAC protection, read from a file only its owner can read.
#include <openssl/cmp.h>
#include <openssl/x509.h>

#include <filesystem>
#include <memory>
#include <string>

#include "encoding.hpp"

namespace certagent::renewal::cmp {

using MsgPtr = std::unique_ptr<OSSL_CMP_MSG, decltype(&OSSL_CMP_MSG_free)>;
using OctetPtr = std::unique_ptr<ASN1_OCTET_STRING, decltype(&ASN1_OCTET_STRING_free)>;

// PKIBody choices (RFC 4210 section 5.1.2); OpenSSL 3.0 keeps its names internal.
constexpr int kBodyIr = 0;
constexpr int kBodyKur = 7;
constexpr int kBodyPollReq = 25;

Bytes derOf(const OSSL_CMP_MSG* m);
MsgPtr msgOf(const Bytes& der);  // null when `der` is not a PKIMessage
// The senderNonce ([5] in PKIHeader) of an encoded PKIMessage: OpenSSL 3.0 has no getter.
OctetPtr senderNonceOf(const Bytes& der);
// Whether it is protected by password-based MAC (its header's protectionAlg is
// id-PasswordBasedMac): OpenSSL 3.0 has no getter.
bool macProtected(const Bytes& der);
std::string pemOf(X509* x);
std::string hexOf(const ASN1_OCTET_STRING* s);
// The OpenSSL errors behind a failed exchange, for the log (the queue is emptied).
std::string openSslErrors();

// The shared secret ([renewal.cmp] secret_file): a regular file that neither the group nor
// others may read (0600 or 0400), its first line without the line end. Throws
// Failure(config) naming the file and what is wrong with it; the secret is never in a message.
std::string readSecretFile(const std::filesystem::path& file);

// Overwrites a secret's bytes before the string lets them go.
void wipe(std::string& secret) noexcept;

}  // namespace certagent::renewal::cmp
