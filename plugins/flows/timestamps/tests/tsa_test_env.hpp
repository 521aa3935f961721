#pragma once
// Shared set-up for the timestamps plugin's integration tests: a sandbox CA with its TSA (faults
// on), an account with TSA credentials, and an agent config pointing at it.
#include "sandbox_ca/sandbox_ca.hpp"
#include "temp_dir.hpp"

#include <cstdlib>
#include <fstream>
#include <string>

namespace certagent::testing {

inline constexpr const char* kTsaPasswordEnv = "CERTAGENT_TEST_TSA_PASSWORD";

struct TsaTestEnv {
    TempDir tmp{"certagent-tsa"};
    SandboxCa ca{tmp / "ca", {.tsa_faults = true}};
    SandboxTsaAccount account;
    std::filesystem::path config = tmp / "agent.toml";
    std::filesystem::path state = tmp / "state";

    explicit TsaTestEnv(const std::string& holder_id = "PNORO-TSA-1", long long quota = -1,
                        long long low_quota = 10) {
        ca.start();
        account = ca.tsaAccount(holder_id, quota);
        setenv(kTsaPasswordEnv, account.password.c_str(), 1);
        writeConfig(low_quota);
    }
    void writeConfig(long long low_quota, const std::string& extra = {}) {
        writeFile(config, "[timestamps]\nurl = \"" + ca.tsaUrl() + "\"\nca_bundle = \"" +
                              ca.tsaTrust().string() + "\"\nusername = \"" + account.username +
                              "\"\npassword_env = \"" + kTsaPasswordEnv +
                              "\"\nlow_quota = " + std::to_string(low_quota) + "\n" + extra +
                              "[renewal]\nportal_url = \"" + ca.url() + "\"\nca_bundle = \"" +
                              ca.trustBundle().string() + "\"\n");
    }
};

}  // namespace certagent::testing
