#include "certagent/core/browser/registration.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "certagent/core/clock.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/files.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/state_store.hpp"
#include "certagent/core/token/certificate_details.hpp"
#include "certagent/core/token/certificate_parser.hpp"
#include "certagent/core/token/module_discovery.hpp"
#include "certagent/core/token/openssl_handles.hpp"
#include "certagent/core/token/token_service.hpp"

namespace certagent::browser {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr const char* kNs = "browser";
constexpr const char* kFileMarker = "# Written by certagent-cli browser register";

fs::path realOf(const fs::path& p) {
    std::error_code ec;
    auto r = fs::canonical(p, ec);
    return ec ? p : r;
}

std::string nowText() {
    return toIso8601(std::chrono::system_clock::now());
}

}  // namespace

struct Registration::Record {
    std::string kind;
    std::string target;
    std::string name;
    std::string detail;
    std::string state;  // "pending" (about to be done) | "done"
    std::string key() const { return kind + "\x1f" + target + "\x1f" + name; }
    json toJson() const {
        return {{"kind", kind}, {"target", target}, {"name", name}, {"detail", detail},
                {"state", state}, {"at", nowText()}};
    }
};

json changeJson(const Change& c) {
    return {{"kind", c.kind}, {"target", c.target}, {"name", c.name}, {"detail", c.detail},
            {"outcome", c.outcome}};
}

std::vector<token::Bytes> readPemCertificates(const std::vector<std::string>& files) {
    std::vector<token::Bytes> out;
    for (const auto& file : files) {
        std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(file.c_str(), "r"), BIO_free);
        if (!bio)
            throw Error(ErrorKind::Io, _("Cannot read the CA certificate file"), file);
        std::size_t before = out.size();
        while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
            out.push_back(token::derOf(x));
            X509_free(x);
        }
        ERR_clear_error();
        if (out.size() == before)
            throw Error(ErrorKind::InvalidInput, _("The file holds no PEM certificate"), file);
    }
    return out;
}

namespace {

std::string outcomeText(const Change& c) {
    if (c.outcome == "added") return _("added");
    if (c.outcome == "already_ours") return _("already registered by certagent");
    if (c.outcome == "already_there") return _("already there (not added by certagent; left alone)");
    if (c.outcome == "removed") return _("removed");
    return _("no longer there; record dropped");
}

std::string kindText(const std::string& kind) {
    if (kind == "module") return _("module");
    if (kind == "ca_certificate") return _("CA certificate");
    return _("p11-kit registration");
}

}  // namespace

std::string changesText(const std::vector<Change>& changes) {
    std::string out;
    for (const auto& c : changes)
        out += fmt::format("{} „{}” — {}: {}\n", kindText(c.kind), c.name, c.target, outcomeText(c));
    return out;
}

std::string statusText(const json& status) {
    std::string out;
    if (status["databases"].empty())
        out += std::string(_("No browser database found (start Chromium or Firefox once).")) + "\n";
    for (const auto& db : status["databases"]) {
        const std::string who =
            db["browser"] == "firefox"
                ? fmt::format(fmt::runtime(_("Firefox profile {0}")), db["profile"].get<std::string>())
            : db["browser"] == "chromium" ? std::string("Chromium")
                                          : std::string(_("NSS database"));
        out += fmt::format("{} ({})\n", who, db["dir"].get<std::string>());
        if (db.contains("error")) {
            out += "  " + db["error"].get<std::string>() + "\n";
            continue;
        }
        if (db["modules"].empty()) out += "  " + std::string(_("no PKCS#11 module registered")) + "\n";
        for (const auto& m : db["modules"])
            out += fmt::format("  {} ({}){}\n", m["name"].get<std::string>(),
                               m["library"].get<std::string>(),
                               m["by_certagent"].get<bool>() ? " — " + std::string(_("by certagent"))
                                                             : std::string());
        for (const auto& n : db["certagent_certificates"])
            out += fmt::format("  {}: {}\n", _("CA certificate"), n.get<std::string>());
    }
    for (const auto& t : status["tokens"])
        out += fmt::format(fmt::runtime(_("Token {0} ({1}): usable in {2} of {3} browser "
                                          "databases")),
                           t["label"].get<std::string>(), t["serial"].get<std::string>(),
                           t["registered_in"].size(), status["databases"].size()) +
               "\n";
    for (const auto& f : status["p11kit_module_files"])
        out += fmt::format("{}: {}\n", _("p11-kit registration"), f["file"].get<std::string>());
    return out;
}

