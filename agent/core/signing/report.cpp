// Verification reports as text rows: see report.hpp.
#include "certagent/core/signing/report.hpp"
#include "certagent/core/clock.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <fstream>
#include <iterator>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"

namespace certagent::signing {
namespace fs = std::filesystem;
namespace {

std::vector<uint8_t> readBytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw Error(ErrorKind::Io, _("the file cannot be read"), p.string());
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

bool looksLikePdf(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    char head[5] = {};
    in.read(head, 5);
    return in && std::string_view(head, 5) == "%PDF-";
}

bool isP7s(const fs::path& p) {
    auto ext = p.extension().string();
    for (auto& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return ext == ".p7s";
}

const char* yesNo(bool b) { return b ? _("yes") : _("no"); }

std::string isoOf(std::optional<std::time_t> t) {
    if (!t) return {};
    return toIso8601(*t);
}

std::string sourceText(const std::string& source) {
    if (source == "embedded-ocsp") return _("OCSP answer in the document");
    if (source == "embedded-crl") return _("revocation list in the document");
    if (source == "cached-ocsp") return _("cached OCSP answer");
    if (source == "cached-crl") return _("cached revocation list");
    if (source == "ocsp") return _("OCSP responder");
    if (source == "crl") return _("revocation list");
    return source;
}

std::string indicationText(const pdf::SignatureReport& s) {
    const std::string name = pdf::indicationName(*s.indication);
    const std::string code = s.sub_indication.empty() ? name : name + "/" + s.sub_indication;
    switch (*s.indication) {
        case pdf::Indication::TotalPassed:
            return fmt::format(fmt::runtime(_("valid ({0})")), code);
        case pdf::Indication::TotalFailed:
            return fmt::format(fmt::runtime(_("INVALID ({0})")), code);
        case pdf::Indication::Indeterminate:
            return fmt::format(fmt::runtime(_("cannot be confirmed ({0})")), code);
    }
    return code;
}

std::string statusText(pdf::SignatureStatus s) {
    switch (s) {
    case pdf::SignatureStatus::Valid: return _("valid");
    case pdf::SignatureStatus::Untrusted: return _("intact, but not from a trusted issuer");
    case pdf::SignatureStatus::Modified: return _("INVALID: modified after signing");
    case pdf::SignatureStatus::Malformed: return _("INVALID: the signature cannot be read");
    }
    return pdf::signatureStatusName(s);
}

// A PDF date ("D:20261213100000+02'00'", the /M a signer claims) as ISO 8601, so it is shown
// like every other time; anything else is returned as is.
std::string pdfDateAsIso(const std::string& d) {
    std::string s = d.rfind("D:", 0) == 0 ? d.substr(2) : d;
    if (s.size() < 14 || !std::all_of(s.begin(), s.begin() + 14, [](char c) {
            return std::isdigit(static_cast<unsigned char>(c)) != 0;
        }))
        return d;
    std::string iso = s.substr(0, 4) + "-" + s.substr(4, 2) + "-" + s.substr(6, 2) + "T" +
                      s.substr(8, 2) + ":" + s.substr(10, 2) + ":" + s.substr(12, 2);
    std::string zone = s.substr(14);
    if (zone.empty() || zone[0] == 'Z') return iso + "Z";
    if ((zone[0] == '+' || zone[0] == '-') && zone.size() >= 3) {
        std::string minutes = zone.size() >= 6 ? zone.substr(4, 2) : "00";
        return iso + zone.substr(0, 3) + ":" + minutes;
    }
    return d;
}

}  // namespace

VerifyInput resolveVerifyInput(const fs::path& file, const std::optional<fs::path>& data) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec))
        throw Error(ErrorKind::InvalidInput, _("the file does not exist"), file.string());
    if (data) {
        if (!fs::is_regular_file(*data, ec))
            throw Error(ErrorKind::InvalidInput, _("the signed file does not exist"),
                        data->string());
        return {file, data};
    }
    if (looksLikePdf(file)) return {file, std::nullopt};
    if (isP7s(file)) {
        fs::path signedFile = file;
        signedFile.replace_extension();  // contract.pdf.p7s -> contract.pdf
        if (!fs::is_regular_file(signedFile, ec))
            throw Error(ErrorKind::InvalidInput,
                        fmt::format(fmt::runtime(_("the signed file {0} is not next to the "
                                                   "signature; give it with --data FILE")),
                                    signedFile.filename().string()),
                        file.string());
        return {file, signedFile};
    }
    throw Error(ErrorKind::Usage,
                _("this is not a PDF; for a detached signature give the signed file with "
                  "--data FILE"),
                file.string());
}

VerificationResult verifyInput(const VerifyInput& input, X509_STORE* anchors,
                               RevocationChecker* revocation) {
    if (input.data)
        return verifyCadesDetached(readBytes(input.file), readBytes(*input.data), anchors, {},
                                   revocation);
    return verifyPdfFile(input.file, anchors, {}, revocation);
}

VerificationResult verifyInputWithConfig(const VerifyInput& input, const config::Config& config,
                                         const fs::path& state_dir) {
    auto store = trustStoreFromConfig(config, state_dir);
    RevocationChecker revocation(revocationSettingsFrom(config, state_dir));
    return verifyInput(input, store.get(), &revocation);
}

