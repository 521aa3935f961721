#include <gtest/gtest.h>
#include <sys/stat.h>

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
