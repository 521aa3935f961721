// certagent-cli renew against the sandbox CA: the happy path for EC and RSA, a rejection, a
// wrong PIN, the CA unreachable then back, the token pulled then plugged back.
#include <gtest/gtest.h>

#include <future>
#include <nlohmann/json.hpp>

#include "renewal_fixture.hpp"

namespace certagent::testing {
namespace {

using namespace std::chrono_literals;

int count(const std::string& text, const std::string& what) {
    int n = 0;
    for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
    return n;
}

// What every success must leave: one issuance, the new chain verifying with OpenSSL, and the
// new key and certificate under one CKA_ID next to the old ones.
void expectRenewed(RenewalScene& s) {
    EXPECT_EQ(s.transitionsTo("EMISA"), 1);
    EXPECT_EQ(s.issuedCertificates(), 1);
    auto pem = s.caQuery("SELECT pem FROM certificates WHERE renewal_id IS NOT NULL");
    ASSERT_EQ(pem.size(), 1u);
    writeFile(s.dir / "new.pem", pem[0]);
    auto v = runProcess({"openssl", "verify", "-CAfile", s.ca->caChain().string(),
                         (s.dir / "new.pem").string()});
    EXPECT_EQ(v.exit_code, 0) << v.out << v.err;

    auto j = s.cli({"--json", "renewals"});
    ASSERT_EQ(j.exit_code, 0) << j.err;
    auto list = nlohmann::json::parse(j.out);
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0]["state"], "done");
    std::string newId = list[0]["candidate_key_id"];
    ASSERT_FALSE(newId.empty());

    auto objects = s.pkcs11Objects();
    EXPECT_EQ(count(objects, "Certificate Object"), 2) << objects;
    EXPECT_EQ(count(objects, "Private Key Object"), 2) << objects;
    EXPECT_GE(count(objects, "ID:         " + newId), 2) << objects;  // key + certificate
    EXPECT_GE(count(objects, "ID:         " + s.certId), 2) << objects;  // the old ones stay
}

