#pragma once
// Small system facts and file operations core needs, behind one interface per OS.
#include <ctime>
#include <filesystem>
#include <string>

namespace certagent::platform {

// The calendar time in UTC (gmtime_r / gmtime_s).
std::tm utcTime(std::time_t t);
// The calendar time in the local time zone (localtime_r / localtime_s).
std::tm localTime(std::time_t t);

// A program's file name on this system: "certagent" -> "certagent.exe" on Windows.
inline std::string executableFileName(const std::string& program) {
#ifdef _WIN32
    return program + ".exe";
#else
    return program;
#endif
}

// This process's id (getpid / GetCurrentProcessId).
int currentProcessId();

// Sets a variable of this process's environment (setenv / _putenv_s); false when it cannot.
bool setEnvironment(const std::string& name, const std::string& value);

// A folder for this user's running programs only (locks, sockets): POSIX $XDG_RUNTIME_DIR/<name>,
// else /tmp/<name>-<uid>, created 0700 and refused (std::runtime_error) when it is a symlink or
// another user owns it; Windows %LOCALAPPDATA%\<name>, which only the user may open.
std::filesystem::path userRuntimeDir(const std::string& name);

// The user's home folder from the account database (getpwuid / the profile folder); empty when
// there is none. paths::homeDir() prefers $HOME.
std::filesystem::path accountHomeDir();

// A new folder only this user can open (mode 0700 on POSIX), named `prefix` plus a random part,
// in the system's temporary folder. Throws std::system_error.
std::filesystem::path makePrivateTempDir(const std::string& prefix);

enum class AccessProblem { None, ReadOnlyFileSystem, Denied, Other };
// Whether this process may write in `path`: a folder it may create files in, or a file it may
// read and write.
AccessProblem writeAccess(const std::filesystem::path& path, bool isFolder);

// Who else could change `path` (a plugin about to be loaded): writable by every user, by a group
// other than ours or root's, or owned by someone other than us or root. None also when it cannot
// be read. Windows: always None (its ACLs are not checked yet).
enum class ForeignAccess { None, WritableByEveryone, WritableByOtherGroup, OtherOwner };
ForeignAccess foreignWriteAccess(const std::filesystem::path& path);

// File descriptor `fd` is the file with this device and inode number (fstat; the journal's
// $JOURNAL_STREAM). Always false on Windows, which has no journal.
bool descriptorIsFile(int fd, unsigned long long device, unsigned long long inode);

// Standard input is a terminal (a console on Windows).
bool inputIsTerminal();
// Turns the terminal's echo of standard input off or back on (PIN entry).
void setInputEcho(bool on);

}  // namespace certagent::platform