ReportView reportView(const fs::path& file, const VerificationResult& result) {
    ReportView view;
    view.allValid = result.allValid();
    const auto overall = result.indication();
    if (result.signatures.empty()) {
        view.verdict = fmt::format(fmt::runtime(_("{0}: there is no signature to check.")),
                                   pdf::indicationName(overall));
    } else if (overall == pdf::Indication::TotalPassed) {
        view.verdict = fmt::format(fmt::runtime(_("{0}: every signature is valid.")),
                                   pdf::indicationName(overall));
    } else {
        int index = 0;
        for (const auto& s : result.signatures) {
            ++index;
            const auto i = s.indication ? *s.indication
                                        : (s.status == pdf::SignatureStatus::Valid
                                               ? pdf::Indication::Indeterminate
                                               : pdf::Indication::TotalFailed);
            if (i != overall) continue;
            const std::string code = s.sub_indication.empty()
                                         ? std::string(pdf::indicationName(i))
                                         : fmt::format("{} ({})", pdf::indicationName(i),
                                                       s.sub_indication);
            const std::string why =
                !s.verdict_message.empty() ? s.verdict_message
                : s.status == pdf::SignatureStatus::Valid
                    ? std::string(_("the revocation status of its certificates was not checked."))
                    : s.message;
            view.verdict = fmt::format(fmt::runtime(_("{0}: signature {1}: {2}")), code, index, why);
            break;
        }
    }
    view.headline =
        result.signatures.empty()
            ? fmt::format(fmt::runtime(_("{0}: no signature found")), file.string())
            : fmt::format(fmt::runtime(i18n::trn("{0}: {1} signature", "{0}: {1} signatures",
                                                 result.signatures.size())),
                          file.string(), result.signatures.size());
    int n = 0;
    for (const auto& s : result.signatures) {
        SignatureSection sec;
        sec.title = fmt::format(fmt::runtime(_("Signature {0}: {1}")), ++n,
                                s.indication ? indicationText(s) : statusText(s.status));
        sec.message = s.verdict_message.empty() ? s.message : s.verdict_message;
        sec.ok = s.indication ? *s.indication == pdf::Indication::TotalPassed
                              : s.status == pdf::SignatureStatus::Valid;
        auto row = [&sec](const char* label, const std::string& value) {
            if (!value.empty()) sec.rows.push_back({label, value});
        };
        row(_("Signer"), s.signer_subject);
        row(_("Issuer"), s.signer_issuer);
        row(_("Valid"), s.signer_not_before.empty()
                            ? std::string()
                            : i18n::dateTimeText(s.signer_not_before) + " – " +
                                  i18n::dateTimeText(s.signer_not_after));
        row(_("Integrity"), yesNo(s.cms_valid));
        row(_("Chain"), s.chain_message);
        row(_("Qualified certificate"), yesNo(s.qualified));
        // TRANSLATORS: "none" stands after feminine nouns only (timestamp, certificate
        // policies): Romanian "niciuna".
        row(_("Timestamp"), s.timestamp_present
                                ? i18n::dateTimeText(s.timestamp_time) + " — " + s.timestamp_message
                                : std::string(_("none")));
        auto revocationRow = [&](const char* label, const pdf::CertificateStatus& c) {
            std::string value = c.subject + ": ";
            if (c.status == pdf::RevocationStatus::Unknown)
                value += fmt::format(fmt::runtime(_("unknown — {0}")), c.message);
            else if (c.status == pdf::RevocationStatus::Revoked)
                value += fmt::format(fmt::runtime(_("REVOKED on {0}{1} ({2})")), isoOf(c.revoked_at),
                                     c.revocation_reason.empty() ? std::string()
                                                                 : ", " + c.revocation_reason,
                                     sourceText(c.source));
            else
                value += fmt::format(fmt::runtime(_("good ({0}, {1})")), sourceText(c.source),
                                     isoOf(c.this_update));
            row(label, value);
        };
        for (const auto& c : s.revocation) revocationRow(_("Revocation"), c);
        for (const auto& c : s.timestamp_revocation)
            revocationRow(_("Revocation (timestamp authority)"), c);
        for (const auto& c : s.changes_after)
            row(_("Changed after signing"),
                c.what + " — " + (c.allowed ? _("allowed") : _("NOT allowed")));
        if (result.kind == SignedKind::Pdf) {
            row(_("Field"), s.field_name);
            row(_("Claimed time"), i18n::dateTimeText(pdfDateAsIso(s.claimed_time)));
            row(_("Reason"), s.reason);
        }
        view.signatures.push_back(std::move(sec));
    }
    return view;
}

std::string reportText(const ReportView& view) {
    std::string out = view.headline + "\n";
    if (!view.verdict.empty()) out += view.verdict + "\n";
    for (const auto& s : view.signatures) {
        out += "\n" + s.title + "\n  " + s.message + "\n";
        for (const auto& r : s.rows) out += "  " + r.label + ": " + r.value + "\n";
    }
    return out;
}

}  // namespace certagent::signing