fs::path p11KitProxyModule() {
#ifdef CERTAGENT_P11KIT_PROXY_MODULE
    return CERTAGENT_P11KIT_PROXY_MODULE;
#else
    return {};
#endif
}

Registration::Registration(state::StateStore& store, NssTools tools, fs::path home)
    : store_(store), tools_(std::move(tools)), home_(std::move(home)) {}

std::string Registration::moduleName(const fs::path& library) {
    return "certagent: " + library.filename().string();
}

std::vector<Registration::Record> Registration::records() {
    std::vector<Record> out;
    for (const auto& key : store_.keys(kNs)) {
        auto value = store_.get(kNs, key);
        if (!value) continue;
        auto j = json::parse(*value, nullptr, false);
        if (!j.is_object()) continue;
        out.push_back({j.value("kind", ""), j.value("target", ""), j.value("name", ""),
                       j.value("detail", ""), j.value("state", "")});
    }
    return out;
}

void Registration::save(const Record& r) { store_.put(kNs, r.key(), r.toJson().dump()); }
void Registration::drop(const Record& r) { store_.erase(kNs, r.key()); }

std::vector<NssDatabase> Registration::databasesOr(const std::vector<NssDatabase>& given) const {
    return given.empty() ? findNssDatabases(home_) : given;
}

