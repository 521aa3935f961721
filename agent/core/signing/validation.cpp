// The ETSI EN 319 102-1 verdict: see validation.hpp. Sub-indications used (5.1.3, table 5):
//   TOTAL-FAILED   HASH_FAILURE (signed bytes changed), FORMAT_FAILURE (unreadable signature, a
//                  signing-certificate attribute naming another certificate, a change after
//                  signing that the document's permissions do not allow — as EU DSS reports
//                  PDF modifications), REVOKED (revoked before the proven signing time),
//                  NOT_YET_VALID
//   INDETERMINATE  NO_CERTIFICATE_CHAIN_FOUND, OUT_OF_BOUNDS_NO_POE (expired, no timestamp),
//                  REVOKED_NO_POE / REVOKED_CA_NO_POE (revoked, nothing proves the signature is
//                  older), TRY_LATER (no usable revocation status for a certificate)
#include "certagent/core/signing/validation.hpp"
#include "certagent/core/clock.hpp"

#include <fmt/format.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "certagent/core/i18n.hpp"

namespace certagent::signing {
namespace {

using pdf::Indication;
using pdf::RevocationStatus;

void set(pdf::SignatureReport& r, Indication i, std::string sub, std::string message) {
    r.indication = i;
    r.sub_indication = std::move(sub);
    r.verdict_message = std::move(message);
}

std::string isoOf(std::time_t t) { return toIso8601(t); }

}  // namespace

void validate(pdf::SignatureReport& r, RevocationChecker& checker, std::time_t now) {
    r.revocation.clear();
    if (r.status == pdf::SignatureStatus::Malformed)
        return set(r, Indication::TotalFailed, "FORMAT_FAILURE", r.message);
    if (r.status == pdf::SignatureStatus::Modified)
        return set(r, Indication::TotalFailed, r.cms_valid ? "FORMAT_FAILURE" : "HASH_FAILURE",
                   r.message);
    std::string refused;
    for (const auto& c : r.changes_after)
        if (!c.allowed) refused += (refused.empty() ? "" : "; ") + c.what;
    if (!refused.empty())
        return set(r, Indication::TotalFailed, "FORMAT_FAILURE",
                   fmt::format(fmt::runtime(_("The document was changed after this signature in "
                                              "a way its permissions do not allow: {0}.")),
                               refused));
    if (!r.chain_trusted) {
        if (r.chain_error == X509_V_ERR_CERT_HAS_EXPIRED)
            return set(r, Indication::Indeterminate, "OUT_OF_BOUNDS_NO_POE",
                       _("The signer's certificate has expired and no trusted timestamp proves "
                         "the signature was made before."));
        if (r.chain_error == X509_V_ERR_CERT_NOT_YET_VALID)
            return set(r, Indication::TotalFailed, "NOT_YET_VALID",
                       _("The signer's certificate was not yet valid."));
        return set(r, Indication::Indeterminate, "NO_CERTIFICATE_CHAIN_FOUND", r.message);
    }

    // Revocation of every certificate but the anchor; only for a chain that reaches an anchor,
    // so the addresses asked are those a trusted CA wrote (not any a document names).
    const auto material = r.allMaterial();
    auto check = [&](const std::vector<pdf::Der>& ders, std::optional<std::time_t> proven) {
        std::vector<pdf::X509Ptr> chain;
        for (const auto& der : ders) {
            const unsigned char* p = der.data();
            chain.emplace_back(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
            if (!chain.back()) chain.pop_back();
        }
        pdf::takeOpensslErrors();
        std::vector<pdf::CertificateStatus> out;
        for (size_t i = 0; i + 1 < chain.size() && i < 8; ++i)
            out.push_back(checker.check(chain[i].get(), chain[i + 1].get(), material, now, proven));
        return out;
    };
    // The signature timestamp first: it proves when the signature existed only if its
    // authority was not revoked before it and that is known.
    auto proven = r.timestamp_gen_time;
    r.timestamp_revocation.clear();
    std::string timestamp_doubt;
    if (proven) {
        r.timestamp_revocation = check(r.timestamp_chain, proven);
        for (const auto& s : r.timestamp_revocation) {
            const bool revoked_before = s.status == RevocationStatus::Revoked &&
                                        (!s.revoked_at || *s.revoked_at <= *proven);
            if (s.status == RevocationStatus::Unknown || revoked_before) {
                timestamp_doubt = fmt::format(
                    fmt::runtime(_("the timestamp's authority {0} cannot be relied on: {1}")),
                    s.subject, s.message);
                proven.reset();
                break;
            }
        }
    }
    if (r.chain_valid_at_signing_time_only && !proven)
        return set(r, Indication::Indeterminate, "OUT_OF_BOUNDS_NO_POE",
                   fmt::format(fmt::runtime(_("The signer's certificate has expired, and {0}.")),
                               timestamp_doubt));
    r.revocation = check(r.chain, proven);

    for (size_t i = 0; i < r.revocation.size(); ++i) {
        const auto& s = r.revocation[i];
        if (s.status != RevocationStatus::Revoked) continue;
        const bool signer = i == 0;
        if (proven && s.revoked_at && *s.revoked_at > *proven) continue;  // revoked since
        if (proven)
            return set(r, Indication::TotalFailed, "REVOKED",
                       fmt::format(fmt::runtime(_("The certificate {0} was revoked on {1}, before "
                                                  "the time the timestamp proves ({2}).")),
                                   s.subject, s.revoked_at ? isoOf(*s.revoked_at) : "?",
                                   r.timestamp_time));
        return set(r, Indication::Indeterminate, signer ? "REVOKED_NO_POE" : "REVOKED_CA_NO_POE",
                   fmt::format(fmt::runtime(_("The certificate {0} was revoked on {1}, and no "
                                              "trusted timestamp proves the signature is older.")),
                               s.subject, s.revoked_at ? isoOf(*s.revoked_at) : "?"));
    }
    for (const auto& s : r.revocation)
        if (s.status == RevocationStatus::Unknown)
            return set(r, Indication::Indeterminate, "TRY_LATER",
                       fmt::format(fmt::runtime(_("The revocation status of {0} is not known: "
                                                  "{1}.")),
                                   s.subject, s.message));
    set(r, Indication::TotalPassed, {}, r.message);
}

}  // namespace certagent::signing
