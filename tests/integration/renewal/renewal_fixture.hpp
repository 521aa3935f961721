#pragma once
// One renewal scene: a sandbox CA, a SoftHSM2 token with a first certificate enrolled by it,
// a config pointing certagent at both, and a background "person" who clicks the account
// e-mail link, pays on the payment page and (as the operator) approves, when asked to.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "sandbox_ca/sandbox_ca.hpp"
#include "softhsm.hpp"
#include "temp_dir.hpp"

namespace certagent::testing {

struct SceneOptions {
    bool autoApprove = true;
    bool autoPay = true;
    std::string key = "ec256";  // ec256 | rsa2048
    int days = 12;
    bool personPays = false;      // pays each open payment through the payment page
    bool operatorApproves = false;  // approves each paid request
    std::string extraConfig;        // appended to agent.toml
};

class RenewalScene {
public:
    explicit RenewalScene(SceneOptions options = {});
    ~RenewalScene();

    // timeout_s: the process is killed (SIGKILL) after that long.
    ProcessResult renew(std::vector<std::string> extra = {}, std::vector<std::string> env = {},
                        const std::string& pin = "123456", int timeout_s = 90);
    ProcessResult cli(std::vector<std::string> args, std::vector<std::string> env = {},
                      int timeout_s = 90);
    // Rows of the CA's database (state.sqlite), first column of each row as text.
    std::vector<std::string> caQuery(const std::string& sql) const;
    // How often the CA's request moved into `state` (its renewal_events journal).
    int transitionsTo(const std::string& state) const;
    int issuedCertificates() const;  // certificates with a renewal_id
    std::string pkcs11Objects();     // pkcs11-tool --list-objects --login

    TempDir dir{"certagent-renewal"};
    SoftHsm hsm;
    SoftHsmToken* token = nullptr;
    std::unique_ptr<SandboxCa> ca;
    std::string certId = "a1";
    std::filesystem::path config, stateDir, idDocument;
    SceneOptions options;

private:
    void person();
    std::atomic<bool> stop_{false};
    std::thread person_;
};

}  // namespace certagent::testing
