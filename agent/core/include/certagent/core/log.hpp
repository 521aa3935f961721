#pragma once
// Logging to stderr and to a rotating file in the state dir. Secrets never reach a sink:
// wrap them in Secret (prints as "***"), and every line passes through the registered
// redactions before it is written.
#include <filesystem>
#include <fmt/format.h>
#include <string>
#include <string_view>

namespace certagent::log {

enum class Level { Trace = 0, Debug, Info, Warn, Error, Off };

Level parseLevel(std::string_view name);  // throws certagent::Error on unknown names
const char* levelName(Level level);

void setLevel(Level level);
Level level();
// Also write to <dir>/certagent.log, rotated at max_bytes, keeping `keep` old files.
void openFile(const std::filesystem::path& dir, std::size_t max_bytes = 1 << 20, int keep = 3);
void closeFile();
void setStderr(bool enabled);
std::filesystem::path filePath();

// A value that must never be logged literally (for strings built before we know).
void addRedaction(std::string_view secret);
void removeRedaction(std::string_view secret);
std::string redact(std::string_view text);

void write(Level level, std::string_view component, std::string_view message);

// Under systemd, stderr may be a stream to the journal, named in $JOURNAL_STREAM as
// "<st_dev>:<st_ino>" of that stream. When the descriptor is that stream, every stderr line
// starts with its syslog priority ("<3>" error, "<4>" warn, "<6>" info, "<7>" debug and trace),
// which journald strips and records as the entry's PRIORITY.
bool isJournalStream(const char* journal_stream, int fd);
int syslogPriority(Level level);

// Text that came from outside (an HTTP request's Origin, path or header, a file's content)
// made safe for one log line: control characters, backslashes and invalid UTF-8 as \xNN / \r
// / \n / \\, and at most max_bytes of it ("... (N more bytes)" after that).
std::string escape(std::string_view text, std::size_t max_bytes = 200);

// For code loaded in a module with its own copy of this log (the documents module): every
// line, redacted of the secrets this copy knows, goes to `sink` (the host's write(), which
// filters, redacts the host's secrets and writes), whatever this copy's level; nullptr writes
// here again.
using Sink = void (*)(Level level, std::string_view component, std::string_view message);
void forwardTo(Sink sink);

template <typename... Args>
void at(Level lvl, std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
    if (lvl < level()) return;
    write(lvl, component, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void debug(std::string_view c, fmt::format_string<Args...> f, Args&&... a) {
    at(Level::Debug, c, f, std::forward<Args>(a)...);
}
template <typename... Args>
void info(std::string_view c, fmt::format_string<Args...> f, Args&&... a) {
    at(Level::Info, c, f, std::forward<Args>(a)...);
}
template <typename... Args>
void warn(std::string_view c, fmt::format_string<Args...> f, Args&&... a) {
    at(Level::Warn, c, f, std::forward<Args>(a)...);
}
template <typename... Args>
void error(std::string_view c, fmt::format_string<Args...> f, Args&&... a) {
    at(Level::Error, c, f, std::forward<Args>(a)...);
}

}  // namespace certagent::log
