#include "certagent/core/ui/consent_view.hpp"

#include <fmt/format.h>

#include <cctype>

#include "certagent/core/i18n.hpp"
#include "certagent/core/ui/tray_model.hpp"

namespace certagent::ui {

std::string humanSize(std::size_t bytes) {
    if (bytes < 1024)
        return fmt::format(fmt::runtime(i18n::trn("{0} byte", "{0} bytes", bytes)), bytes);
    if (bytes < 1024 * 1024)
        return fmt::format(fmt::runtime(_("{0:.1f} KB")), static_cast<double>(bytes) / 1024.0);
    return fmt::format(fmt::runtime(_("{0:.1f} MB")),
                       static_cast<double>(bytes) / (1024.0 * 1024.0));
}

std::string groupedHex(const std::string& hex) {
    std::string out;
    for (size_t i = 0; i < hex.size(); ++i) {
        if (i && i % 4 == 0) out += ' ';
        out += static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i])));
    }
    return out;
}

std::string consentCountdownText(int secondsLeft) {
    return fmt::format(fmt::runtime(i18n::trn("Refused automatically in {0} second",
                                        "Refused automatically in {0} seconds",
                                        static_cast<unsigned long>(secondsLeft))),
                       secondsLeft);
}

ConsentView consentView(const server::ConsentRequest& r, std::chrono::system_clock::time_point now) {
    ConsentView v;
    v.title = _("Signature request");
    v.origin = r.origin;
    v.allowLabel = _("Allow and sign…");
    v.refuseLabel = _("Refuse");
    v.openLabel = _("Open the document");
    const auto& cert = r.certificate;
    const auto holder = cert.commonName.empty() ? cert.subject : cert.commonName;
    if (r.kind == server::SignKind::Pdf) {
        v.heading = _("A web page asks to sign a document with your certificate:");
        v.rows.push_back({_("Document"), r.claimed_document_name.empty()
                                             ? _("(no name given)")
                                             : r.claimed_document_name});
        v.rows.push_back({_("Size"), humanSize(r.document_size)});
        v.rows.push_back({_("SHA-256"), groupedHex(r.digest_hex)});
        v.canOpenDocument = !r.document_file.empty();
    } else {
        v.heading = _("A web page asks to sign a value it computed with your certificate:");
        v.rows.push_back({_("The page says it is"), r.claimed_description.empty()
                                                        ? _("(no description given)")
                                                        : r.claimed_description});
        v.rows.push_back({r.digest_algorithm.empty() ? _("Digest") : r.digest_algorithm,
                          groupedHex(r.digest_hex)});
        v.warning = _("certagent cannot see the document behind this value: sign only if you "
                      "trust this page and expect this signature.");
    }
    v.rows.push_back({_("Certificate"), holder});
    v.rows.push_back({_("Issued by"), cert.issuer});
    long days = cert.daysLeft(now);
    v.rows.push_back({_("Valid until"), fmt::format("{} ({})", localDate(cert.notAfter),
                                                    daysLeftText(days))});
    auto tokenName = r.token.label.empty() ? r.token.serial : r.token.label;
    v.rows.push_back({_("Token"), fmt::format(fmt::runtime(_("{0} (serial {1})")), tokenName,
                                              r.token.serial)});
    return v;
}

}  // namespace certagent::ui
