// The trusted lists' signers: see trusted_list_signers.hpp.
#include "trusted_list_signers.hpp"

#include <fmt/format.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "certagent/core/clock.hpp"
#include "certagent/core/config.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/signing/revocation.hpp"
#include "certagent/core/signing/trusted_list.hpp"

namespace certagent::signing {
namespace {

std::string dayOf(const ASN1_TIME* t) {
    std::tm tm{};
    if (!t || !ASN1_TIME_to_tm(t, &tm)) return "?";
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

}  // namespace

std::vector<pdf::X509Ptr> loadLotlSigners(const config::Config& config) {
    const auto path = trustedListSignersFile(config);
    pdf::BioPtr bio(BIO_new_file(path.c_str(), "r"));
    std::vector<pdf::X509Ptr> out;
    while (bio) {
        pdf::X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
        if (!cert) break;
        out.push_back(std::move(cert));
    }
    pdf::takeOpensslErrors();
    if (out.empty())
        throw Error(ErrorKind::Config,
                    _("the file of certificates allowed to sign the list of trusted lists holds no "
                      "PEM certificate or cannot be read ([verify] trusted_list_signers)"),
                    path.string());
    return out;
}

std::optional<std::time_t> listTime(const std::string& text) {
    if (text.empty()) return std::nullopt;
    try {
        return std::chrono::system_clock::to_time_t(parseIso8601(text));
    } catch (const Error&) {
        return std::nullopt;
    }
}

std::optional<std::string> signerNotValidWhenIssued(X509* signer, const std::string& issued) {
    auto at = listTime(issued);
    if (!at) return std::string(_("its issue date (ListIssueDateTime) cannot be read"));
    if (X509_cmp_time(X509_get0_notBefore(signer), &*at) <= 0 &&
        X509_cmp_time(X509_get0_notAfter(signer), &*at) >= 0)
        return std::nullopt;
    pdf::takeOpensslErrors();
    return fmt::format(fmt::runtime(_("the certificate that signed it was not valid when the list "
                                      "was issued ({0}); it is valid from {1} to {2}")),
                       issued, dayOf(X509_get0_notBefore(signer)),
                       dayOf(X509_get0_notAfter(signer)));
}

std::optional<std::string> outOfDate(const std::string& next_update, std::time_t now,
                                     std::chrono::hours grace) {
    auto next = listTime(next_update);
    if (!next) return std::string(_("it names no next update (a closed list)"));
    if (now <= *next + std::chrono::duration_cast<std::chrono::seconds>(grace).count())
        return std::nullopt;
    return fmt::format(fmt::runtime(_("its next update was due {0}, more than {1} h ago "
                                      "([verify] trusted_list_grace_hours)")),
                       next_update, grace.count());
}

SignerRevocation signerRevocation(X509* signer, const std::vector<X509*>& candidates,
                                  RevocationChecker& checker, std::time_t now) {
    // Self-signed: nothing above it could have revoked it.
    if (X509_check_issued(signer, signer) == X509_V_OK) return {};
    if (ocspUrls(signer).empty() && crlUrls(signer).empty()) return {};
    X509* issuer = nullptr;
    for (X509* c : candidates) {
        EVP_PKEY* key = c ? X509_get0_pubkey(c) : nullptr;
        if (key && X509_check_issued(c, signer) == X509_V_OK && X509_verify(signer, key) == 1) {
            issuer = c;
            break;
        }
    }
    pdf::takeOpensslErrors();
    char* name = X509_NAME_oneline(X509_get_subject_name(signer), nullptr, 0);
    const std::string subject = name ? name : "";
    OPENSSL_free(name);
    if (!issuer)
        return {false, fmt::format(fmt::runtime(_("the revocation of its signer {0} was not "
                                                  "checked: the issuer's certificate is not in "
                                                  "the list or its signature")),
                                   subject)};
    const auto status = checker.check(signer, issuer, {}, now);
    switch (status.status) {
        case pdf::RevocationStatus::Good:
            return {};
        case pdf::RevocationStatus::Revoked:
            return {true, fmt::format(fmt::runtime(_("the certificate that signed it ({0}) is "
                                                     "revoked: {1}")),
                                      subject, status.message)};
        case pdf::RevocationStatus::Unknown:
            break;
    }
    return {false, fmt::format(fmt::runtime(_("the revocation of its signer {0} could not be "
                                              "checked: {1}")),
                               subject, status.message)};
}

}  // namespace certagent::signing
