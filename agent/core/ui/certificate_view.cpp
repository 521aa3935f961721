#include "certagent/core/ui/certificate_view.hpp"

#include <fmt/format.h>

#include "certagent/core/i18n.hpp"
#include "certagent/core/ui/tray_model.hpp"

namespace certagent::ui {
namespace {

std::string join(const std::vector<std::string>& items, const char* sep = ", ") {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
    return out;
}

std::string named(const std::vector<token::NamedOid>& list) {
    std::vector<std::string> parts;
    for (const auto& o : list)
        parts.push_back(o.name.empty() ? o.oid : fmt::format("{} ({})", o.name, o.oid));
    return join(parts, "\n");
}

// The name attributes people meet on certificates, in words; the rest keep OpenSSL's name.
std::string fieldLabel(const token::NameField& f) {
    if (f.type == "CN") return _("Name");
    if (f.type == "GN") return _("Given name");
    if (f.type == "SN") return _("Surname");
    if (f.type == "serialNumber") return _("Serial number (person)");
    if (f.type == "C") return _("Country");
    if (f.type == "L") return _("Locality");
    if (f.type == "ST") return _("County or state");
    if (f.type == "O") return _("Organization");
    if (f.type == "OU") return _("Organizational unit");
    if (f.type == "organizationIdentifier") return _("Organization identifier");
    if (f.type == "emailAddress") return _("E-mail");
    if (f.type == "title") return _("Title");
    return f.label;
}

std::string qcTypeText(const std::string& type) {
    if (type == "esign") return _("electronic signature (esign)");
    if (type == "eseal") return _("electronic seal (eseal)");
    if (type == "web") return _("website authentication (web)");
    return type;
}

}  // namespace

std::vector<DetailRow> certificateRows(const token::CertificateDetails& d, TimePoint now,
                                       int expiringWithinDays) {
    const auto& i = d.info;
    std::vector<DetailRow> rows;
    auto add = [&](std::string label, std::string value) {
        rows.push_back({std::move(label), std::move(value), false});
    };
    auto heading = [&](std::string title) { rows.push_back({std::move(title), {}, true}); };

    heading(_("Holder"));
    for (const auto& f : d.subjectFields) add(fieldLabel(f), f.value);
    heading(_("Issuer"));
    for (const auto& f : d.issuerFields) add(fieldLabel(f), f.value);

    heading(_("Validity"));
    add(_("Serial number"), i.serialHex);
    add(_("Valid from"), token::isoUtc(i.notBefore));
    add(_("Valid until"), i.noExpiry ? std::string(_("no expiry")) : i.notAfterText());
    add(_("Status"), i.noExpiry ? statusText(token::CertStatus::Valid)
                                : fmt::format("{} ({})", statusText(i.status(now, expiringWithinDays)),
                                              daysLeftText(i.daysLeft(now))));

    heading(_("Key"));
    add(_("Key type"), d.curve.empty() ? fmt::format("{} {}", i.keyAlgorithm, i.keyBits)
                                       : fmt::format("{} {} ({})", i.keyAlgorithm, i.keyBits, d.curve));
    add(_("Signature algorithm"), d.signatureAlgorithm);
    add(_("Key usage"), i.keyUsage.empty() ? std::string(_("not restricted")) : join(i.keyUsage));
    add(_("Extended key usage"),
        d.extendedKeyUsage.empty() ? std::string(_("not restricted")) : named(d.extendedKeyUsage));
    add(_("Certificate policies"), d.policies.empty() ? std::string(_("none")) : named(d.policies));

    heading(_("Qualified certificate"));
    add(_("Qualified (eIDAS)"), i.qualified ? _("yes") : _("no"));
    add(_("QcCompliance"), d.qc.compliance ? _("yes") : _("no"));
    add(_("Key in a qualified device (QSCD)"), d.qc.sscd ? _("yes") : _("no"));
    if (!d.qc.types.empty()) {
        std::vector<std::string> types;
        for (const auto& t : d.qc.types) types.push_back(qcTypeText(t));
        add(_("Type"), join(types));
    }
    if (d.qc.retentionYears)
        add(_("Records kept for"),
            fmt::format(fmt::runtime(_("{0} years after expiry")), *d.qc.retentionYears));
    if (!d.qc.pdsUrls.empty()) add(_("Disclosure statements"), join(d.qc.pdsUrls, "\n"));

    heading(_("Fingerprints"));
    add("SHA-256", d.sha256);
    add("SHA-1", d.sha1);

    heading(_("Chain"));
    for (std::size_t k = 0; k < d.chain.size(); ++k) {
        const auto& l = d.chain[k];
        std::string where = l.source == "token"    ? std::string(_("on the token"))
                            : l.source == "system" ? std::string(_("system trust store"))
                                                   : std::string(_("this certificate"));
        add(fmt::format("{}.", k + 1), fmt::format("{}\n({})", l.subject, where));
    }
    add(_("Chain"), d.chainTrusted
                        ? std::string(_("complete, ends in a trusted root"))
                        : fmt::format(fmt::runtime(_("not trusted by this computer: {0}")),
                                      d.chainProblem));
    return rows;
}

std::string exportFileName(const token::CertificateDetails& d, token::ExportFormat format) {
    std::string base = d.info.commonName.empty() ? d.info.serialHex : d.info.commonName;
    std::string safe;
    for (unsigned char c : base) {
        if (c >= 0x80 || std::isalnum(c) || c == '-' || c == '.') safe.push_back(static_cast<char>(c));
        else if (!safe.empty() && safe.back() != '_') safe.push_back('_');
    }
    while (!safe.empty() && (safe.back() == '_' || safe.back() == '.')) safe.pop_back();
    if (safe.empty() || safe.front() == '.') safe = "certificate" + safe;
    return safe + (format == token::ExportFormat::Pem ? ".pem" : ".cer");
}

}  // namespace certagent::ui
