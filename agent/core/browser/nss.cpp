#include "certagent/core/browser/nss.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/platform/session_environment.hpp"

extern char** environ;

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

// Runs argv with env, no shell, stdin from /dev/null, both outputs captured; killed after
// `timeout`. Returns exit code -1 when it could not start (errno in `err`).
ToolResult runProgram(const std::vector<std::string>& argv, std::vector<std::string> env,
                      std::chrono::seconds timeout) {
    ToolResult result;
    int outPipe[2], errPipe[2];
    if (pipe2(outPipe, O_CLOEXEC) != 0) return result;
    if (pipe2(errPipe, O_CLOEXEC) != 0) {
        close(outPipe[0]);
        close(outPipe[1]);
        return result;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1);
    posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2);
    std::vector<std::string> args = argv;
    std::vector<char*> cargv;
    for (auto& a : args) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    auto envp = platform::nullTerminated(env);
    pid_t pid = 0;
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    platform::defaultSignals(attr);
    const int rc = posix_spawnp(&pid, cargv[0], &actions, &attr, cargv.data(), envp.data());
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    close(outPipe[1]);
    close(errPipe[1]);
    if (rc != 0) {
        close(outPipe[0]);
        close(errPipe[0]);
        result.err = std::strerror(rc);
        return result;
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    pollfd fds[2] = {{outPipe[0], POLLIN, 0}, {errPipe[0], POLLIN, 0}};
    int open = 2;
    while (open > 0) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            kill(pid, SIGKILL);
            break;
        }
        if (poll(fds, 2, static_cast<int>(left.count())) < 0) break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char buf[4096];
            const ssize_t n = read(fds[i].fd, buf, sizeof buf);
            if (n <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open;
            } else {
                (i == 0 ? result.out : result.err).append(buf, static_cast<std::size_t>(n));
            }
        }
    }
    for (auto& p : fds)
        if (p.fd >= 0) close(p.fd);
    int status = 0;
    waitpid(pid, &status, 0);
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
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
    if (const auto pki = home / ".pki" / "nssdb"; hasCertDb(pki)) out.push_back({pki, "chromium", ""});
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
    for (char** e = environ; e && *e; ++e) {
        std::string_view v(*e);
        for (std::string_view prefix : {"SOFTHSM2_", "OPENSC_", "P11_KIT_", "NSS_"})
            if (v.substr(0, prefix.size()) == prefix) extra.emplace_back(v);
    }
    return platform::sessionEnvironment(extra);
}

ToolResult NssTools::run(std::vector<std::string> argv) const {
    auto r = runProgram(argv, env_, std::chrono::seconds(60));
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
    auto r = run({"modutil", "-dbdir", db.dbArg(), "-add", name, "-libfile", library.string(),
                  "-force"});
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
    auto r = run({"certutil", "-A", "-d", db.dbArg(), "-n", nickname, "-t", ",,", "-i",
                  derFile.string()});
    if (r.exitCode != 0) toolFailed(db, "certutil -A", r);
}

void NssTools::deleteCertificate(const NssDatabase& db, const std::string& nickname) const {
    auto r = run({"certutil", "-D", "-d", db.dbArg(), "-n", nickname});
    if (r.exitCode != 0) toolFailed(db, "certutil -D", r);
}

}  // namespace certagent::browser
