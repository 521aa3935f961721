// Signing with a key that never leaves a SoftHSM2 token: libp11 hands us an EVP_PKEY whose
// private operations are PKCS#11 calls (RSA: CKM_RSA_PKCS, EC: CKM_ECDSA over our SHA-256).
#include "pdf_test_pki.hpp"

#include "lab.hpp"

#include <certagent/core/pdf/sign.hpp>
#include <certagent/core/pdf/simple_pdf.hpp>
#include <certagent/core/pdf/verify.hpp>

#include <gtest/gtest.h>
#include <libp11.h>

#include <chrono>
#include <cstdlib>
#include <iostream>

namespace certagent::pdf {
namespace {

namespace fs = std::filesystem;
using certagent::testing::TempDir;
using certagent::testing::writeFile;
using testing::mustRun;
using testing::TestPki;

constexpr const char* kModule = "/usr/lib/softhsm/libsofthsm2.so";

class PdfSoftHsmTest : public ::testing::TestWithParam<std::string> {
  protected:
    void SetUp() override {
        if (!fs::exists(kModule)) CERTAGENT_NEED_LAB("the package softhsm2 is not installed");
        const auto conf = dir_ / "softhsm2.conf";
        fs::create_directories(dir_ / "tokens");
        writeFile(conf, "directories.tokendir = " + (dir_ / "tokens").string() +
                            "\nobjectstore.backend = file\n");
        env_ = {"SOFTHSM2_CONF=" + conf.string()};
        // The module reads SOFTHSM2_CONF when it is loaded in this process, too.
        setenv("SOFTHSM2_CONF", conf.c_str(), 1);
        mustRun({"softhsm2-util", "--init-token", "--free", "--label", "L", "--pin", "1234",
                 "--so-pin", "5678"},
                env_);
        // The key is generated on the token; a PIN on a test command line is fine.
        mustRun({"pkcs11-tool", "--module", kModule, "--token-label", "L", "--login", "--pin",
                 "1234", "--keypairgen", "--key-type", GetParam(), "--id", "01", "--label", "K"},
                env_);
        pki_ = std::make_unique<TestPki>(dir_.path());
        makeSimplePdf(input_, {"Declarație", {"Semnat cu cheia de pe token: ăâîșț"}});

        ctx_ = PKCS11_CTX_new();
        ASSERT_EQ(PKCS11_CTX_load(ctx_, kModule), 0);
        ASSERT_EQ(PKCS11_enumerate_slots(ctx_, &slots_, &nslots_), 0);
        PKCS11_SLOT* slot = PKCS11_find_token(ctx_, slots_, nslots_);
        ASSERT_NE(slot, nullptr);
        ASSERT_EQ(PKCS11_open_session(slot, 0), 0);
        ASSERT_EQ(PKCS11_login(slot, 0, "1234"), 0);
        PKCS11_KEY* keys = nullptr;
        unsigned int nkeys = 0;
        ASSERT_EQ(PKCS11_enumerate_keys(slot->token, &keys, &nkeys), 0);
        ASSERT_GE(nkeys, 1u);
        key_.reset(PKCS11_get_private_key(&keys[0]));
        ASSERT_TRUE(key_);
        EvpPkeyPtr pub(PKCS11_get_public_key(&keys[0]));
        ASSERT_TRUE(pub);
        cert_ = pki_->issueForPublicKey(pub.get(), "Ion Popescu token " + GetParam());
    }

    void TearDown() override {
        key_.reset();  // before the module is unloaded
        if (slots_) PKCS11_release_all_slots(ctx_, slots_, nslots_);
        if (ctx_) {
            PKCS11_CTX_unload(ctx_);
            PKCS11_CTX_free(ctx_);
        }
        unsetenv("SOFTHSM2_CONF");
    }

    TempDir dir_{"certagent-pdf-hsm"};
    std::vector<std::string> env_;
    std::unique_ptr<TestPki> pki_;
    fs::path input_ = dir_ / "in.pdf";
    fs::path output_ = dir_ / "signed.pdf";
    PKCS11_CTX* ctx_ = nullptr;
    PKCS11_SLOT* slots_ = nullptr;
    unsigned int nslots_ = 0;
    EvpPkeyPtr key_;
    X509Ptr cert_;
};

TEST_P(PdfSoftHsmTest, TokenKeySignsAPdfThatPdfsigAndOpensslAccept) {
    KeySigner signer(key_.get(), cert_.get());
    const auto start = std::chrono::steady_clock::now();
    signPdf(input_, output_, signer);
    const auto ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start);
    std::cout << "signPdf with a SoftHSM " << GetParam() << " key: " << ms.count() << " ms\n";
    RecordProperty("sign_ms", std::to_string(ms.count()));

    const auto out = pki_->pdfsig(output_);
    EXPECT_NE(out.find("Signature Type: ETSI.CAdES.detached"), std::string::npos) << out;
    EXPECT_NE(out.find("Signature Validation: Signature is Valid."), std::string::npos) << out;
    EXPECT_NE(out.find("Certificate Validation: Certificate is Trusted."), std::string::npos)
        << out;
    EXPECT_TRUE(pki_->opensslVerifies(output_));
    auto reports = verifyPdf(output_, pki_->rootPem());
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].status, SignatureStatus::Valid) << reports[0].message;
    EXPECT_FALSE(reports[0].qualified);
}

INSTANTIATE_TEST_SUITE_P(Keys, PdfSoftHsmTest,
                         ::testing::Values(std::string("rsa:2048"), std::string("EC:prime256v1")),
                         [](const auto& param_info) {
                             return param_info.param.rfind("rsa", 0) == 0 ? std::string("Rsa2048")
                                                                          : std::string("EcP256");
                         });

}  // namespace
}  // namespace certagent::pdf
