#include "renewal_fixture.hpp"

#include <sqlite3.h>

#include <chrono>

namespace certagent::testing {

RenewalScene::RenewalScene(SceneOptions o) : options(o) {
    ca = std::make_unique<SandboxCa>(dir / "ca", SandboxCaOptions{.auto_approve = o.autoApprove,
                                                                  .auto_pay = o.autoPay});
    ca->start();
    token = &hsm.createToken("Titular", "123456");
    auto env = hsm.env();
    env.push_back("SCENE_PIN=123456");
    auto r = ca->enroll({"--module", SoftHsm::modulePath().string(), "--token-label", "Titular",
                         "--pin-env", "SCENE_PIN", "--days", std::to_string(o.days), "--key",
                         o.key, "--id", certId, "--label", "Semnatura", "--cn", "ION POPESCU"},
                        env);
    if (r.exit_code != 0) throw std::runtime_error("enroll failed: " + r.err);
    config = dir / "agent.toml";
    stateDir = dir / "state";
    writeFile(config, "[pkcs11]\nextra_modules = [\"" + SoftHsm::modulePath().string() +
                          "\"]\nuse_p11_kit = false\n[renewal]\nportal_url = \"" + ca->url() +
                          "\"\nca_bundle = \"" + ca->trustBundle().string() + "\"\n" +
                          o.extraConfig);
    idDocument = dir / "buletin.pdf";
    auto py = runProcess({"python3",
                          (sourceDir() / "tests/renewal-support/make_id_pdf.py").string(),
                          idDocument.string()});
    if (py.exit_code != 0) throw std::runtime_error("make_id_pdf: " + py.err);
    person_ = std::thread([this] { person(); });
}

RenewalScene::~RenewalScene() {
    stop_ = true;
    if (person_.joinable()) person_.join();
}

// The user and the operator, as a person would act on mails and pages.
void RenewalScene::person() {
    HttpsTestClient browser(ca->trustBundle());
    std::size_t confirmed = 0;
    while (!stop_) {
        try {
            auto mails = ca->mails("account-confirmation");
            if (mails.size() > confirmed) {
                ca->confirmAccount(browser);
                confirmed = mails.size();
            }
            if (options.personPays)
                for (const auto& t : caQuery("SELECT page_token FROM payments WHERE status IN "
                                             "('PENDING') ORDER BY created_at"))
                    ca->payByCard(browser, ca->url() + "portal/pay/" + t);
            if (options.operatorApproves)
                for (const auto& id :
                     caQuery("SELECT id FROM renewals WHERE state = 'IN_ASTEPTARE'"))
                    ca->approve(id);
        } catch (const std::exception&) {
            // the server may be down on purpose; try again
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

ProcessResult RenewalScene::cli(std::vector<std::string> args, std::vector<std::string> env,
                                int timeout_s) {
    std::vector<std::string> argv = {CERTAGENT_CLI, "--config", config.string(), "--state-dir",
                                     stateDir.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto e = hsm.env();
    e.push_back("HOME=" + dir.path().string());
    e.push_back("CERTAGENT_POLICY_FILE=" + (dir / "none.toml").string());
    e.push_back("LANG=C.UTF-8");
    e.push_back("CERTAGENT_RENEWAL_MAX_POLL_S=1");
    e.insert(e.end(), env.begin(), env.end());
    return runProcess(argv, e, {}, timeout_s);
}

ProcessResult RenewalScene::renew(std::vector<std::string> extra, std::vector<std::string> env,
                                  const std::string& pin, int timeout_s) {
    std::vector<std::string> args = {"renew",     "--token", token->serial, "--cert",
                                     certId,      "--years", "2",           "--id-document",
                                     idDocument.string(), "--pin-env", "RENEW_PIN", "--yes"};
    args.insert(args.end(), extra.begin(), extra.end());
    env.push_back("RENEW_PIN=" + pin);
    return cli(args, env, timeout_s);
}

std::vector<std::string> RenewalScene::caQuery(const std::string& sql) const {
    sqlite3* db = nullptr;
    std::vector<std::string> out;
    if (sqlite3_open_v2((ca->dir() / "state.sqlite").c_str(), &db, SQLITE_OPEN_READONLY,
                        nullptr) != SQLITE_OK) {
        sqlite3_close(db);
        return out;
    }
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK)
        while (sqlite3_step(st) == SQLITE_ROW) {
            auto* t = sqlite3_column_text(st, 0);
            out.emplace_back(t ? reinterpret_cast<const char*>(t) : "");
        }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

int RenewalScene::transitionsTo(const std::string& state) const {
    auto rows = caQuery("SELECT COUNT(*) FROM renewal_events WHERE to_state = '" + state + "'");
    return rows.empty() ? -1 : std::stoi(rows[0]);
}

int RenewalScene::issuedCertificates() const {
    auto rows = caQuery("SELECT COUNT(*) FROM certificates WHERE renewal_id IS NOT NULL");
    return rows.empty() ? -1 : std::stoi(rows[0]);
}

std::string RenewalScene::pkcs11Objects() {
    return hsm.pkcs11Tool(*token, {"--list-objects"}, true).out;
}

}  // namespace certagent::testing