TEST(RenewCli, RenewsAnEcCertificateAndInstallsItNextToTheOldOne) {
    RenewalScene s;
    auto r = s.renew();
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("installed successfully"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("[declaration]"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("123456"), std::string::npos);  // the PIN is never printed
    expectRenewed(s);
    auto again = s.renew();  // a new renewal of an already renewed certificate is refused
    EXPECT_NE(again.exit_code, 0);
    EXPECT_EQ(s.issuedCertificates(), 1);
}

TEST(RenewCli, RenewsAnRsaCertificate) {
    RenewalScene s({.key = "rsa2048"});
    auto r = s.renew();
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    expectRenewed(s);
    auto objects = s.pkcs11Objects();
    EXPECT_EQ(count(objects, "Public Key Object; RSA 2048"), 2) << objects;  // old and new
}

TEST(RenewCli, TheNewKeyIsOfATypeTheTokensProfileSupports) {
    // An EC certificate on a token whose plugin says it only makes RSA 2048 keys.
    RenewalScene s({.extraConfig = std::string("[plugins]\ndirs = [\"") +
                                   CERTAGENT_RSA_ONLY_PLUGIN_DIR + "\"]\n"});
    auto tokens = s.cli({"--json", "tokens"});
    ASSERT_EQ(tokens.exit_code, 0) << tokens.err;
    ASSERT_NE(tokens.out.find("test-rsa-only-token"), std::string::npos) << tokens.out;
    auto r = s.renew();
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    expectRenewed(s);
    auto objects = s.pkcs11Objects();
    EXPECT_EQ(count(objects, "Public Key Object; RSA 2048"), 1) << objects;  // the new key
    EXPECT_EQ(count(objects, "Public Key Object; EC"), 1) << objects;        // the old one
    auto j = nlohmann::json::parse(s.cli({"--json", "renewals"}).out);
    EXPECT_EQ(j[0]["key_type"], "rsa2048");
}

TEST(RenewCli, ARenewalWaitingForPaymentCanBeCancelledHereAndAtTheCa) {
    RenewalScene s({.autoPay = false});
    // Nobody pays: `renew` waits for the payment until it is stopped (here killed after 6 s).
    auto r = s.renew({}, {}, "123456", 6);
    ASSERT_NE(r.exit_code, 0) << r.out << r.err;
    auto list = nlohmann::json::parse(s.cli({"--json", "renewals"}).out);
    ASSERT_EQ(list.size(), 1u);
    ASSERT_EQ(list[0]["step"], "request") << list.dump();
    ASSERT_EQ(list[0]["phase"], "payment") << list.dump();
    std::string id = list[0]["id"];
    EXPECT_EQ(s.cli({"renew", "--cancel", "nosuchid"}).exit_code, 2);
    EXPECT_EQ(s.cli({"renew", "--cancel", id.substr(0, 8), "--token", "x"}).exit_code, 2);

    auto c = s.cli({"renew", "--cancel", id.substr(0, 8), "--pin-env", "SCENE_PIN"},
                   {"SCENE_PIN=123456"});
    ASSERT_EQ(c.exit_code, 0) << c.out << c.err;
    EXPECT_NE(c.out.find("cancelled"), std::string::npos) << c.out;
    list = nlohmann::json::parse(s.cli({"--json", "renewals"}).out);
    EXPECT_EQ(list[0]["state"], "cancelled");
    EXPECT_EQ(s.transitionsTo("ANULATA"), 1);  // the CA's request is cancelled too
    EXPECT_EQ(s.issuedCertificates(), 0);
    auto objects = s.pkcs11Objects();
    EXPECT_EQ(count(objects, "Private Key Object"), 1) << objects;  // only the old key

    // Cancelling again changes nothing and says so.
    auto again = s.cli({"renew", "--cancel", id, "--pin-env", "SCENE_PIN"}, {"SCENE_PIN=123456"});
    EXPECT_EQ(again.exit_code, 1) << again.out;
    EXPECT_EQ(s.transitionsTo("ANULATA"), 1);
}

TEST(RenewCli, ThePaymentPageOpensWithTheSessionsVariablesAndNeverThePinOrPassword) {
    RenewalScene s({.autoPay = false,
                    .extraConfig = "[timestamps]\npassword_env = \"SCENE_TSA_PASSWORD\"\n"});
    // The opener: a fake xdg-open first on PATH that records its environment and the URL.
    auto bin = s.dir / "fake-bin";
    std::filesystem::create_directories(bin);
    auto record = s.dir / "browser-env.txt";
    const std::string part = record.string() + ".part";
    writeFile(bin / "xdg-open", "#!/bin/sh\nenv > '" + part + "'\necho \"URL=$1\" >> '" + part +
                                    "'\nmv '" + part + "' '" + record.string() + "'\n");
    std::filesystem::permissions(bin / "xdg-open", std::filesystem::perms::owner_all);
    // Nobody pays: renew waits for the payment and is stopped after a few seconds.
    auto r = s.renew({},
                     {"PATH=" + bin.string() + ":/usr/sbin:/usr/bin:/sbin:/bin", "DISPLAY=:97",
                      "XDG_RUNTIME_DIR=/run/user/4242", "LC_TIME=ro_RO.UTF-8",
                      "SCENE_TSA_PASSWORD=tsa-parola", "SCENE_UNRELATED=agent-only"},
                     "123456", 10);
    ASSERT_TRUE(std::filesystem::exists(record)) << r.out << r.err;
    auto env = readFile(record);
    EXPECT_NE(env.find("URL=https://"), std::string::npos) << env;
    // The session's basic variables reach the browser...
    EXPECT_NE(env.find("DISPLAY=:97\n"), std::string::npos) << env;
    EXPECT_NE(env.find("XDG_RUNTIME_DIR=/run/user/4242\n"), std::string::npos) << env;
    EXPECT_NE(env.find("LC_TIME=ro_RO.UTF-8\n"), std::string::npos) << env;
    EXPECT_NE(env.find("HOME="), std::string::npos) << env;
    EXPECT_NE(env.find("LANG=C.UTF-8\n"), std::string::npos) << env;
    // ...and nothing else of the agent's: not the PIN, not the TSA password, not the rest.
    EXPECT_EQ(env.find("RENEW_PIN"), std::string::npos) << env;
    EXPECT_EQ(env.find("123456"), std::string::npos) << env;
    EXPECT_EQ(env.find("SCENE_TSA_PASSWORD"), std::string::npos) << env;
    EXPECT_EQ(env.find("tsa-parola"), std::string::npos) << env;
    EXPECT_EQ(env.find("SCENE_UNRELATED"), std::string::npos) << env;
    EXPECT_EQ(env.find("SOFTHSM2_CONF"), std::string::npos) << env;
}

TEST(RenewCli, ARejectionSaysWhyAndWhatToDoAndLeavesNoCandidateKey) {
    RenewalScene s({.autoApprove = false, .autoPay = true});
    auto running = std::async(std::launch::async, [&] { return s.renew(); });
    std::string id;
    for (int i = 0; i < 300 && id.empty(); ++i) {
        auto rows = s.caQuery("SELECT id FROM renewals WHERE state = 'IN_ASTEPTARE'");
        if (!rows.empty()) id = rows[0];
        std::this_thread::sleep_for(100ms);
    }
    ASSERT_FALSE(id.empty());
    s.ca->reject(id, "Actul de identitate nu este lizibil");
    auto r = running.get();
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("RESPINSA"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("Actul de identitate nu este lizibil"), std::string::npos) << r.err;
    EXPECT_NE(r.out.find("contact the certification authority"), std::string::npos) << r.out;
    EXPECT_EQ(count(s.pkcs11Objects(), "Private Key Object"), 1);
    EXPECT_EQ(s.issuedCertificates(), 0);
}

TEST(RenewCli, AWrongPinIsOneLoginAttemptAndAClearError) {
    RenewalScene s;
    auto r = s.renew({}, {}, "000000");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE((r.err + r.out).find("PIN"), std::string::npos) << r.err << r.out;
    EXPECT_NE(r.out.find("right PIN"), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find("000000"), std::string::npos);
    EXPECT_EQ(s.caQuery("SELECT id FROM renewals").size(), 0u);  // nothing sent to the CA
    auto tokens = nlohmann::json::parse(s.cli({"--json", "tokens"}).out);
    ASSERT_FALSE(tokens.empty());
    EXPECT_NE(tokens[0].value("pin_state", std::string("ok")), "locked");
    auto ok = s.renew();
    ASSERT_EQ(ok.exit_code, 0) << ok.err;
    expectRenewed(s);
}

TEST(RenewCli, WaitsOutAnUnreachableCaAndCompletesWhenItIsBack) {
    RenewalScene s;
    s.ca->stop();
    auto running = std::async(std::launch::async, [&] { return s.renew(); });
    std::this_thread::sleep_for(3s);
    s.ca->start();
    auto r = running.get();
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("cannot be reached"), std::string::npos) << r.err;
    expectRenewed(s);
}

