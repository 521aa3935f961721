#include "care_fixture.hpp"

namespace certagent::testing {

CareFixture::CareFixture(CareOptions o) : options(std::move(o)) {
    token = &hsm.createToken("Care", options.pin, options.soPin);
    config = dir / "agent.toml";
    counterFile = dir / "pin-counters";
    std::string toml = "[pkcs11]\nextra_modules = [\"" + modulePath() + "\"]\nuse_p11_kit = false\n";
    if (options.strictPlugin)
        toml += std::string("[plugins]\ndirs = [\"") + CERTAGENT_STRICT_PIN_PLUGIN_DIR + "\"]\n";
    writeFile(config, toml);
}

std::string CareFixture::modulePath() const {
    return options.countingModule ? std::string(CERTAGENT_TEST_PIN_COUNTER_MODULE)
                                  : SoftHsm::modulePath().string();
}

std::vector<std::string> CareFixture::env(std::vector<std::string> extra) const {
    auto e = hsm.env();
    e.push_back("HOME=" + dir.path().string());
    e.push_back("XDG_CONFIG_HOME=" + (dir / "config").string());
    e.push_back("XDG_STATE_HOME=" + (dir / "state").string());
    e.push_back("CERTAGENT_POLICY_FILE=" + (dir / "none.toml").string());
    e.push_back("CERTAGENT_TEST_PIN_COUNTER_STATE=" + counterFile.string());
    e.push_back("CERTAGENT_TEST_PIN_COUNTER_TRIES=" + std::to_string(options.tries));
    // The strict profile's 6..8 stands in only where the module states no range of its own.
    if (options.strictPlugin) e.push_back("CERTAGENT_TEST_PIN_COUNTER_NO_RANGE=1");
    e.push_back("LANG=C.UTF-8");
    e.push_back("LANGUAGE=");
    e.push_back("LC_ALL=");
    e.insert(e.end(), extra.begin(), extra.end());
    return e;
}

ProcessResult CareFixture::cli(std::vector<std::string> args, std::vector<std::string> extra) const {
    args.insert(args.begin(), {CERTAGENT_CLI, "--config", config.string()});
    return runProcess(args, env(std::move(extra)), {}, 60);
}

nlohmann::json CareFixture::cliJson(std::vector<std::string> args) const {
    args.insert(args.begin(), "--json");
    auto r = cli(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out, nullptr, false);
}

nlohmann::json CareFixture::tokenJson() const {
    for (const auto& t : cliJson({"tokens"}))
        if (t.value("serial", "") == token->serial) return t;
    ADD_FAILURE() << "token " << token->serial << " not listed";
    return nlohmann::json::object();
}

ProcessResult CareFixture::pkcs11(std::vector<std::string> args, const std::string& pin) const {
    std::vector<std::string> argv = {"pkcs11-tool", "--module", modulePath(), "--token-label",
                                     token->label};
    if (!pin.empty()) argv.insert(argv.end(), {"--login", "--pin", pin});
    argv.insert(argv.end(), args.begin(), args.end());
    return runProcess(argv, env());
}

bool CareFixture::loginWorks(const std::string& pin) const {
    return pkcs11({"--list-objects", "--type", "privkey"}, pin).exit_code == 0;
}

std::string CareFixture::counters() const {
    if (!std::filesystem::exists(counterFile)) return "0 0";
    auto text = readFile(counterFile);
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
}

void CareFixture::wrongLogins(int n) const {
    for (int i = 0; i < n; ++i) pkcs11({"--list-objects"}, "000000");
}

}  // namespace certagent::testing
