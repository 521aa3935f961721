#include "certagent/core/browser/nss.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/platform/captured_run.hpp"
#include "certagent/core/platform/session_environment.hpp"

namespace certagent::browser {

namespace fs = std::filesystem;

namespace {

std::string trim(std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    std::size_t i = 0;
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    return s.substr(i);
}

bool hasCertDb(const fs::path& dir) {
    std::error_code ec;
    return fs::is_regular_file(dir / "cert9.db", ec);
}

}  // namespace

std::vector<NssDatabase> firefoxProfiles(const fs::path& profilesIni) {
    std::vector<NssDatabase> out;
    std::ifstream in(profilesIni);
    if (!in) return out;
    struct Section {
        std::string name, path;
        bool relative = true;
        bool profile = false;
    };
    std::vector<Section> sections;
    std::string line;
    while (std::getline(in, line)) {
        line = trim(line);
        if (line.empty() || line[0] == ';' || line[0] == '#') continue;
        if (line.front() == '[') {
            sections.push_back({});
            sections.back().profile = line.rfind("[Profile", 0) == 0;
            continue;
        }
        if (sections.empty()) continue;
        auto eq = line.find('=');
        if (eq == std::string::npos) continue;
        const auto key = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
        auto& s = sections.back();
        if (key == "Name") s.name = value;
        if (key == "Path") s.path = value;
        if (key == "IsRelative") s.relative = value != "0";
    }
    for (const auto& s : sections) {
        if (!s.profile || s.path.empty()) continue;
        fs::path dir = s.relative ? profilesIni.parent_path() / s.path : fs::path(s.path);
        if (!hasCertDb(dir)) continue;
        out.push_back({dir.lexically_normal(), "firefox", s.name});
    }
    return out;
}

std::vector<NssDatabase> findNssDatabases(const fs::path& home) {
    std::vector<NssDatabase> out;
    if (const auto pki = home / ".pki" / "nssdb"; hasCertDb(pki))
        out.push_back({pki, "chromium", ""});
    for (const auto& ini : {home / ".mozilla/firefox/profiles.ini",
                            home / "snap/firefox/common/.mozilla/firefox/profiles.ini",
                            home / ".var/app/org.mozilla.firefox/.mozilla/firefox/profiles.ini"})
        for (auto& db : firefoxProfiles(ini)) out.push_back(std::move(db));
    return out;
}

NssTools::NssTools(std::vector<std::string> env) : env_(std::move(env)) {}

std::vector<std::string> NssTools::defaultEnvironment() {
    // The session's variables, and those PKCS#11 modules read their configuration from: modutil
    // loads the module it adds, as the browser will.
    std::vector<std::string> extra;
    for (const auto& v : platform::currentEnvironment())
        for (std::string_view prefix : {"SOFTHSM2_", "OPENSC_", "P11_KIT_", "NSS_"})
            if (std::string_view(v).substr(0, prefix.size()) == prefix) extra.push_back(v);
    return platform::sessionEnvironment(extra);
}

ToolResult NssTools::run(std::vector<std::string> argv) const {
    const auto run = platform::runCaptured(argv, env_, std::chrono::seconds(60));
    ToolResult r{run.exitCode, run.out, run.err};
    if (r.exitCode == -1)
        throw Error(ErrorKind::Io,
                    fmt::format(fmt::runtime(_("Cannot run {0} ({1}); install NSS's tools "
                                               "(Debian: apt install libnss3-tools)")),
                                argv[0], r.err),
                    argv[0]);
    log::debug("browser", "{} exited {}", argv[0], r.exitCode);
    return r;
}

namespace {

[[noreturn]] void toolFailed(const NssDatabase& db, const std::string& what, const ToolResult& r) {
    std::string detail = trim(r.err.empty() ? r.out : r.err);
    throw Error(ErrorKind::Io,
                fmt::format(fmt::runtime(_("{0} failed (exit {1}): {2}. If the browser is open, "
                                           "close it and try again.")),
                            what, r.exitCode, detail),
                db.dir.string());
}

}  // namespace

std::vector<NssModule> NssTools::modules(const NssDatabase& db) const {
    auto r = run({"modutil", "-dbdir", db.dbArg(), "-list"});
    if (r.exitCode != 0) toolFailed(db, "modutil -list", r);
    std::vector<NssModule> out;
    static const std::regex kModule(R"(^\s*\d+\.\s+(.+)$)");
    static const std::regex kLibrary(R"(^\s*library name:\s*(.+)$)");
    std::istringstream in(r.out);
    std::string line;
    std::smatch m;
    while (std::getline(in, line)) {
        if (std::regex_match(line, m, kModule))
            out.push_back({trim(m[1]), {}});
        else if (!out.empty() && std::regex_match(line, m, kLibrary))
            out.back().library = trim(m[1]);
    }
    return out;
}

void NssTools::addModule(const NssDatabase& db, const std::string& name,
                         const fs::path& library) const {
    auto r = run(
        {"modutil", "-dbdir", db.dbArg(), "-add", name, "-libfile", library.string(), "-force"});
    if (r.exitCode != 0) toolFailed(db, "modutil -add", r);
}

void NssTools::deleteModule(const NssDatabase& db, const std::string& name) const {
    auto r = run({"modutil", "-dbdir", db.dbArg(), "-delete", name, "-force"});
    if (r.exitCode != 0) toolFailed(db, "modutil -delete", r);
}

namespace {

std::vector<std::string> nicknames(const std::string& listing) {
    // "Nickname<spaces>C,," after two header lines and a blank one.
    static const std::regex kRow(R"(^(.*\S)\s+([A-Za-z]*,[A-Za-z]*,[A-Za-z]*)\s*$)");
    std::vector<std::string> out;
    std::istringstream in(listing);
    std::string line;
    std::smatch m;
    while (std::getline(in, line)) {
        if (line.rfind("Certificate Nickname", 0) == 0) continue;
        if (!std::regex_match(line, m, kRow)) continue;
        std::string nick = m[1];
        // The database's own certificates may be listed with its token name in front.
        constexpr std::string_view kInternal = "NSS Certificate DB:";
        if (nick.rfind(kInternal, 0) == 0) nick.erase(0, kInternal.size());
        out.push_back(std::move(nick));
    }
    return out;
}

}  // namespace

std::vector<std::string> NssTools::certificates(const NssDatabase& db) const {
    auto r = run({"certutil", "-L", "-d", db.dbArg()});
    if (r.exitCode != 0) toolFailed(db, "certutil -L", r);
    return nicknames(r.out);
}

std::vector<std::string> NssTools::allCertificates(const NssDatabase& db) const {
    auto r = run({"certutil", "-L", "-d", db.dbArg(), "-h", "all"});
    if (r.exitCode != 0) toolFailed(db, "certutil -L -h all", r);
    return nicknames(r.out);
}

void NssTools::addCaCertificate(const NssDatabase& db, const std::string& nickname,
                                const fs::path& derFile) const {
    auto r = run(
        {"certutil", "-A", "-d", db.dbArg(), "-n", nickname, "-t", ",,", "-i", derFile.string()});
    if (r.exitCode != 0) toolFailed(db, "certutil -A", r);
}

void NssTools::deleteCertificate(const NssDatabase& db, const std::string& nickname) const {
    auto r = run({"certutil", "-D", "-d", db.dbArg(), "-n", nickname});
    if (r.exitCode != 0) toolFailed(db, "certutil -D", r);
}

}  // namespace certagent::browser
