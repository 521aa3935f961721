// certagent-cli certs [--token SERIAL]: every certificate on the tokens, parsed (with --json,
// every detail and the chain); --details ID shows one, --export ID writes it as DER or PEM,
// --delete ID removes it and its key from the token.
#include <fmt/format.h>
#include <iostream>
#include <map>

#include "certagent/core/clock.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/files.hpp"
#include "certagent/core/token/agent_tokens.hpp"
#include "certagent/core/token/certificate_deletion.hpp"
#include "certagent/core/token/certificate_details.hpp"
#include "certagent/core/ui/certificate_view.hpp"
#include "command.hpp"

namespace certagent::cli {
namespace {

// Other certificates on the same token: where a chain's CA certificates usually are.
std::vector<token::Bytes> sameToken(const std::vector<token::TokenCertificate>& all,
                                    const token::TokenCertificate& c) {
    std::vector<token::Bytes> out;
    for (const auto& o : all)
        if (o.tokenSerial == c.tokenSerial && o.id != c.id && o.info) out.push_back(o.info->der);
    return out;
}

const token::TokenCertificate& findCertificate(const std::vector<token::TokenCertificate>& all,
                                               const std::string& idHex,
                                               const std::optional<std::string>& serial) {
    const auto id = token::fromHex(idHex);
    const token::TokenCertificate* found = nullptr;
    for (const auto& c : all) {
        if (c.id != id) continue;
        if (found)
            throw Error(ErrorKind::Usage,
                        fmt::format(fmt::runtime(_("Certificate {0} is on several tokens; name one "
                                                   "with --token SERIAL")),
                                    idHex));
        found = &c;
    }
    if (!found)
        throw Error(ErrorKind::InvalidInput,
                    fmt::format(fmt::runtime(_("There is no certificate with id {0}{1} (see "
                                               "certagent-cli certs)")),
                                idHex, serial ? " " + fmt::format(fmt::runtime(_("on token {0}")),
                                                                  *serial)
                                              : std::string()),
                    serial.value_or(""));
    if (!found->info)
        throw Error(ErrorKind::InvalidInput,
                    fmt::format(fmt::runtime(_("Object {0} is not a readable certificate: {1}")),
                                idHex, found->error),
                    found->tokenSerial);
    return *found;
}

int exportCert(Context& ctx, const Args& args, const std::vector<token::TokenCertificate>& all) {
    const auto& c = findCertificate(all, *args.value("--export"), args.value("--token"));
    const auto format = token::parseExportFormat(args.value("--format").value_or("pem"));
    if (!format) throw Error(ErrorKind::Usage, _("--format is der or pem"));
    const auto out = args.value("-o");
    if (!out) throw Error(ErrorKind::Usage, _("--export needs -o FILE (or -o - for standard output)"));
    const auto bytes = token::exportCertificate(c.info->der, *format);
    if (*out == "-") {
        std::cout.write(reinterpret_cast<const char*>(bytes.data()),
                        static_cast<std::streamsize>(bytes.size()));
        std::cout.flush();
        return kOk;
    }
    writeFileAtomically(std::filesystem::u8path(*out), bytes);
    if (ctx.json_output)
        ctx.print({{"token", c.tokenSerial}, {"id", token::toHex(c.id)}, {"file", *out},
                   {"format", *format == token::ExportFormat::Pem ? "pem" : "der"}});
    else
        fmt::print("{}\n", fmt::format(fmt::runtime(_("Exported certificate {0} ({1}) to {2}")),
                                       token::toHex(c.id), c.info->subject, *out));
    return kOk;
}

int deleteCert(Context& ctx, const Args& args, token::TokenService& service,
               const std::vector<token::TokenCertificate>& all) {
    auto& agent = ctx.agent(false);
    const auto& c = findCertificate(all, *args.value("--delete"), args.value("--token"));
    std::vector<token::TokenCertificate> onToken;
    for (const auto& o : all)
        if (o.tokenSerial == c.tokenSerial) onToken.push_back(o);
    const auto check = token::checkDeletion(onToken, c.id, agent.clock().now());
    const auto idHex = token::toHex(c.id);
    if (check.onlyValid && !args.flag("--force"))
        throw Error(ErrorKind::Rejected,
                    fmt::format(fmt::runtime(_("Certificate {0} ({1}) is the only valid certificate "
                                               "with its key on token {2}: without it you cannot "
                                               "sign. Nothing was deleted; add --force if you "
                                               "really mean it.")),
                                idHex, c.info->commonName, c.tokenSerial),
                    c.tokenSerial);
    const auto prompt = fmt::format(
        fmt::runtime(_("Delete certificate {0} ({1}, valid until {2}) and its key from token {3}? "
                       "This cannot be undone.")),
        idHex, c.info->subject,
        c.info->noExpiry ? std::string(_("no expiry")) : i18n::dateTimeText(c.info->notAfter),
        c.tokenSerial);
    if (!confirmAtTerminal(prompt, args.flag("--yes")))
        throw Error(ErrorKind::Cancelled, _("Cancelled; nothing was deleted."), c.tokenSerial);

    auto session = service.open(c.tokenSerial);
    // The private key is hidden until login; deleting without it would leave it behind.
    if (session->token().loginRequired) session->login(pinCallback(args.value("--pin-env")));
    const auto done = session->deleteCertificateAndKeys(c.id);
    if (ctx.json_output)
        ctx.print({{"token", c.tokenSerial}, {"id", idHex}, {"deleted",
                   {{"certificates", done.certificates}, {"private_keys", done.privateKeys},
                    {"public_keys", done.publicKeys}}}});
    else
        fmt::print("{}\n", fmt::format(fmt::runtime(_("Deleted certificate {0} from token {1} "
                                                      "({2} private key, {3} public key "
                                                      "object(s) with it).")),
                                       idHex, c.tokenSerial, done.privateKeys, done.publicKeys));
    return kOk;
}

int showDetails(Context& ctx, const Args& args, const std::vector<token::TokenCertificate>& all,
                int expiring) {
    const auto& c = findCertificate(all, *args.value("--details"), args.value("--token"));
    const auto details = token::certificateDetails(c.info->der, sameToken(all, c));
    if (ctx.json_output) {
        ctx.print(token::detailsJson(details));
        return kOk;
    }
    for (const auto& row : ui::certificateRows(details, ctx.agent(false).clock().now(), expiring)) {
        if (row.heading) {
            fmt::print("\n{}\n", row.label);
            continue;
        }
        std::string value = row.value;
        for (std::size_t p = 0; (p = value.find('\n', p)) != std::string::npos; p += 5)
            value.replace(p, 1, "\n    ");
        fmt::print("  {}: {}\n", row.label, value);
    }
    return kOk;
}

int runCerts(Context& ctx) {
    Args args(ctx.args,
              {"--token", "--export", "--format", "-o", "--delete", "--details", "--pin-env"},
              {"--yes", "--force"});
    auto& agent = ctx.agent(/*open_state=*/false);
    auto service = token::makeTokenService(agent);
    const auto serial = args.value("--token");
    const auto now = agent.clock().now();
    const int expiring = service->options().expiringWithinDays;
    const int actions = !!args.value("--export") + !!args.value("--delete") +
                        !!args.value("--details");
    if (actions > 1)
        throw Error(ErrorKind::Usage, _("choose one of --export, --delete and --details"));
    if (args.value("--export")) return exportCert(ctx, args, service->certificates(serial));
    if (args.value("--delete"))
        return deleteCert(ctx, args, *service, service->certificates(serial));
    if (args.value("--details"))
        return showDetails(ctx, args, service->certificates(serial), expiring);

    json list = json::array();
    std::vector<std::vector<std::string>> rows;
    const auto all = service->certificates(serial);
    // Each token's certificates, decoded once for all the chains built from them.
    std::map<std::string, token::ChainCandidates> chainSources;
    if (ctx.json_output) {
        std::map<std::string, std::vector<token::Bytes>> ders;
        for (const auto& c : all)
            if (c.info) ders[c.tokenSerial].push_back(c.info->der);
        for (auto& [tok, derList] : ders) chainSources.emplace(tok, token::ChainCandidates(derList));
    }
    for (const auto& c : all) {
        json j = {{"token", c.tokenSerial},
                  {"id", token::toHex(c.id)},
                  {"label", c.label},
                  {"has_private_key", c.privateKey == token::KeyPresence::UnknownUntilLogin
                                          ? json(nullptr)
                                          : json(c.privateKey == token::KeyPresence::Present)}};
        if (!c.info) {
            // A malformed object: listed with its id and the reason, nothing invented.
            for (const char* k : {"subject", "issuer", "serial", "not_before", "not_after",
                                  "days_left", "qualified", "status"})
                j[k] = nullptr;
            j["error"] = c.error;
            list.push_back(std::move(j));
            rows.push_back({c.tokenSerial, token::toHex(c.id), c.label, c.error, "", "", "", "",
                            token::keyPresenceText(c.privateKey)});
            continue;
        }
        const auto& i = *c.info;
        const char* status = token::certStatusName(i.status(now, expiring));
        const long days = i.daysLeft(now);
        j["subject"] = i.subject;
        j["issuer"] = i.issuer;
        j["serial"] = i.serialHex;
        j["not_before"] = toIso8601(i.notBefore);
        j["not_after"] = i.notAfterText();
        j["days_left"] = i.noExpiry ? json(nullptr) : json(days);
        j["no_expiry"] = i.noExpiry;
        j["qualified"] = i.qualified;
        j["status"] = status;
        if (ctx.json_output)
            j.update(token::detailsJson(
                token::certificateDetails(i, chainSources.at(c.tokenSerial))));
        list.push_back(std::move(j));
        rows.push_back({c.tokenSerial, token::toHex(c.id), c.label, i.subject,
                        i.noExpiry ? std::string(_("no expiry")) : toIso8601(i.notAfter),
                        i.noExpiry ? std::string() : std::to_string(days),
                        i.qualified ? _("yes") : _("no"), certStatusText(i.status(now, expiring)),
                        token::keyPresenceText(c.privateKey)});
    }
    if (ctx.json_output) {
        ctx.print(list);
    } else if (rows.empty()) {
        fmt::print("{}\n", serial ? _("No certificates on that token (or it is not connected).")
                                  : _("No certificates found."));
    } else {
        printTable({_("TOKEN"), _("ID"), _("LABEL"), _("SUBJECT"), _("NOT AFTER"), _("DAYS"),
                    _("QUALIFIED"), _("STATUS"), _("PRIVATE KEY")},
                   rows);
    }
    return kOk;
}

}  // namespace
}  // namespace certagent::cli

CERTAGENT_CLI_COMMAND(certs, "certs",
                      N_("list certificates on tokens: id, subject, issuer, validity, qualified, "
                         "status"),
                      N_("certs [--token SERIAL] [--json] | certs --details ID | certs --export ID "
                         "[--format der|pem] -o FILE | certs --delete ID [--yes] [--force] "
                         "[--pin-env VAR]"),
                      certagent::cli::runCerts,
                      {"--token", N_("SERIAL"),
                       N_("only the certificates on this token")},
                      {"--details", "ID",
                       N_("every detail of the certificate with this id (CKA_ID in hex), for "
                          "people")},
                      {"--export", "ID",
                       N_("write the certificate with this id to the file given with -o")},
                      {"--format", "der|pem",
                       N_("file format for --export (default: pem)")},
                      {"-o", N_("FILE"),
                       N_("where --export writes (- for standard output)")},
                      {"--delete", "ID",
                       N_("delete the certificate and its key pair from the token, keys first")},
                      {"--yes", nullptr,
                       N_("answer the confirmation of --delete with yes")},
                      {"--force", nullptr,
                       N_("delete even the only valid certificate with its key on the token")},
                      {"--pin-env", N_("VAR"),
                       N_("read the PIN for --delete from this environment variable")})
