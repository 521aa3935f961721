#include "certagent/core/platform/system.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <system_error>

#ifdef _WIN32
#include <io.h>
#include <windows.h>
// shlobj.h needs windows.h first.
#include <shlobj.h>
#else
#include <pwd.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>
#endif

namespace certagent::platform {

namespace fs = std::filesystem;

#ifdef _WIN32

std::tm utcTime(std::time_t t) {
    std::tm tm{};
    gmtime_s(&tm, &t);
    return tm;
}

std::tm localTime(std::time_t t) {
    std::tm tm{};
    localtime_s(&tm, &t);
    return tm;
}

int currentProcessId() { return static_cast<int>(GetCurrentProcessId()); }

// The C runtime's copy (what getenv and libintl read) and, through it, the process's own.
bool setEnvironment(const std::string& name, const std::string& value) {
    return _putenv_s(name.c_str(), value.c_str()) == 0;
}

fs::path userRuntimeDir(const std::string& name) {
    // %LOCALAPPDATA% is the user's own: other users cannot open it.
    PWSTR base = nullptr;
    fs::path dir;
    if (SHGetKnownFolderPath(FOLDERID_LocalAppData, 0, nullptr, &base) == S_OK)
        dir = fs::path(base) / name;
    CoTaskMemFree(base);
    if (dir.empty()) throw std::runtime_error("no local application data folder");
    fs::create_directories(dir);
    return dir;
}

fs::path accountHomeDir() {
    PWSTR dir = nullptr;
    fs::path out;
    if (SHGetKnownFolderPath(FOLDERID_Profile, 0, nullptr, &dir) == S_OK) out = dir;
    CoTaskMemFree(dir);
    return out;
}

fs::path makePrivateTempDir(const std::string& prefix) {
    // A folder under the user's own temporary folder (%LOCALAPPDATA%\Temp), which other users
    // cannot open; CreateDirectoryW fails rather than reuse one that exists.
    std::random_device random;
    for (int attempt = 0; attempt < 100; ++attempt) {
        auto dir = fs::temp_directory_path() / (prefix + std::to_string(random()));
        if (CreateDirectoryW(dir.wstring().c_str(), nullptr)) return dir;
        if (GetLastError() != ERROR_ALREADY_EXISTS) break;
    }
    throw std::system_error(static_cast<int>(GetLastError()), std::system_category(),
                            "CreateDirectoryW");
}

AccessProblem writeAccess(const fs::path& path, bool) {
    if (_waccess(path.wstring().c_str(), 6) == 0) return AccessProblem::None;
    return errno == EACCES ? AccessProblem::Denied : AccessProblem::Other;
}

bool descriptorIsFile(int, unsigned long long, unsigned long long) { return false; }

ForeignAccess foreignWriteAccess(const fs::path&) { return ForeignAccess::None; }

bool inputIsTerminal() {
    DWORD mode = 0;
    return GetConsoleMode(GetStdHandle(STD_INPUT_HANDLE), &mode) != 0;
}

void setInputEcho(bool on) {
    HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
    DWORD mode = 0;
    if (!GetConsoleMode(in, &mode)) return;
    SetConsoleMode(in, on ? (mode | ENABLE_ECHO_INPUT) : (mode & ~DWORD{ENABLE_ECHO_INPUT}));
}

#else

std::tm utcTime(std::time_t t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    return tm;
}

std::tm localTime(std::time_t t) {
    std::tm tm{};
    localtime_r(&t, &tm);
    return tm;
}

int currentProcessId() { return static_cast<int>(::getpid()); }

bool setEnvironment(const std::string& name, const std::string& value) {
    return ::setenv(name.c_str(), value.c_str(), 1) == 0;
}

fs::path userRuntimeDir(const std::string& name) {
    const char* env = std::getenv("XDG_RUNTIME_DIR");
    fs::path dir = env && *env ? fs::path(env) / name
                               : fs::path("/tmp") / (name + "-" + std::to_string(::getuid()));
    ::mkdir(dir.c_str(), 0700);
    struct stat st {};
    // A folder someone else made (or a symlink) in a shared /tmp could let them steal a lock.
    if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::getuid())
        throw std::runtime_error("unsafe runtime dir: " + dir.string());
    return dir;
}

fs::path accountHomeDir() {
    if (auto* pw = getpwuid(getuid()); pw && pw->pw_dir) return pw->pw_dir;
    return {};
}

fs::path makePrivateTempDir(const std::string& prefix) {
    std::string tmpl = (fs::temp_directory_path() / (prefix + "XXXXXX")).string();
    if (!mkdtemp(tmpl.data()))  // mode 0700
        throw std::system_error(errno, std::generic_category(), "mkdtemp");
    return tmpl;
}

AccessProblem writeAccess(const fs::path& path, bool isFolder) {
    if (::access(path.c_str(), isFolder ? (W_OK | X_OK) : (R_OK | W_OK)) == 0)
        return AccessProblem::None;
    if (errno == EROFS) return AccessProblem::ReadOnlyFileSystem;
    if (errno == EACCES || errno == EPERM) return AccessProblem::Denied;
    return AccessProblem::Other;
}

ForeignAccess foreignWriteAccess(const fs::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return ForeignAccess::None;
    if (st.st_mode & S_IWOTH) return ForeignAccess::WritableByEveryone;
    if ((st.st_mode & S_IWGRP) && st.st_gid != getgid() && st.st_gid != 0)
        return ForeignAccess::WritableByOtherGroup;
    if (st.st_uid != 0 && st.st_uid != geteuid()) return ForeignAccess::OtherOwner;
    return ForeignAccess::None;
}

bool descriptorIsFile(int fd, unsigned long long device, unsigned long long inode) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return false;
    return static_cast<unsigned long long>(st.st_dev) == device &&
           static_cast<unsigned long long>(st.st_ino) == inode;
}

bool inputIsTerminal() { return isatty(STDIN_FILENO) != 0; }

void setInputEcho(bool on) {
    termios t{};
    if (tcgetattr(STDIN_FILENO, &t) != 0) return;
    if (on)
        t.c_lflag |= ECHO;
    else
        t.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &t);
}

#endif

}  // namespace certagent::platform
