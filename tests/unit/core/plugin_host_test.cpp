#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <dlfcn.h>
#include <sys/stat.h>
#include <thread>

#include "certagent/core/agent.hpp"
#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "temp_dir.hpp"

using namespace certagent;
namespace fs = std::filesystem;
using certagent::testing::TempDir;

namespace {

fs::path pluginDir(const std::string& scenario) {
    return fs::path(CERTAGENT_TEST_PLUGIN_DIR) / scenario;
}

// A host with real services on a temporary state dir.
struct Fixture {
    TempDir dir{"certagent-plugins"};
    SystemClock clock;
    EventBus bus;
    Scheduler scheduler{clock};
    config::Config config = config::Config::defaults();
    ConsoleNotifier notifier;
    std::unique_ptr<state::StateStore> store = state::StateStore::open(dir / "state");
    HostServices services{clock, bus, scheduler, config, notifier, store.get(), dir / "state"};
    PluginHost host{services};
    Fixture() {
        i18n::init("en");
        log::setStderr(false);
    }
    ~Fixture() { log::setStderr(true); }
    std::string reasonFor(const std::string& file_part) const {
        for (const auto& s : host.skipped())
            if (s.file.string().find(file_part) != std::string::npos) return s.reason;
        return "(not skipped)";
    }
};

}  // namespace

TEST(PluginHost, LoadsGoodTokenAndFlowPluginsWithMetadata) {
    Fixture f;
    f.host.loadDirectories({pluginDir("good")});
    ASSERT_EQ(f.host.plugins().size(), 2u);
    auto* token = f.host.find("test-good-token");
    ASSERT_NE(token, nullptr);
    EXPECT_EQ(token->info().kind, "token");
    EXPECT_EQ(token->info().version, "1.2.3");
    EXPECT_EQ(token->info().abi_major, CERTAGENT_SDK_ABI_MAJOR);
    EXPECT_EQ(token->profile()["usb_ids"][0], "1234:5678");
    EXPECT_FALSE(token->claim({{"label", "x"}}).has_value());
    auto* flow = f.host.find("test-good-flow");
    ASSERT_NE(flow, nullptr);
    EXPECT_EQ(flow->menuItems({})[0]["id"], "hello");
    EXPECT_TRUE(f.host.skipped().empty());
}

TEST(PluginHost, FlowPluginUsesHostServicesAcrossTheCBoundary) {
    Fixture f;
    f.host.loadDirectories({pluginDir("good")});
    auto* flow = f.host.find("test-good-flow");
    ASSERT_NE(flow, nullptr);
    // State store, namespaced per plugin.
    auto r = flow->runAction("store", {{"value", "v1"}});
    EXPECT_EQ(r["value"], "v1");
    EXPECT_EQ(f.store->get("plugin:test-good-flow", "k").value(), "v1");
    // Event bus both ways.
    std::promise<int> pong;
    f.bus.subscribe("TestPong", [&](const nlohmann::json& e) { pong.set_value(e["n"].get<int>()); });
    f.bus.publish({{"type", "TestPing"}, {"n", 41}});
    auto fut = pong.get_future();
    ASSERT_EQ(fut.wait_for(std::chrono::seconds(5)), std::future_status::ready);
    EXPECT_EQ(fut.get(), 42);
    // A plugin error becomes a typed error with the plugin's message, not a crash.
    try {
        flow->runAction("fail", {});
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Plugin);
        EXPECT_NE(std::string(e.what()).find("asked to fail"), std::string::npos);
    }
}

