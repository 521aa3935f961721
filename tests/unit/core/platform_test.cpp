// The POSIX side of core's platform layer (agent/core/platform): the calls the areas make
// instead of dlopen, mkdtemp, gmtime_r, access, stat and sigwait.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <system_error>

#include "certagent/core/clock.hpp"
#include "certagent/core/platform/dynamic_library.hpp"
#include "certagent/core/platform/file_lock.hpp"
#include "certagent/core/platform/stop_signals.hpp"
#include "certagent/core/platform/system.hpp"
#include "temp_dir.hpp"

using namespace certagent;
using certagent::testing::TempDir;
using certagent::testing::writeFile;
namespace fs = std::filesystem;

TEST(DynamicLibrary, ThatCannotLoadNamesTheFile) {
    platform::DynamicLibrary lib("/nonexistent/libcertagent-missing.so");
    EXPECT_FALSE(lib);
    EXPECT_NE(lib.error().find("libcertagent-missing.so"), std::string::npos) << lib.error();
    EXPECT_EQ(lib.symbol("anything"), nullptr);
}

TEST(DynamicLibrary, FindsItsFunctionsAndNoOthers) {
    platform::DynamicLibrary lib("libc.so.6");
    ASSERT_TRUE(lib) << lib.error();
    auto length = lib.function<std::size_t (*)(const char*)>("strlen");
    ASSERT_NE(length, nullptr);
    EXPECT_EQ(length("four"), 4u);
    EXPECT_EQ(lib.symbol("certagent_no_such_symbol"), nullptr);
}

TEST(DynamicLibrary, AlreadyLoadedRefusesALibraryNotInTheProcessAndNamesIt) {
    TempDir dir;
    const auto file = dir / "libnotloaded.so";
    writeFile(file, "not a library");
    platform::DynamicLibrary lib(file, platform::DynamicLibrary::Mode::AlreadyLoaded);
    EXPECT_FALSE(lib);
    EXPECT_NE(lib.error().find(file.string()), std::string::npos) << lib.error();
}

TEST(DynamicLibrary, MovesItsHandle) {
    platform::DynamicLibrary a("libc.so.6");
    platform::DynamicLibrary b(std::move(a));
    EXPECT_TRUE(b);
    EXPECT_NE(b.symbol("strlen"), nullptr);
}

TEST(PrivateTempDir, IsNewAndOnlyItsOwnersToOpen) {
    const auto a = platform::makePrivateTempDir("certagent-test-");
    const auto b = platform::makePrivateTempDir("certagent-test-");
    EXPECT_NE(a, b);
    EXPECT_EQ(a.parent_path(), fs::temp_directory_path());
    EXPECT_EQ(a.filename().string().rfind("certagent-test-", 0), 0u);
    struct stat st {};
    ASSERT_EQ(::stat(a.c_str(), &st), 0);
    EXPECT_TRUE(S_ISDIR(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    fs::remove_all(a);
    fs::remove_all(b);
}

TEST(UtcTime, IsTheCalendarTimeInUtc) {
    const std::tm tm = platform::utcTime(86400 + 3600 + 61);  // 1970-01-02 01:01:01 UTC
    EXPECT_EQ(tm.tm_year, 70);
    EXPECT_EQ(tm.tm_mon, 0);
    EXPECT_EQ(tm.tm_mday, 2);
    EXPECT_EQ(tm.tm_hour, 1);
    EXPECT_EQ(tm.tm_min, 1);
    EXPECT_EQ(tm.tm_sec, 1);
}

TEST(WriteAccess, OfAWritableFolderAndFileIsFine) {
    TempDir dir;
    writeFile(dir / "f", "x");
    EXPECT_EQ(platform::writeAccess(dir.path(), true), platform::AccessProblem::None);
    EXPECT_EQ(platform::writeAccess(dir / "f", false), platform::AccessProblem::None);
}

TEST(WriteAccess, OfAReadOnlyFileIsDeniedUnlessRoot) {
    TempDir dir;
    writeFile(dir / "f", "x");
    fs::permissions(dir / "f", fs::perms::owner_read);
    // access(2) answers for the real user: root may write a read-only file, others may not.
    EXPECT_EQ(platform::writeAccess(dir / "f", false),
              ::geteuid() == 0 ? platform::AccessProblem::None : platform::AccessProblem::Denied);
    EXPECT_EQ(platform::writeAccess(dir / "missing" / "f", false), platform::AccessProblem::Other);
}

TEST(ForeignWriteAccess, SeesAFileEveryoneMayWrite) {
    TempDir dir;
    writeFile(dir / "plugin.so", "x");
    fs::permissions(dir / "plugin.so", fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_EQ(platform::foreignWriteAccess(dir / "plugin.so"), platform::ForeignAccess::None);
    fs::permissions(dir / "plugin.so", fs::perms::others_write, fs::perm_options::add);
    EXPECT_EQ(platform::foreignWriteAccess(dir / "plugin.so"),
              platform::ForeignAccess::WritableByEveryone);
}

// The test process runs this test alone (one process per test), so blocking SIGTERM here
// blocks it for the whole process, as the daemon does before it starts threads.
TEST(StopSignals, RequestStopEndsTheWaitAsSigtermWould) {
    platform::StopSignals signals;
    platform::StopSignals::requestStop();
    EXPECT_EQ(signals.wait(), SIGTERM);
}

TEST(StopSignals, ASigintEndsTheWaitWithItsNumber) {
    platform::StopSignals signals;
    ::kill(::getpid(), SIGINT);
    EXPECT_EQ(signals.wait(), SIGINT);
}

TEST(FileLock, OneHolderAtATimeAndTheNextReadsItsNote) {
    TempDir dir;
    const auto path = dir / "agent.lock";
    {
        platform::FileLock first(path);
        ASSERT_TRUE(first.tryLock());
        EXPECT_TRUE(first.replace("123 daemon\n"));
        platform::FileLock second(path);  // another open file: as another process would
        EXPECT_FALSE(second.tryLock());
        EXPECT_EQ(second.read(), "123 daemon\n");
        EXPECT_TRUE(first.replace("4 tray\n"));  // shorter: the old note does not show through
        EXPECT_EQ(second.read(), "4 tray\n");
    }
    platform::FileLock again(path);
    EXPECT_TRUE(again.tryLock());
    EXPECT_THROW(platform::FileLock(dir / "missing" / "agent.lock"), std::system_error);
}

// utcEpoch stands in for timegm(), which Windows lacks: it must agree with glibc's everywhere
// core uses it (certificate dates 0000..9999, ISO 8601 input with fields out of range).
TEST(UtcEpoch, AgreesWithTimegm) {
    for (std::tm tm : {std::tm{0, 0, 0, 1, 0, 70}, std::tm{59, 59, 23, 31, 11, 8099},
                       std::tm{0, 0, 0, 1, 0, -1900}, std::tm{7, 6, 5, 29, 1, 124},
                       std::tm{0, 0, 0, 31, 1, 125}, std::tm{60, 59, 23, 31, 11, 116},
                       std::tm{0, 0, 0, 1, 14, 100}, std::tm{0, 0, 0, 0, -1, 100}}) {
        std::tm copy = tm;
        EXPECT_EQ(certagent::utcEpoch(tm), ::timegm(&copy)) << tm.tm_year << "-" << tm.tm_mon;
    }
    EXPECT_EQ(certagent::toIso8601(std::time_t{253402300799}), "9999-12-31T23:59:59Z");
}
