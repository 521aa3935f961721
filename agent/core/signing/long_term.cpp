// PAdES B-LT and B-LTA: see long_term.hpp.
#include "certagent/core/signing/long_term.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

#include "certagent/core/agent.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/events.hpp"
#include "certagent/core/host_services.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/pdf/sign.hpp"
#include "certagent/core/pdf/verify.hpp"
#include "certagent/core/signing/verify.hpp"
#include "certagent/core/token/token_json.hpp"

namespace certagent::signing {
namespace {

namespace fs = std::filesystem;
using pdf::Der;

std::string vriKey(const Der& sha1) {
    static const char* digits = "0123456789ABCDEF";
    std::string out;
    for (unsigned char b : sha1) {
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

size_t indexOf(std::vector<Der>& list, const Der& item) {
    auto it = std::find(list.begin(), list.end(), item);
    if (it != list.end()) return static_cast<size_t>(it - list.begin());
    list.push_back(item);
    return list.size() - 1;
}

pdf::X509Ptr parse(const Der& der) {
    const unsigned char* p = der.data();
    return pdf::X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

}  // namespace

PadesLevel parsePadesLevel(std::string_view text) {
    std::string t(text);
    std::transform(t.begin(), t.end(), t.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (t.rfind("PADES-", 0) == 0) t = t.substr(6);
    if (t == "B-B") return PadesLevel::BB;
    if (t == "B-T") return PadesLevel::BT;
    if (t == "B-LT") return PadesLevel::BLT;
    if (t == "B-LTA") return PadesLevel::BLTA;
    throw Error(ErrorKind::Usage,
                fmt::format(fmt::runtime(_("unknown signature level '{0}'; use B-B, B-T, B-LT or "
                                           "B-LTA")),
                            text));
}

const char* padesLevelName(PadesLevel level) {
    switch (level) {
        case PadesLevel::BB:
            return "B-B";
        case PadesLevel::BT:
            return "B-T";
        case PadesLevel::BLT:
            return "B-LT";
        case PadesLevel::BLTA:
            return "B-LTA";
    }
    return "B-B";
}

ExtendResult extendPdf(const fs::path& in, const fs::path& out, const ExtendOptions& options) {
    if (options.level != PadesLevel::BLT && options.level != PadesLevel::BLTA)
        throw Error(ErrorKind::Usage, _("a PDF can be extended to B-LT or B-LTA"));
    if (!options.revocation) throw Error(ErrorKind::Usage, "extendPdf needs a revocation checker");
    if (options.level == PadesLevel::BLTA && !options.document_timestamper)
        throw Error(ErrorKind::Usage, "B-LTA needs a document timestamper");
    const std::time_t now = options.now ? options.now : std::time(nullptr);
    pdf::VerifyOptions verify;
    verify.at = now;
    const auto reports = pdf::verifyPdf(in, options.anchors, verify);

    pdf::DssUpdate dss;
    ExtendResult result;
    int index = 0;
    for (const auto& r : reports) {
        ++index;
        if (r.status != pdf::SignatureStatus::Valid)
            throw Error(ErrorKind::InvalidInput,
                        fmt::format(fmt::runtime(_("signature {0} cannot be extended: {1}")), index,
                                    r.message),
                        in.string());
        pdf::DssUpdate::Vri vri;
        vri.key = vriKey(r.contents_sha1);
        const auto material = r.allMaterial();
        // The signer's chain, then its timestamp authority's: every certificate and, but for the
        // anchors, its revocation status.
        for (const auto* chain : {&r.chain, &r.timestamp_chain}) {
            std::vector<pdf::X509Ptr> certs;
            for (const auto& der : *chain) {
                certs.push_back(parse(der));
                vri.certificates.push_back(indexOf(dss.certificates, der));
            }
            for (size_t i = 0; i + 1 < certs.size(); ++i) {
                if (!certs[i] || !certs[i + 1]) continue;
                auto s = options.revocation->check(certs[i].get(), certs[i + 1].get(), material,
                                                   now, r.timestamp_gen_time);
                if (s.status == pdf::RevocationStatus::Revoked)
                    throw Error(ErrorKind::Rejected,
                                fmt::format(fmt::runtime(_("signature {0}: the certificate {1} is "
                                                           "revoked ({2}); certagent does not "
                                                           "preserve such a signature")),
                                            index, s.subject, s.message),
                                in.string());
                if (s.status == pdf::RevocationStatus::Unknown)
                    throw retryableError(
                        ErrorKind::Network,
                        fmt::format(fmt::runtime(_("signature {0}: no revocation data for the "
                                                   "certificate {1}: {2}; try again later")),
                                    index, s.subject, s.message),
                        in.string());
                if (s.evidence.empty()) continue;  // already in the document
                if (s.evidence_is_ocsp)
                    vri.ocsp_responses.push_back(indexOf(dss.ocsp_responses, s.evidence));
                else
                    vri.crls.push_back(indexOf(dss.crls, s.evidence));
            }
        }
        dss.vri.push_back(std::move(vri));
        ++result.signatures;
    }
    result.certificates = dss.certificates.size();
    result.ocsp_responses = dss.ocsp_responses.size();
    result.crls = dss.crls.size();

    // Both steps into a part file, renamed over `out` at the end: `in` stays as it was on any
    // failure, even when out == in.
    fs::path part = fs::path(out) += ".certagent-extend";
    struct Remove {
        fs::path p;
        ~Remove() {
            std::error_code ec;
            fs::remove(p, ec);
        }
    } guard{part};
    pdf::addValidationData(in, part, dss);
    if (options.level == PadesLevel::BLTA) {
        pdf::DocumentTimestampOptions ts;
        ts.timestamper = [&](std::span<const uint8_t> covered) {
            result.document_timestamp_token = options.document_timestamper(covered);
            return result.document_timestamp_token;
        };
        pdf::addDocumentTimestamp(part, part, ts);
        result.document_timestamp = true;
    }
    std::error_code ec;
    fs::rename(part, out, ec);
    if (ec)
        throw Error(ErrorKind::Io,
                    fmt::format(fmt::runtime(_("Cannot write the signed PDF {0} ({1}).")),
                                out.string(), ec.message()),
                    out.string());
    return result;
}

ExtendResult extendDocument(Agent& agent, const fs::path& in, const fs::path& out, PadesLevel level,
                            bool announce) {
    auto anchors = trustStoreFromConfig(agent.config(), agent.stateDir());
    RevocationChecker revocation(revocationSettingsFrom(agent.config(), agent.stateDir()));
    ExtendOptions options;
    options.level = level;
    options.anchors = anchors.get();
    options.revocation = &revocation;
    if (level == PadesLevel::BLTA) {
        options.document_timestamper = agent.services().timestamper();
        if (!options.document_timestamper)
            throw Error(ErrorKind::Config,
                        _("a document timestamp (B-LTA) needs the timestamps plugin, and it is "
                          "not loaded (certagent-cli plugins says why)"),
                        "timestamps");
    }
    auto result = extendPdf(in, out, options);
    if (announce && result.document_timestamp) {
        nlohmann::json e = {{"type", events::kDocumentSigned},
                            {"file", fs::absolute(out).string()},
                            {"profile", std::string("PAdES-") + padesLevelName(level)},
                            {"timestamps", nlohmann::json::array()}};
        e["timestamps"].push_back(token::base64(result.document_timestamp_token));
        agent.bus().publish(std::move(e));
    }
    log::info("signing",
              "extended {} to PAdES-{} ({} signature(s); {} certificates, {} OCSP, {} "
              "CRL added)",
              out.string(), padesLevelName(level), result.signatures, result.certificates,
              result.ocsp_responses, result.crls);
    return result;
}

}  // namespace certagent::signing
