// certagent-cli watch and daemon as users run them: real pcscd + virtual card, SoftHSM2.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "lab.hpp"
#include "pcsc_lab.hpp"
#include "softhsm.hpp"

using namespace certagent::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::string cli() { return (binaryDir() / "bin" / "certagent-cli").string(); }

std::vector<nlohmann::json> jsonLines(const fs::path& file) {
    std::vector<nlohmann::json> out;
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] != '{') continue;
        try {
            out.push_back(nlohmann::json::parse(line));
        } catch (const std::exception&) {
            // a line being written right now
        }
    }
    return out;
}

// Waits (bounded) for a line matching pred; returns it.
template <typename Pred>
std::optional<nlohmann::json> waitLine(const fs::path& file, Pred pred,
                                       std::chrono::milliseconds timeout = 10s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        for (auto& j : jsonLines(file))
            if (pred(j)) return j;
        std::this_thread::sleep_for(20ms);
    }
    return std::nullopt;
}

bool pcscActive(const nlohmann::json& j) {
    if (j.value("type", "") != "DeviceMonitorStatus") return false;
    for (const auto& s : j["sources"])
        if (s["name"] == "pcsc" && s["active"] == true) return true;
    return false;
}

std::string configFor(const SoftHsm&) {
    return "[pkcs11]\nextra_modules = [\"" + SoftHsm::modulePath().string() +
           "\"]\nuse_p11_kit = false\n";
}

}  // namespace

TEST(WatchCommand, CardInsertionLeadsToDeviceAndTokenLines) {
    if (auto why = PcscLab::unavailableReason(); !why.empty()) CERTAGENT_NEED_LAB(why);
    PcscLab lab;
    lab.startPcscd();
    ASSERT_TRUE(lab.waitForPcscd()) << lab.pcscdLog();
    SoftHsm hsm;
    TempDir dir("certagent-watch");
    writeFile(dir / "agent.toml", configFor(hsm));
    auto env = hsm.env();
    env.push_back(lab.env()[0]);
    const fs::path out = dir / "watch.out";
    Child watch({cli(), "--config", (dir / "agent.toml").string(), "--state-dir",
                 (dir / "state").string(), "watch"},
                env, out);
    ASSERT_TRUE(waitLine(out, pcscActive)) << readFile(out);

    // A token "inside" the card: the SoftHSM token appears with the card, the card event
    // triggers the rescan that finds it.
    auto& token = hsm.createToken("Card");
    lab.insertCard();
    auto device = waitLine(out, [](const nlohmann::json& j) {
        return j.value("type", "") == "Device" && j.value("action", "") == "card_inserted";
    });
    ASSERT_TRUE(device) << readFile(out);
    EXPECT_EQ((*device)["source"], "pcsc");
    EXPECT_FALSE((*device)["atr"].get<std::string>().empty());
    auto inserted = waitLine(out, [&](const nlohmann::json& j) {
        return j.value("type", "") == "TokenInserted" && j.value("serial", "") == token.serial;
    });
    ASSERT_TRUE(inserted) << readFile(out);
    EXPECT_EQ((*inserted)["plugin"], "generic-pkcs11");

    hsm.removeToken(token);
    lab.removeCard();
    ASSERT_TRUE(waitLine(out, [&](const nlohmann::json& j) {
        return j.value("type", "") == "TokenRemoved" && j.value("serial", "") == token.serial;
    })) << readFile(out);

    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(watch.stop(5000ms), 0) << readFile(out);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
    // Every line is one JSON object.
    std::istringstream lines(readFile(out));
    std::string line;
    while (std::getline(lines, line))
        if (!line.empty() && line[0] == '{') {
            EXPECT_TRUE(nlohmann::json::accept(line)) << line;
        }
}

TEST(DaemonCommand, RunsUntilSigtermAndLogsToTheStateDir) {
    SoftHsm hsm;
    hsm.createToken("Daemon");
    TempDir dir("certagent-daemon");
    writeFile(dir / "agent.toml", configFor(hsm) + "[log]\nlevel = \"info\"\n");
    Child daemon({cli(), "--config", (dir / "agent.toml").string(), "--state-dir",
                  (dir / "state").string(), "daemon"},
                 hsm.env(), dir / "daemon.out");
    const fs::path logFile = dir / "state" / "logs" / "certagent.log";
    auto deadline = std::chrono::steady_clock::now() + 10s;
    bool sawToken = false;
    while (!sawToken && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(50ms);
        std::error_code ec;
        if (fs::exists(logFile, ec)) sawToken = readFile(logFile).find("1 inserted") != std::string::npos;
    }
    EXPECT_TRUE(sawToken) << (fs::exists(logFile) ? readFile(logFile) : "no log file");
    ASSERT_TRUE(daemon.running()) << readFile(dir / "daemon.out");
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(daemon.stop(5000ms), 0) << readFile(dir / "daemon.out");
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
    EXPECT_NE(readFile(logFile).find("stopping"), std::string::npos);
}