TEST(PluginHost, SkipsEachBadPluginWithAClearReasonAndGoesOn) {
    Fixture f;
    TempDir junk("certagent-junk");
    ::chmod(junk.path().c_str(), 0755);
    certagent::testing::writeFile(junk / "certagent-notes.so", "this is a text file, not an ELF");
    f.host.loadDirectories({pluginDir("good"), pluginDir("bad"), junk.path()});
    EXPECT_EQ(f.host.plugins().size(), 2u);  // the good ones still load
    EXPECT_EQ(f.host.skipped().size(), 4u);
    f.host.loadDirectories({pluginDir("refusing")});
    EXPECT_NE(f.reasonFor("certagent-test-refusing.so")
                  .find("the plugin refused this agent's plugin ABI 2.1"),
              std::string::npos)
        << f.reasonFor("certagent-test-refusing.so");
    EXPECT_NE(f.reasonFor("certagent-notes.so").find("not a loadable library"), std::string::npos);
    EXPECT_NE(f.reasonFor("certagent-test-no-entry.so").find("no entry point 'certagent_plugin_entry'"),
              std::string::npos);
    EXPECT_NE(f.reasonFor("certagent-test-other-abi.so")
                  .find("built for plugin ABI 99.0, this agent has ABI 2.1"),
              std::string::npos);
    EXPECT_EQ(f.reasonFor("certagent-test-throwing.so"),
              "its constructor failed: cannot find my vendor library");
}

TEST(PluginHost, SecondPluginWithTheSameNameIsSkipped) {
    Fixture f;
    f.host.loadDirectories({pluginDir("good"), pluginDir("dup")});
    EXPECT_EQ(f.host.find("test-good-token")->info().version, "1.2.3");
    auto reason = f.reasonFor("certagent-test-duplicate.so");
    EXPECT_NE(reason.find("a plugin named 'test-good-token' is already loaded from"),
              std::string::npos);
    EXPECT_NE(reason.find("certagent-test-good-token.so"), std::string::npos);
}

TEST(PluginHost, RefusesFoldersAndFilesWritableByOthers) {
    Fixture f;
    TempDir open_dir("certagent-open");
    fs::copy_file(pluginDir("good") / "certagent-test-good-token.so",
                  open_dir / "certagent-test-good-token.so");
    ::chmod(open_dir.path().c_str(), 0777);
    f.host.loadDirectories({open_dir.path()});
    EXPECT_TRUE(f.host.plugins().empty());
    ASSERT_EQ(f.host.skipped().size(), 1u);
    EXPECT_EQ(f.host.skipped()[0].file, open_dir.path());
    EXPECT_NE(f.host.skipped()[0].reason.find("writable by every user"), std::string::npos);

    ::chmod(open_dir.path().c_str(), 0755);
    ::chmod((open_dir / "certagent-test-good-token.so").c_str(), 0666);
    f.host.loadDirectories({open_dir.path()});
    EXPECT_TRUE(f.host.plugins().empty());
    EXPECT_NE(f.host.skipped().back().reason.find("file refused"), std::string::npos);
}

TEST(PluginHost, UnloadingCancelsThePluginsSubscriptions) {
    Fixture f;
    {
        PluginHost host(f.services);
        host.loadDirectories({pluginDir("good")});
        ASSERT_NE(host.find("test-good-flow"), nullptr);
    }
    // The library is unloaded: an event for its old subscription must not call into it.
    f.bus.publish({{"type", "TestPing"}, {"n", 1}});
    f.bus.drain();
    SUCCEED();
}

TEST(PluginHost, EachPluginHasItsOwnStateWhateverNameItGivesItself) {
    Fixture f;
    f.host.loadDirectories({pluginDir("good"), pluginDir("other")});
    auto* good = f.host.find("test-good-flow");
    auto* other = f.host.find("test-other-flow");
    ASSERT_TRUE(good && other);
    good->runAction("store", {{"value", "mine"}});
    EXPECT_EQ(other->runAction("read", {})["value"], "");  // same key, another plugin
    other->runAction("store", {{"value", "theirs"}});
    EXPECT_EQ(good->runAction("store", {{"value", "mine"}})["value"], "mine");
    EXPECT_EQ(f.store->get("plugin:test-other-flow", "k").value(), "theirs");
    // A private folder per plugin, made for it.
    auto folder = good->runAction("folder", {})["folder"].get<std::string>();
    EXPECT_EQ(fs::path(folder), f.dir / "state" / "plugins" / "test-good-flow");
    EXPECT_TRUE(fs::is_directory(folder));
}

