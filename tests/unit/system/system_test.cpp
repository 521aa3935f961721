#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>

#include "certagent/core/log.hpp"
#include "notify_socket.hpp"
#include "service_manager.hpp"
#include "temp_dir.hpp"

namespace certagent {
namespace {
using testing::NotifySocket;
using testing::TempDir;

std::string streamId(int fd) {
    struct stat st {};
    ::fstat(fd, &st);
    return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
}

TEST(JournalStream, StderrIsTheJournalOnlyWhenItIsTheStreamJournalStreamNames) {
    TempDir dir("journal-stream");
    int a = ::open((dir / "a").c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    int b = ::open((dir / "b").c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    EXPECT_TRUE(log::isJournalStream(streamId(a).c_str(), a));
    EXPECT_FALSE(log::isJournalStream(streamId(a).c_str(), b));  // a stream it was not given
    EXPECT_FALSE(log::isJournalStream(nullptr, a));
    EXPECT_FALSE(log::isJournalStream("", a));
    EXPECT_FALSE(log::isJournalStream("garbage", a));
    EXPECT_FALSE(log::isJournalStream((streamId(a) + "x").c_str(), a));
    ::close(a);
    ::close(b);
}

TEST(JournalStream, LevelsMapToSyslogPriorities) {
    EXPECT_EQ(log::syslogPriority(log::Level::Error), 3);
    EXPECT_EQ(log::syslogPriority(log::Level::Warn), 4);
    EXPECT_EQ(log::syslogPriority(log::Level::Info), 6);
    EXPECT_EQ(log::syslogPriority(log::Level::Debug), 7);
    EXPECT_EQ(log::syslogPriority(log::Level::Trace), 7);
}

TEST(SdNotify, SendsTheStateToTheSocketNotifySocketNames) {
    TempDir dir("sd-notify");
    NotifySocket socket(dir / "notify");
    ::setenv("NOTIFY_SOCKET", (dir / "notify").c_str(), 1);
    EXPECT_TRUE(platform::notifyServiceManager("READY=1\nSTATUS=running"));
    EXPECT_EQ(socket.receive(2), "READY=1\nSTATUS=running");
    EXPECT_TRUE(platform::notifyServiceManager("STOPPING=1"));
    EXPECT_EQ(socket.receive(2), "STOPPING=1");
    ::unsetenv("NOTIFY_SOCKET");
}

TEST(SdNotify, WithoutAServiceManagerNothingIsSent) {
    ::unsetenv("NOTIFY_SOCKET");
    EXPECT_FALSE(platform::notifyServiceManager("READY=1"));
    ::setenv("NOTIFY_SOCKET", "relative/path", 1);
    EXPECT_FALSE(platform::notifyServiceManager("READY=1"));
    ::setenv("NOTIFY_SOCKET", "/nonexistent/notify", 1);
    EXPECT_FALSE(platform::notifyServiceManager("READY=1"));
    ::unsetenv("NOTIFY_SOCKET");
}

TEST(SdNotify, AnAbstractSocketNameWorksToo) {
    int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::string name = "certagent-test-" + std::to_string(::getpid());
    std::memcpy(addr.sun_path + 1, name.data(), name.size());
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr),
                     static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size())),
              0);
    ::setenv("NOTIFY_SOCKET", ("@" + name).c_str(), 1);
    EXPECT_TRUE(platform::notifyServiceManager("READY=1"));
    char buf[64];
    timeval tv{2, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    auto n = ::recv(fd, buf, sizeof(buf), 0);
    EXPECT_EQ(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0), "READY=1");
    ::close(fd);
    ::unsetenv("NOTIFY_SOCKET");
}

}  // namespace
}  // namespace certagent