std::vector<Change> Registration::registerTokens(token::TokenService& service,
                                                 const RegisterOptions& options) {
    // What to register: the modules of the connected tokens, and their certificates' chains.
    std::vector<token::TokenInfo> tokens;
    for (const auto& t : service.tokens())
        if (!options.tokenSerial || t.serial == *options.tokenSerial) tokens.push_back(t);
    if (tokens.empty())
        throw retryableError(
            ErrorKind::TokenRemoved,
            options.tokenSerial
                ? fmt::format(fmt::runtime(_("Token {0} is not connected; insert it and try "
                                             "again")),
                              *options.tokenSerial)
                : std::string(_("No token is connected; insert your token and try again")));
    auto databases = databasesOr(options.databases);
    if (databases.empty())
        throw Error(ErrorKind::InvalidInput,
                    _("No browser database found: start Chromium or Firefox once (they create "
                      "their certificate databases on first start), then try again"),
                    home_.string());

    std::vector<fs::path> libraries;
    for (const auto& t : tokens)
        if (std::find(libraries.begin(), libraries.end(), t.module) == libraries.end())
            libraries.push_back(t.module);

    std::vector<Change> changes;
    auto recorded = records();
    auto isOurs = [&](const std::string& kind, const std::string& target, const std::string& name) {
        return std::any_of(recorded.begin(), recorded.end(), [&](const Record& r) {
            return r.kind == kind && r.target == target && r.name == name;
        });
    };

    std::vector<fs::path> nssLibraries = libraries;
    if (options.viaP11Kit) {
        const auto proxy = p11KitProxyModule();
        if (proxy.empty() || !fs::exists(proxy))
            throw Error(ErrorKind::Io, _("p11-kit's proxy module is not installed (Debian: apt "
                                         "install p11-kit-modules)"),
                        proxy.string());
        // The vendor modules p11-kit does not know yet get a user registration file.
        const fs::path dir = home_ / ".config" / "pkcs11" / "modules";
        std::set<fs::path> known;
        for (const auto& m : token::readP11KitModules(token::defaultP11KitConfigDirs(),
                                                      token::defaultP11KitModuleDir(), "p11-kit-proxy"))
            known.insert(realOf(m.module));
        for (const auto& lib : libraries) {
            const fs::path file = dir / ("certagent-" + lib.stem().string() + ".module");
            Change c{"p11kit_module_file", file.string(), file.filename().string(), lib.string(), {}};
            if (known.count(realOf(lib))) {
                c.outcome = isOurs(c.kind, c.target, c.name) ? "already_ours" : "already_there";
            } else {
                Record r{c.kind, c.target, c.name, c.detail, "pending"};
                save(r);
                const std::string text = std::string(kFileMarker) + "; `certagent-cli browser "
                                         "unregister` removes it.\nmodule: " + lib.string() + "\n";
                fs::create_directories(dir);
                writeFileAtomically(file, std::span<const uint8_t>(
                                              reinterpret_cast<const uint8_t*>(text.data()), text.size()));
                r.state = "done";
                save(r);
                c.outcome = "added";
            }
            changes.push_back(std::move(c));
        }
        nssLibraries = {proxy};
    }

    // CA certificates the chains need that are neither on the token (the browser sees those
    // through the module) nor in the system's store: from options.caCertificates.
    struct CaCert {
        std::string nickname;
        std::string sha256;
        token::Bytes der;
    };
    std::vector<CaCert> cas;
    auto certificates = service.certificates(options.tokenSerial);
    for (const auto& c : certificates) {
        if (!c.info || c.privateKey == token::KeyPresence::Absent) continue;
        std::vector<token::Bytes> candidates;
        for (const auto& o : certificates)
            if (o.tokenSerial == c.tokenSerial && o.info && o.id != c.id) candidates.push_back(o.info->der);
        const auto tokenCount = candidates.size();
        candidates.insert(candidates.end(), options.caCertificates.begin(), options.caCertificates.end());
        auto details = token::certificateDetails(c.info->der, candidates, true);
        for (std::size_t i = 1; i < details.chain.size(); ++i) {
            const auto& link = details.chain[i];
            if (link.source != "token") continue;  // system store: browsers have their own
            bool onToken = false;
            for (std::size_t k = 0; k < tokenCount; ++k) onToken |= candidates[k] == link.der;
            if (onToken) continue;
            if (std::any_of(cas.begin(), cas.end(), [&](const CaCert& x) { return x.sha256 == link.sha256; }))
                continue;
            auto cn = token::parseCertificate(link.der).commonName;
            // No ':' in a nickname: NSS would read what precedes it as a token name.
            std::string tag = link.sha256.substr(0, 11);
            tag.erase(std::remove(tag.begin(), tag.end(), ':'), tag.end());
            std::string name = cn.empty() ? link.subject : cn;
            std::replace(name.begin(), name.end(), ':', ' ');
            cas.push_back({"certagent CA " + name + " (" + tag + ")", link.sha256, link.der});
        }
    }

    for (const auto& db : databases) {
        const auto present = tools_.modules(db);
        for (const auto& lib : nssLibraries) {
            Change c{"module", db.dir.string(), moduleName(lib), lib.string(), {}};
            auto same = std::find_if(present.begin(), present.end(), [&](const NssModule& m) {
                return !m.library.empty() && realOf(m.library) == realOf(lib);
            });
            if (same != present.end()) {
                c.name = same->name;
                c.outcome = isOurs(c.kind, c.target, c.name) ? "already_ours" : "already_there";
            } else {
                Record r{c.kind, c.target, c.name, c.detail, "pending"};
                save(r);
                tools_.addModule(db, c.name, lib);
                r.state = "done";
                save(r);
                c.outcome = "added";
                log::info("browser", "registered {} in {}", lib.string(), db.dir.string());
            }
            changes.push_back(std::move(c));
        }
        if (cas.empty()) continue;
        const auto nicks = tools_.certificates(db);
        for (const auto& ca : cas) {
            Change c{"ca_certificate", db.dir.string(), ca.nickname, ca.sha256, {}};
            if (std::find(nicks.begin(), nicks.end(), ca.nickname) != nicks.end()) {
                c.outcome = isOurs(c.kind, c.target, c.name) ? "already_ours" : "already_there";
            } else {
                Record r{c.kind, c.target, c.name, c.detail, "pending"};
                save(r);
                const fs::path tmp = db.dir / ".certagent-ca.der";
                writeFileAtomically(tmp, ca.der);
                try {
                    tools_.addCaCertificate(db, ca.nickname, tmp);
                } catch (...) {
                    fs::remove(tmp);
                    throw;
                }
                fs::remove(tmp);
                r.state = "done";
                save(r);
                c.outcome = "added";
            }
            changes.push_back(std::move(c));
        }
    }
    return changes;
}

