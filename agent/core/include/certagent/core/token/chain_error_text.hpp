#pragma once
// OpenSSL's chain verification result (X509_V_ERR_*) as a sentence of ours, translated:
// OpenSSL's own strings are English only and speak to developers ("unable to get local issuer
// certificate"); a person needs what is wrong and, where they can, what to do.
#include <string>

namespace certagent::token {

// "the issuer of the certificate is not among the trusted authorities", … For a code without
// a sentence of its own: a general one that names OpenSSL's text for a maintainer.
std::string chainErrorText(int x509VerifyError);

}  // namespace certagent::token