TEST(PluginHost, AOneShotTimerIsForgottenOnceItFired) {
    Fixture f;
    f.host.loadDirectories({pluginDir("good")});
    auto* flow = f.host.find("test-good-flow");
    std::promise<void> fired;
    f.bus.subscribe("TestTimer", [&](const nlohmann::json&) { fired.set_value(); });
    flow->runAction("timer", {});
    EXPECT_EQ(flow->held().timers, 1u);
    ASSERT_EQ(fired.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
    for (int i = 0; i < 50 && flow->held().timers; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ(flow->held().timers, 0u);
    EXPECT_EQ(flow->held().subscriptions, 1u);  // its TestPing handler
}

TEST(PluginHost, APlainCPluginThatLeavesCallbacksBehindIsReleasedBeforeItsLibraryGoes) {
    Fixture f;
    {
        PluginHost host(f.services);
        host.loadDirectories({pluginDir("leaky")});
        auto* leaky = host.find("test-leaky-c");
        ASSERT_NE(leaky, nullptr);
        EXPECT_EQ(leaky->held().subscriptions, 1u);
        EXPECT_EQ(leaky->held().timers, 1u);
    }
    // Its event handler and its timer (due in 300 ms) pointed into the unloaded library.
    f.bus.publish({{"type", "TestPing"}, {"n", 1}});
    f.bus.drain();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_EQ(f.scheduler.pending(), 0u);
}

TEST(PluginHost, ExtensionsAreLookedUpByVersionedName) {
    Fixture f;
    f.host.loadDirectories({pluginDir("good")});
    auto* flow = f.host.find("test-good-flow");
    for (const char* id : {CA_EXT_EVENTS, CA_EXT_TIMERS, CA_EXT_JOBS, CA_EXT_STATE, CA_EXT_CONFIG,
                           CA_EXT_TEXT, CA_EXT_UI, CA_EXT_PROVIDERS})
        EXPECT_TRUE(flow->runAction("extension", {{"name", id}})["found"].get<bool>()) << id;
    EXPECT_FALSE(flow->runAction("extension", {{"name", "certagent.events/9"}})["found"].get<bool>());
    EXPECT_FALSE(flow->runAction("extension", {{"name", "nonsense"}})["found"].get<bool>());
}

TEST(PluginHost, QuestionsGoToTheProgramsPromptsAndAreRefusedWithoutOne) {
    Fixture f;
    f.host.loadDirectories({pluginDir("good")});
    auto* flow = f.host.find("test-good-flow");
    // No prompts (the daemon): a clear refusal, as the plugin's error.
    try {
        flow->runAction("ask", {});
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("cannot ask"), std::string::npos) << e.what();
    }
    nlohmann::json seen;
    Prompts p;
    p.confirm = [&](const nlohmann::json& r) -> std::optional<nlohmann::json> {
        seen = r;
        return nlohmann::json{{"answer", true}};
    };
    f.services.setPrompts(p);
    EXPECT_EQ(flow->runAction("ask", {})["answer"], true);
    EXPECT_EQ(seen["text"], "Go?");
    EXPECT_EQ(seen["plugin"], "test-good-flow");  // the host says who asks
}

TEST(PluginHost, TheSdkEntryPointRefusesAnotherHostMajor) {
    auto file = pluginDir("good") / "certagent-test-good-flow.so";
    void* lib = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(lib, nullptr) << dlerror();
    auto entry = reinterpret_cast<ca_plugin_entry_fn>(dlsym(lib, CERTAGENT_PLUGIN_ENTRY_SYMBOL));
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ(entry(CERTAGENT_SDK_ABI_MAJOR + 1, 0), nullptr);
    EXPECT_EQ(entry(CERTAGENT_SDK_ABI_MAJOR - 1, 0), nullptr);
    ASSERT_NE(entry(CERTAGENT_SDK_ABI_MAJOR, 0), nullptr);
    EXPECT_EQ(entry(CERTAGENT_SDK_ABI_MAJOR, 0)->info.abi_major, CERTAGENT_SDK_ABI_MAJOR);
    dlclose(lib);
}
