#include "certagent/core/log.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <mutex>
#include <vector>

#include "certagent/core/error.hpp"
#include "certagent/core/platform/system.hpp"
#include "certagent/core/secret.hpp"

namespace certagent::log {
namespace fs = std::filesystem;
namespace {

struct State {
    std::mutex mutex;
    std::atomic<Level> level{Level::Info};
    bool to_stderr = true;
    int journal = -1;  // stderr is the journal's stream: -1 not checked yet, 0 no, 1 yes
    fs::path dir;
    std::ofstream file;
    std::size_t max_bytes = 1 << 20;
    int keep = 3;
    std::vector<std::string> redactions;
    std::atomic<Sink> forward{nullptr};
};

State& state() {
    static State s;
    return s;
}

fs::path logFile(const fs::path& dir, int n) {
    return n == 0 ? dir / "certagent.log" : dir / ("certagent.log." + std::to_string(n));
}

void rotateLocked(State& s) {
    s.file.close();
    std::error_code ec;
    fs::remove(logFile(s.dir, s.keep), ec);
    for (int i = s.keep - 1; i >= 0; --i) fs::rename(logFile(s.dir, i), logFile(s.dir, i + 1), ec);
    s.file.open(logFile(s.dir, 0), std::ios::app);
}

std::string redactLocked(const State& s, std::string_view text) {
    std::string out(text);
    for (const auto& secret : s.redactions) {
        if (secret.empty()) continue;
        for (auto pos = out.find(secret); pos != std::string::npos; pos = out.find(secret, pos))
            out.replace(pos, secret.size(), "***");
    }
    return out;
}

std::string timestamp() {
    auto now = std::chrono::system_clock::now();
    auto t = std::chrono::system_clock::to_time_t(now);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
    const std::tm tm = platform::utcTime(t);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    return fmt::format("{}.{:03}Z", buf, ms.count());
}

}  // namespace

Level parseLevel(std::string_view name) {
    if (name == "trace") return Level::Trace;
    if (name == "debug") return Level::Debug;
    if (name == "info") return Level::Info;
    if (name == "warn" || name == "warning") return Level::Warn;
    if (name == "error") return Level::Error;
    if (name == "off") return Level::Off;
    throw Error(ErrorKind::Usage, fmt::format("unknown log level '{}' (trace, debug, info, warn, "
                                              "error, off)",
                                              name));
}

const char* levelName(Level level) {
    switch (level) {
        case Level::Trace:
            return "trace";
        case Level::Debug:
            return "debug";
        case Level::Info:
            return "info";
        case Level::Warn:
            return "warn";
        case Level::Error:
            return "error";
        case Level::Off:
            return "off";
    }
    return "info";
}

void setLevel(Level l) { state().level = l; }
Level level() { return state().level; }

void setStderr(bool enabled) {
    std::lock_guard lock(state().mutex);
    state().to_stderr = enabled;
}

void openFile(const fs::path& dir, std::size_t max_bytes, int keep) {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    fs::create_directories(dir);
    s.dir = dir;
    s.max_bytes = max_bytes;
    s.keep = keep;
    s.file.close();
    s.file.open(logFile(dir, 0), std::ios::app);
}

void closeFile() {
    std::lock_guard lock(state().mutex);
    state().file.close();
    state().dir.clear();
}

fs::path filePath() {
    std::lock_guard lock(state().mutex);
    return state().dir.empty() ? fs::path() : logFile(state().dir, 0);
}

void addRedaction(std::string_view secret) {
    if (secret.empty()) return;
    std::lock_guard lock(state().mutex);
    state().redactions.emplace_back(secret);
}

void removeRedaction(std::string_view secret) {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    for (auto it = s.redactions.begin(); it != s.redactions.end(); ++it) {
        if (*it == secret) {
            secureWipe(it->data(), it->size());
            s.redactions.erase(it);
            return;
        }
    }
}

std::string redact(std::string_view text) {
    std::lock_guard lock(state().mutex);
    return redactLocked(state(), text);
}

void forwardTo(Sink sink) {
    state().forward = sink;
    if (sink) state().level = Level::Trace;  // the host decides what is written
}

void write(Level lvl, std::string_view component, std::string_view message) {
    auto& s = state();
    if (auto sink = s.forward.load()) {
        // Secrets this copy knows (a SecretString made in the module) are redacted here; the
        // host's write() redacts the host's.
        std::string clean;
        {
            std::lock_guard lock(s.mutex);
            clean = redactLocked(s, message);
        }
        return sink(lvl, component, clean);
    }
    if (lvl < s.level.load() || lvl == Level::Off) return;
    std::lock_guard lock(s.mutex);
    std::string clean = redactLocked(s, message);
    if (s.to_stderr) {
        if (s.journal < 0) s.journal = isJournalStream(std::getenv("JOURNAL_STREAM"), 2) ? 1 : 0;
        if (s.journal)
            std::fprintf(stderr, "<%d>certagent: %s: %s\n", syslogPriority(lvl), levelName(lvl),
                         clean.c_str());
        else
            std::fprintf(stderr, "certagent: %s: %s\n", levelName(lvl), clean.c_str());
    }
    if (s.file.is_open()) {
        s.file << timestamp() << ' ' << levelName(lvl) << " [" << component << "] " << clean
               << '\n';
        s.file.flush();
        if (static_cast<std::size_t>(s.file.tellp()) >= s.max_bytes) rotateLocked(s);
    }
}

bool isJournalStream(const char* journal_stream, int fd) {
    if (!journal_stream || !*journal_stream) return false;
    unsigned long long dev = 0, ino = 0;
    char rest = 0;
    if (std::sscanf(journal_stream, "%llu:%llu%c", &dev, &ino, &rest) != 2) return false;
    return platform::descriptorIsFile(fd, dev, ino);
}

int syslogPriority(Level level) {
    switch (level) {
        case Level::Error:
            return 3;
        case Level::Warn:
            return 4;
        case Level::Info:
            return 6;
        default:
            return 7;
    }
}

std::string escape(std::string_view text, std::size_t max_bytes) {
    std::string out;
    const std::size_t n = std::min(text.size(), max_bytes);
    out.reserve(n + 16);
    auto hex = [&](unsigned char c) {
        static constexpr char kDigits[] = "0123456789abcdef";
        out += "\\x";
        out.push_back(kDigits[c >> 4]);
        out.push_back(kDigits[c & 0xf]);
    };
    std::size_t i = 0;
    while (i < n) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c < 0x20 || c == 0x7f) {
            hex(c);
        } else if (c >= 0x80) {
            // A whole, valid UTF-8 sequence stays as it is (names with diacritics).
            const std::size_t len = c >= 0xf0 && c < 0xf5   ? 4
                                    : c >= 0xe0             ? 3
                                    : c >= 0xc2 && c < 0xe0 ? 2
                                                            : 0;
            bool ok = len > 0 && i + len <= n;
            for (std::size_t k = 1; ok && k < len; ++k)
                ok = (static_cast<unsigned char>(text[i + k]) & 0xc0) == 0x80;
            if (ok && len == 3) {
                const auto c1 = static_cast<unsigned char>(text[i + 1]);
                ok =
                    !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0);  // overlong, surrogate
            } else if (ok && len == 4) {
                const auto c1 = static_cast<unsigned char>(text[i + 1]);
                ok = !(c == 0xf0 && c1 < 0x90) && !(c == 0xf4 && c1 >= 0x90);
            }
            if (ok) {
                out.append(text.substr(i, len));
                i += len;
                continue;
            }
            hex(c);
        } else {
            out.push_back(static_cast<char>(c));
        }
        ++i;
    }
    if (text.size() > n) out += fmt::format(" ... ({} more bytes)", text.size() - n);
    return out;
}

}  // namespace certagent::log