TEST(RenewCli, APulledTokenStopsCleanlyAndTheRenewalResumesWhenItIsBack) {
    RenewalScene s;
    auto tokenDir = s.hsm.tokenDir(*s.token);
    auto away = s.dir / "token-away";
    // Pulled after the request exists: the CA side is half done.
    auto killed = s.renew({}, {"CERTAGENT_FAULT_AT=submit"});
    EXPECT_NE(killed.exit_code, 0);
    std::filesystem::rename(tokenDir, away);
    auto r = s.renew();
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.out.find("Plug the token in"), std::string::npos) << r.out << r.err;
    std::filesystem::rename(away, tokenDir);
    auto ok = s.renew();
    ASSERT_EQ(ok.exit_code, 0) << ok.err;
    expectRenewed(s);
    EXPECT_EQ(s.transitionsTo("PLATA_IN_ASTEPTARE"), 1);
}

}  // namespace
}  // namespace certagent::testing

namespace certagent::testing {
namespace {

// A one-page PDF drawing a 60x60 pixel grey image over size_pt x size_pt points.
std::string scanPdf(const std::string& size_pt) {
    const std::string content = "q " + size_pt + " 0 0 " + size_pt + " 40 400 cm /Im0 Do Q";
    const std::vector<std::string> objects = {
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 4 "
        "0 R >> >> /Contents 5 0 R >>",
        "<< /Type /XObject /Subtype /Image /Width 60 /Height 60 /ColorSpace /DeviceGray "
        "/BitsPerComponent 8 /Length 3600 >>\nstream\n" + std::string(3600, '\x80') +
            "\nendstream",
        "<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content + "\nendstream",
    };
    std::string pdf = "%PDF-1.4\n";
    std::vector<size_t> offsets;
    for (size_t i = 0; i < objects.size(); ++i) {
        offsets.push_back(pdf.size());
        pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
    }
    const size_t xref = pdf.size();
    pdf += "xref\n0 6\n0000000000 65535 f \n";
    for (auto off : offsets) {
        char line[32];
        std::snprintf(line, sizeof line, "%010zu 00000 n \n", off);
        pdf += line;
    }
    return pdf + "trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) +
           "\n%%EOF\n";
}

// A scan below 300 dpi (beyond 1% rounding) is refused before it is uploaded: the CA never
// receives it, and the user is told to scan again. Before, the agent warned and uploaded it.
TEST(RenewCli, ALowResolutionIdentityScanIsRefusedBeforeUpload) {
    RenewalScene s;
    writeFile(s.idDocument, scanPdf("20"));  // 60 px over 20 pt: 216 dpi
    auto r = s.renew();
    EXPECT_NE(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE((r.out + r.err).find("scanned at 216 dpi"), std::string::npos) << r.out << r.err;
    EXPECT_NE((r.out + r.err).find("Scan it again at 300 dpi"), std::string::npos) << r.err;
    // Not uploaded: no warning-and-upload, and no refusal from the CA (which has the same rule).
    EXPECT_EQ((r.out + r.err).find("Warning:"), std::string::npos) << r.err;
    EXPECT_EQ((r.out + r.err).find("IDENTITY_SCAN_RESOLUTION_TOO_LOW"), std::string::npos) << r.err;
    EXPECT_TRUE(s.caQuery("SELECT id FROM renewals WHERE identity_pdf IS NOT NULL").empty());
}

}  // namespace
}  // namespace certagent::testing
