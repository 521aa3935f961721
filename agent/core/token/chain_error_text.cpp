#include "certagent/core/token/chain_error_text.hpp"

#include <fmt/format.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "certagent/core/i18n.hpp"

namespace certagent::token {

std::string chainErrorText(int e) {
    switch (e) {
        case X509_V_OK:
            return _("the chain is valid");
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            return _(
                "the issuer of the certificate is not among the trusted authorities "
                "(its certificate is missing or not trusted)");
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
            return _("the certificate is self-signed and not among the trusted authorities");
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
            return _("the chain ends in a root authority that is not trusted");
        case X509_V_ERR_CERT_NOT_YET_VALID:
        case X509_V_ERR_CRL_NOT_YET_VALID:
            return _("a certificate in the chain is not valid yet (check the computer's date)");
        case X509_V_ERR_CERT_HAS_EXPIRED:
        case X509_V_ERR_CRL_HAS_EXPIRED:
            return _("a certificate in the chain has expired");
        case X509_V_ERR_CERT_REVOKED:
            return _("a certificate in the chain has been revoked");
        case X509_V_ERR_CERT_SIGNATURE_FAILURE:
        case X509_V_ERR_CRL_SIGNATURE_FAILURE:
        case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
        case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
            return _("a signature in the chain does not match its issuer");
        case X509_V_ERR_INVALID_CA:
        case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
            return _("an issuer in the chain is not allowed to issue certificates");
        case X509_V_ERR_PATH_LENGTH_EXCEEDED:
            return _("the chain is longer than its authorities allow");
        case X509_V_ERR_INVALID_PURPOSE:
            return _("the certificate is not meant for this use");
        case X509_V_ERR_CERT_UNTRUSTED:
        case X509_V_ERR_CERT_REJECTED:
            return _("the root authority is not trusted for this use");
        case X509_V_ERR_UNABLE_TO_GET_CRL:
            return _("the revocation list of an issuer could not be read");
        case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
        case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD:
        case X509_V_ERR_INVALID_EXTENSION:
        case X509_V_ERR_INVALID_NON_CA:
            return _("a certificate in the chain is malformed");
        default:
            return fmt::format(fmt::runtime(_("the chain could not be verified (OpenSSL: {0})")),
                               X509_verify_cert_error_string(e));
    }
}

}  // namespace certagent::token
