// certagent-cli sign with a key on a real (SoftHSM2) token, checked by pdfsig and verifyPdf.
#include <gtest/gtest.h>

#include "certagent/core/pdf/simple_pdf.hpp"
#include "certagent/core/pdf/verify.hpp"
#include "softhsm.hpp"
#include "temp_dir.hpp"

using namespace certagent;
using certagent::testing::runProcess;
using certagent::testing::TempDir;
using certagent::testing::writeFile;

namespace {

struct SignFixture : ::testing::Test {
    TempDir dir{"certagent-sign"};
    certagent::testing::SoftHsm hsm;
    certagent::testing::SoftHsmToken* token = nullptr;
    std::filesystem::path config = dir / "agent.toml";
    std::filesystem::path input = dir / "contract.pdf";

    void SetUp() override {
        token = &hsm.createToken("Semnatura", "246810");
        certagent::testing::TestCertSpec spec;
        spec.commonName = "Ion Popescu";
        spec.idHex = "a1";
        spec.qualified = true;
        hsm.addCertificate(*token, spec);
        writeFile(config, "[pkcs11]\nextra_modules = [\"" + hsm.modulePath().string() +
                              "\"]\nuse_p11_kit = false\n[renewal]\nca_bundle = \"" +
                              hsm.caCertFile().string() + "\"\n");
        pdf::makeSimplePdf(input, {"Contract", {"Părțile semnează acest contract."}});
    }

    certagent::testing::ProcessResult sign(std::vector<std::string> extra, const std::string& pin) {
        std::vector<std::string> args = {CERTAGENT_CLI, "--config", config.string(), "sign",
                                         input.string(), "--token", token->serial};
        args.insert(args.end(), extra.begin(), extra.end());
        auto env = hsm.env();
        env.push_back("HOME=" + dir.path().string());
        env.push_back("XDG_STATE_HOME=" + (dir / "state").string());
        env.push_back("CERTAGENT_POLICY_FILE=" + (dir / "none.toml").string());
        env.push_back("TEST_PIN=" + pin);
        env.push_back("LANG=C.UTF-8");
        return runProcess(args, env, {}, 60);
    }
};

}  // namespace

TEST_F(SignFixture, SignsWithTheTokenKeyAndPdfsigAndVerifyAccept) {
    auto out = dir / "signed.pdf";
    auto r = sign({"--cert", "a1", "--pin-env", "TEST_PIN", "-o", out.string()}, "246810");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("Signed: " + out.string()), std::string::npos);
    auto reports = pdf::verifyPdf(out, hsm.caCertFile());
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].status, pdf::SignatureStatus::Valid) << reports[0].message;
    EXPECT_TRUE(reports[0].qualified);
    EXPECT_NE(reports[0].signer_subject.find("Ion Popescu"), std::string::npos);
    auto pdfsig = runProcess({"pdfsig", out.string()});
    EXPECT_NE(pdfsig.out.find("ETSI.CAdES.detached"), std::string::npos) << pdfsig.out;
    EXPECT_NE(pdfsig.out.find("Signature is Valid"), std::string::npos) << pdfsig.out;
}

TEST_F(SignFixture, WrongPinFailsClearlyAndWritesNothing) {
    auto out = dir / "signed.pdf";
    auto r = sign({"--cert", "a1", "--pin-env", "TEST_PIN", "-o", out.string()}, "000000");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("Wrong PIN"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(out));
}

TEST_F(SignFixture, UnknownCertificateIsReportedBeforeAnyLogin) {
    auto r = sign({"--cert", "ff", "--pin-env", "UNSET_VARIABLE"}, "246810");
    EXPECT_EQ(r.exit_code, 1);
    // The id is checked first: the missing PIN variable is never consulted.
    EXPECT_NE(r.err.find("no certificate with id ff on token"), std::string::npos) << r.err;
}

TEST_F(SignFixture, APinOnTheCommandLineIsRefused) {
    auto r = sign({"--cert", "a1", "--pin", "246810"}, "246810");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("unknown option --pin"), std::string::npos);
}