std::vector<Change> Registration::unregister() {
    std::vector<Change> changes;
    auto all = records();
    // Certificates and modules first, the p11-kit files last (the proxy reads them).
    std::stable_partition(all.begin(), all.end(),
                          [](const Record& r) { return r.kind != "p11kit_module_file"; });
    for (const auto& r : all) {
        Change c{r.kind, r.target, r.name, r.detail, "gone"};
        if (r.kind == "p11kit_module_file") {
            std::ifstream in(r.target);
            std::string first;
            std::getline(in, first);
            if (in && first.rfind(kFileMarker, 0) == 0) {
                in.close();
                fs::remove(r.target);
                c.outcome = "removed";
            }
        } else {
            NssDatabase db{r.target, "", ""};
            std::error_code ec;
            if (fs::is_regular_file(db.dir / "cert9.db", ec)) {
                if (r.kind == "module") {
                    auto present = tools_.modules(db);
                    if (std::any_of(present.begin(), present.end(),
                                    [&](const NssModule& m) { return m.name == r.name; })) {
                        tools_.deleteModule(db, r.name);
                        c.outcome = "removed";
                    }
                } else if (r.kind == "ca_certificate") {
                    auto nicks = tools_.certificates(db);
                    if (std::find(nicks.begin(), nicks.end(), r.name) != nicks.end()) {
                        tools_.deleteCertificate(db, r.name);
                        c.outcome = "removed";
                    }
                }
            }
        }
        drop(r);
        changes.push_back(std::move(c));
    }
    return changes;
}

json Registration::status(token::TokenService* service, const std::vector<NssDatabase>& given) {
    const auto recorded = records();
    auto ours = [&](const std::string& kind, const std::string& target, const std::string& name) {
        return std::any_of(recorded.begin(), recorded.end(), [&](const Record& r) {
            return r.kind == kind && r.target == target && r.name == name;
        });
    };
    json dbs = json::array();
    std::vector<std::pair<std::string, std::vector<NssModule>>> modulesByDb;
    for (const auto& db : databasesOr(given)) {
        json entry = {{"dir", db.dir.string()}, {"browser", db.browser}, {"profile", db.profile}};
        try {
            auto mods = tools_.modules(db);
            json list = json::array();
            for (const auto& m : mods) {
                if (m.library.empty()) continue;  // NSS's internal module
                list.push_back({{"name", m.name}, {"library", m.library},
                                {"by_certagent", ours("module", db.dir.string(), m.name)}});
            }
            entry["modules"] = list;
            json nicks = json::array();
            for (const auto& n : tools_.certificates(db))
                if (ours("ca_certificate", db.dir.string(), n)) nicks.push_back(n);
            entry["certagent_certificates"] = nicks;
            modulesByDb.emplace_back(db.dir.string(), std::move(mods));
        } catch (const Error& e) {
            entry["error"] = describe(e);
        }
        dbs.push_back(std::move(entry));
    }
    json tokens = json::array();
    if (service) {
        const auto proxy = p11KitProxyModule();
        for (const auto& t : service->tokens()) {
            json in = json::array();
            for (const auto& [dir, mods] : modulesByDb)
                for (const auto& m : mods)
                    if (!m.library.empty() && (realOf(m.library) == realOf(t.module) ||
                                               (!proxy.empty() && realOf(m.library) == realOf(proxy))))
                        in.push_back(dir);
            tokens.push_back({{"serial", t.serial}, {"label", t.label},
                              {"module", t.module.string()}, {"registered_in", in}});
        }
    }
    json files = json::array();
    json all = json::array();
    for (const auto& r : recorded) {
        if (r.kind == "p11kit_module_file") files.push_back({{"file", r.target}, {"module", r.detail}});
        all.push_back({{"kind", r.kind}, {"target", r.target}, {"name", r.name},
                       {"detail", r.detail}, {"state", r.state}});
    }
    return {{"databases", dbs}, {"tokens", tokens}, {"p11kit_module_files", files},
            {"recorded", all}};
}

}  // namespace certagent::browser
