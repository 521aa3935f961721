// certagent-cli trusted-list update | show [--json]: download and verify the EU trusted lists
// into the state dir, or list the qualified CA certificates the cached lists give (re-verified).
#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <ctime>
#include <iostream>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/signing/trusted_list.hpp"
#include "command.hpp"

namespace certagent::cli {
namespace {

std::string subjectOf(X509* cert) {
    char* line = X509_NAME_oneline(X509_get_subject_name(cert), nullptr, 0);
    std::string out = line ? line : "";
    OPENSSL_free(line);
    return out;
}

std::string notAfter(X509* cert) {
    std::tm tm{};
    if (!ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm)) return {};
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string sha256Hex(X509* cert) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!X509_digest(cert, EVP_sha256(), md, &n)) return {};
    std::string out;
    for (unsigned int i = 0; i < n; ++i) out += fmt::format("{:02x}", md[i]);
    return out;
}

int runUpdate(Context& ctx) {
    auto& agent = ctx.agent(/*open_state=*/false);
    auto progress = [](std::string_view line) { std::cerr << line << std::endl; };
    auto result = signing::updateTrustedList(agent.config(), agent.stateDir(), progress);
    if (ctx.json_output) {
        ctx.print({{"lists", result.lists},
                   {"certificates", result.certificates},
                   {"skipped", result.skipped},
                   {"notes", result.notes},
                   {"signers", signing::trustedListSignersFile(agent.config()).string()},
                   {"cache", signing::trustedListCacheFile(agent.stateDir()).string()}});
        return kOk;
    }
    for (const auto& s : result.skipped)
        std::cerr << fmt::format(fmt::runtime(_("Skipped: {0}")), s) << "\n";
    for (const auto& n : result.notes)
        std::cerr << fmt::format(fmt::runtime(_("Not checked: {0}")), n) << "\n";
    std::cout << fmt::format(fmt::runtime(_("{0} national list(s) verified, {1} qualified CA "
                                            "certificate(s) cached in {2}")),
                             result.lists, result.certificates,
                             signing::trustedListCacheFile(agent.stateDir()).string())
              << "\n";
    return kOk;
}

int runShow(Context& ctx) {
    auto& agent = ctx.agent(/*open_state=*/false);
    auto cache = signing::loadTrustedList(agent.config(), agent.stateDir());
    if (ctx.json_output) {
        json anchors = json::array();
        for (const auto& a : cache.anchors)
            anchors.push_back({{"territory", a.territory},
                               {"provider", a.provider},
                               {"service", a.service},
                               {"subject", subjectOf(a.certificate.get())},
                               {"not_after", notAfter(a.certificate.get())},
                               {"sha256", sha256Hex(a.certificate.get())}});
        ctx.print({{"issued", cache.issued},
                   {"next_update", cache.next_update},
                   {"stale", cache.stale},
                   {"stale_lists", cache.stale_lists},
                   {"signers", signing::trustedListSignersFile(agent.config()).string()},
                   {"anchors", anchors},
                   {"problems", cache.problems}});
    } else {
        for (const auto& p : cache.problems) std::cerr << p << "\n";
        if (cache.stale)
            std::cout << fmt::format(fmt::runtime(_("List of trusted lists issued {0}, next "
                                                    "update {1}: OUT OF DATE, not used")),
                                     cache.issued, cache.next_update)
                      << "\n";
        if (!cache.anchors.empty()) {
            std::cout << fmt::format(fmt::runtime(_("List of trusted lists issued {0}, next "
                                                    "update {1}")),
                                     cache.issued, cache.next_update)
                      << "\n";
            std::vector<std::vector<std::string>> rows;
            for (const auto& a : cache.anchors)
                rows.push_back({a.territory, a.provider, subjectOf(a.certificate.get()),
                                notAfter(a.certificate.get())});
            printTable({_("COUNTRY"), _("PROVIDER"), _("SUBJECT"), _("NOT AFTER")}, rows);
        }
    }
    // Nothing cached (or nothing that still verifies) is a failure for scripts.
    return cache.anchors.empty() ? kFailure : kOk;
}

int runTrustedList(Context& ctx) {
    Args args(ctx.args, {}, {});
    const auto& pos = args.positionals();
    if (pos.size() != 1 || (pos[0] != "update" && pos[0] != "show"))
        throw Error(ErrorKind::Usage, _("usage: certagent-cli trusted-list update|show [--json]"));
    return pos[0] == "update" ? runUpdate(ctx) : runShow(ctx);
}

}  // namespace
}  // namespace certagent::cli

CERTAGENT_CLI_COMMAND(trusted_list, "trusted-list",
                      N_("download and verify the EU trusted lists, or show the cached anchors"),
                      N_("trusted-list update|show [--json]"), certagent::cli::runTrustedList)
