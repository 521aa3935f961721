#include <gtest/gtest.h>
#include <sys/stat.h>

#include <sstream>

#include "background_process.hpp"
#include "notify_socket.hpp"
#include "temp_dir.hpp"

namespace certagent::testing {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

TEST(DaemonUnderSystemd, SaysReadyWhenStartedStoppingOnSigtermAndLogsWithPriorities) {
    TempDir dir("daemon-systemd");
    NotifySocket notify(dir / "notify");
    writeFile(dir / "agent.toml", "[pkcs11]\nuse_p11_kit = false\n[server]\nenabled = false\n");
    // systemd hands the unit a stderr stream to the journal and names it in JOURNAL_STREAM.
    auto log = dir / "journal.log";
    writeFile(log, "");
    struct stat st {};
    ASSERT_EQ(::stat(log.c_str(), &st), 0);
    BackgroundProcess daemon(
        {CERTAGENT_CLI, "-v", "--config", (dir / "agent.toml").string(), "--state-dir",
         (dir / "state").string(), "daemon"},
        {notify.env(), "JOURNAL_STREAM=" + std::to_string(st.st_dev) + ":" +
                           std::to_string(st.st_ino),
         "HOME=" + dir.path().string(), "XDG_RUNTIME_DIR=" + dir.path().string(),
         "CERTAGENT_POLICY_FILE=" + (dir / "no-policy.toml").string(),
         "DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent"},
        log);
    auto ready = notify.receive(30);
    ASSERT_TRUE(ready) << readFile(log);
    EXPECT_EQ(ready->rfind("READY=1\n", 0), 0u) << *ready;
    EXPECT_NE(ready->find("STATUS="), std::string::npos);

    ::kill(daemon.pid(), SIGTERM);
    EXPECT_EQ(notify.receive(10), "STOPPING=1");
    EXPECT_EQ(daemon.wait(20s), 0) << readFile(log);

    // Every line the log wrote carries its priority; the info lines <6>.
    std::istringstream lines(readFile(log));
    std::string line;
    int logLines = 0;
    bool info = false;
    while (std::getline(lines, line)) {
        if (line.find("certagent: ") == std::string::npos) continue;
        ++logLines;
        EXPECT_EQ(line[0], '<') << line;
        info |= line.rfind("<6>certagent: info: ", 0) == 0;
    }
    EXPECT_GT(logLines, 0);
    EXPECT_TRUE(info) << readFile(log);
}

TEST(DaemonUnderSystemd, OutsideAJournalStreamLinesHaveNoPriority) {
    TempDir dir("daemon-plain");
    NotifySocket notify(dir / "notify");
    writeFile(dir / "agent.toml", "[pkcs11]\nuse_p11_kit = false\n");
    auto log = dir / "stderr.log";
    BackgroundProcess daemon(
        {CERTAGENT_CLI, "-v", "--config", (dir / "agent.toml").string(), "--state-dir",
         (dir / "state").string(), "daemon"},
        {notify.env(), "JOURNAL_STREAM=1:1", "HOME=" + dir.path().string(),
         "XDG_RUNTIME_DIR=" + dir.path().string(),
         "CERTAGENT_POLICY_FILE=" + (dir / "no-policy.toml").string(),
         "DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent"},
        log);
    ASSERT_TRUE(notify.receive(30)) << readFile(log);
    daemon.stop();
    auto text = readFile(log);
    EXPECT_NE(text.find("certagent: info: "), std::string::npos) << text;
    EXPECT_EQ(text.find("<6>"), std::string::npos) << text;
}

}  // namespace
}  // namespace certagent::testing
