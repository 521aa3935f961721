#pragma once
// One SoftHSM2 token and certagent-cli pointed at it, either directly or through the
// PIN-counting module (tests/fixtures/pin_counter), with or without a plugin holding a vendor's
// PIN rules. Everything runs as a user would: the real binary, PINs in named environment
// variables, results checked with OpenSC's pkcs11-tool.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "softhsm.hpp"
#include "temp_dir.hpp"

namespace certagent::testing {

struct CareOptions {
    bool countingModule = false;  // wrong PINs are counted and block after `tries`
    bool strictPlugin = false;    // PIN 6..8 characters, "SO PIN" (test-strict-pin-token)
    int tries = 3;
    std::string pin = "123456";
    std::string soPin = "12345678";
};

struct CareFixture {
    explicit CareFixture(CareOptions options = {});

    TempDir dir{"certagent-care"};
    SoftHsm hsm;
    CareOptions options;
    SoftHsmToken* token = nullptr;
    std::filesystem::path config;
    std::filesystem::path counterFile;

    std::string modulePath() const;  // the module certagent and pkcs11-tool load
    std::vector<std::string> env(std::vector<std::string> extra = {}) const;
    ProcessResult cli(std::vector<std::string> args, std::vector<std::string> extra = {}) const;
    nlohmann::json cliJson(std::vector<std::string> args) const;
    nlohmann::json tokenJson() const;  // this token's entry in `tokens --json`
    // pkcs11-tool on this token through modulePath(); login with `pin` when not empty.
    ProcessResult pkcs11(std::vector<std::string> args, const std::string& pin = {}) const;
    bool loginWorks(const std::string& pin) const;
    std::string counters() const;  // "<user fails> <so fails>" (counting module)
    void wrongLogins(int n) const;  // n wrong user PINs through pkcs11-tool
};

}  // namespace certagent::testing
