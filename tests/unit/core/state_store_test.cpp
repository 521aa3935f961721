#include <gtest/gtest.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/state_store.hpp"
#include "temp_dir.hpp"

using namespace certagent;
using certagent::state::StateStore;
using certagent::testing::readFile;
using certagent::testing::TempDir;
using certagent::testing::writeFile;

TEST(StateStore, CreatesDatabaseInWalModeWithPrivatePermissions) {
    i18n::init("en");
    TempDir dir;
    auto sub = dir / "state";
    auto store = StateStore::open(sub);
    auto s = store->prepare("PRAGMA journal_mode;");
    ASSERT_TRUE(s.step());
    EXPECT_EQ(s.columnText(0), "wal");
    struct stat st{};
    ASSERT_EQ(::stat(sub.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    ASSERT_EQ(::stat((sub / "state.sqlite3").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0077, 0u);
}

TEST(StateStore, AreaMigrationsRunOnceAndInOrder) {
    TempDir dir;
    std::vector<std::string> v1 = {"CREATE TABLE t (a INTEGER);"};
    std::vector<std::string> v2 = {"CREATE TABLE t (a INTEGER);", "ALTER TABLE t ADD COLUMN b TEXT;"};
    {
        auto store = StateStore::open(dir.path());
        store->ensureSchema("area", v1);
        EXPECT_EQ(store->areaVersion("area"), 1);
        store->exec("INSERT INTO t(a) VALUES (7);");
    }
    {
        auto store = StateStore::open(dir.path());
        store->ensureSchema("area", v2);
        EXPECT_EQ(store->areaVersion("area"), 2);
        auto s = store->prepare("SELECT a, b FROM t;");
        ASSERT_TRUE(s.step());
        EXPECT_EQ(s.columnInt(0), 7);
        EXPECT_TRUE(s.columnIsNull(1));
    }
}

TEST(StateStore, NewerAreaSchemaIsRefusedAndLeftUntouched) {
    TempDir dir;
    {
        auto store = StateStore::open(dir.path());
        store->ensureSchema("area", {"CREATE TABLE t (a);", "CREATE TABLE u (b);"});
    }
    auto store = StateStore::open(dir.path());
    try {
        store->ensureSchema("area", {"CREATE TABLE t (a);"});
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::State);
        EXPECT_NE(std::string(e.what()).find("newer certagent (schema 2, this version knows 1)"),
                  std::string::npos);
    }
    EXPECT_EQ(store->areaVersion("area"), 2);
}

TEST(StateStore, NewerCoreSchemaIsRefused) {
    TempDir dir;
    { StateStore::open(dir.path())->exec("PRAGMA user_version = 42;"); }
    auto before = readFile(dir / "state.sqlite3");
    try {
        StateStore::open(dir.path());
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("schema 42"), std::string::npos);
        EXPECT_EQ(e.where(), (dir / "state.sqlite3").string());
    }
    EXPECT_EQ(readFile(dir / "state.sqlite3"), before);
}

TEST(StateStore, CorruptDatabaseGetsClearErrorAndIsNeverOverwritten) {
    TempDir dir;
    std::string garbage(8192, 'x');
    garbage.replace(0, 20, "this is not sqlite!!");
    writeFile(dir / "state.sqlite3", garbage);
    try {
        StateStore::open(dir.path());
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::State);
        EXPECT_NE(std::string(e.what()).find("damaged or not a database"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("left untouched"), std::string::npos);
    }
    EXPECT_EQ(readFile(dir / "state.sqlite3"), garbage);
    EXPECT_FALSE(std::filesystem::exists(dir / "state.sqlite3-wal"));
}

namespace {

constexpr uid_t kNobody = 65534;

// Opens the store in `dir` as an unprivileged user (tests run as root, and permissions do not
// bite root): a forked child drops to nobody (uid/gid 65534) when it is root, and reports the
// error it got, or "opened". Bounded: the child is killed after 20 s.
std::string openUnprivileged(const std::filesystem::path& dir) {
    int fds[2];
    if (pipe(fds) != 0) return "pipe failed";
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        std::string result;
        if (geteuid() == 0 &&
            (setgroups(0, nullptr) != 0 || setgid(kNobody) != 0 || setuid(kNobody) != 0)) {
            result = "cannot drop to nobody";
        } else {
            try {
                auto store = StateStore::open(dir);
                result = "opened";
            } catch (const Error& e) {
                result = std::string(e.what()) + " [where: " + e.where() + "]";
            }
        }
        ssize_t ignored = write(fds[1], result.data(), result.size());
        (void)ignored;
        _exit(0);
    }
    close(fds[1]);
    std::string out;
    char buf[1024];
    for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, std::size_t(n));
    close(fds[0]);
    for (int i = 0; i < 200; ++i) {
        if (waitpid(pid, nullptr, WNOHANG) == pid) return out;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return out + " [child killed]";
}

}  // namespace

TEST(StateStore, AReadOnlyStateFolderIsNamedAsSuchNotCalledDamaged) {
    i18n::init("en");
    TempDir dir;
    ::chmod(dir.path().c_str(), 0755);  // nobody may look inside
    auto sub = dir / "state";
    {
        auto store = StateStore::open(sub);
        store->transaction([&] {
            store->exec("INSERT INTO kv(ns, key, value) VALUES('renewal', 'r1', 'journal');");
        });
    }
    auto file = sub / "state.sqlite3";
    const auto before = readFile(file);
    const bool root = geteuid() == 0;
    if (root) {  // the folder and file belong to the user who opens them
        ASSERT_EQ(::chown(sub.c_str(), kNobody, kNobody), 0);
        ASSERT_EQ(::chown(file.c_str(), kNobody, kNobody), 0);
    }
    // The user's own folder, made read-only; the database in it is healthy and writable.
    ASSERT_EQ(::chmod(sub.c_str(), 0500), 0);
    auto folderResult = openUnprivileged(sub);
    EXPECT_NE(folderResult.find("permission denied on " + sub.string()), std::string::npos)
        << folderResult;
    EXPECT_EQ(folderResult.find("damaged or not a database"), std::string::npos) << folderResult;
    EXPECT_EQ(folderResult.find("move it away"), std::string::npos) << folderResult;
    EXPECT_NE(folderResult.find("--state-dir"), std::string::npos) << folderResult;
    // The file itself read-only in a writable folder: that file is named.
    ASSERT_EQ(::chmod(sub.c_str(), 0700), 0);
    ASSERT_EQ(::chmod(file.c_str(), 0400), 0);
    auto fileResult = openUnprivileged(sub);
    EXPECT_NE(fileResult.find("permission denied on " + file.string()), std::string::npos)
        << fileResult;
    EXPECT_EQ(fileResult.find("damaged or not a database"), std::string::npos) << fileResult;
    // Nothing was changed, and with the permission back it opens with its journal.
    EXPECT_EQ(readFile(file), before);
    ASSERT_EQ(::chmod(file.c_str(), 0600), 0);
    EXPECT_EQ(openUnprivileged(sub), "opened");
    if (root) {  // TempDir removes them
        EXPECT_EQ(::chown(sub.c_str(), 0, 0), 0);
        EXPECT_EQ(::chown(file.c_str(), 0, 0), 0);
    }
}

TEST(StateStore, TransactionRollsBackWhenTheStepFails) {
    TempDir dir;
    auto store = StateStore::open(dir.path());
    store->put("ns", "k", "before");
    EXPECT_THROW(store->transaction([&] {
        store->put("ns", "k", "during");
        store->put("ns", "k2", "x");
        throw std::runtime_error("crash in the middle of a step");
    }),
                 std::runtime_error);
    EXPECT_EQ(store->get("ns", "k").value(), "before");
    EXPECT_FALSE(store->get("ns", "k2").has_value());
}

TEST(StateStore, KeyValueNamespacesAreSeparate) {
    TempDir dir;
    auto store = StateStore::open(dir.path());
    store->put("plugin:a", "x/1", "1");
    store->put("plugin:a", "x/2", "2");
    store->put("plugin:b", "x/1", "other");
    EXPECT_EQ(store->keys("plugin:a", "x/"), (std::vector<std::string>{"x/1", "x/2"}));
    EXPECT_EQ(store->get("plugin:b", "x/1").value(), "other");
    EXPECT_TRUE(store->erase("plugin:a", "x/1"));
    EXPECT_FALSE(store->erase("plugin:a", "x/1"));
}
