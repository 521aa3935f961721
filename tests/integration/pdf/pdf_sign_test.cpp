// PAdES signing checked by outside verifiers: poppler's pdfsig (with NSS) and openssl cms.
#include "pdf_test_pki.hpp"

#include <certagent/core/error.hpp>
#include <certagent/core/pdf/sign.hpp>
#include <certagent/core/pdf/simple_pdf.hpp>
#include <certagent/core/pdf/verify.hpp>

#include <gtest/gtest.h>

#include <fstream>

namespace certagent::pdf {
namespace {

namespace fs = std::filesystem;
using certagent::testing::readFile;
using certagent::testing::TempDir;
using certagent::testing::writeFile;
using testing::loadCert;
using testing::loadKey;
using testing::TestPki;

class PdfSignTest : public ::testing::Test {
  protected:
    void SetUp() override {
        pki_ = std::make_unique<TestPki>(dir_.path());
        makeSimplePdf(input_,
                      {"Declarație",
                       {"Subsemnatul declar pe propria răspundere.", "Semnătură: ăâîșț ĂÂÎȘȚ"}});
    }

    KeySigner signerFor(const std::string& name, const std::string& key_spec) {
        auto base = pki_->issueSigner(name, key_spec);
        auto key = loadKey(fs::path(base) += ".key");
        auto cert = loadCert(fs::path(base) += ".pem");
        auto root = loadCert(pki_->rootPem());
        X509StackPtr chain(sk_X509_new_null());
        sk_X509_push(chain.get(), root.release());
        return KeySigner(key.get(), cert.get(), chain.get());
    }

    TempDir dir_{"certagent-pdf"};
    std::unique_ptr<TestPki> pki_;
    fs::path input_ = dir_ / "in.pdf";
    fs::path output_ = dir_ / "signed.pdf";
};

void expectPdfsigValid(const std::string& out, const std::string& pdf_name) {
    EXPECT_NE(out.find("Signature Type: ETSI.CAdES.detached"), std::string::npos) << out;
    EXPECT_NE(out.find("Signature Validation: Signature is Valid."), std::string::npos) << out;
    EXPECT_NE(out.find("Certificate Validation: Certificate is Trusted."), std::string::npos)
        << pdf_name << "\n"
        << out;
}

TEST_F(PdfSignTest, RsaSignatureIsValidForPdfsigOpensslAndVerifyPdf) {
    auto signer = signerFor("rsa", "rsa:2048");
    SignOptions options;
    options.reason = "Cerere de reînnoire";
    options.location = "București";
    signPdf(input_, output_, signer, options);

    expectPdfsigValid(pki_->pdfsig(output_), "rsa");
    EXPECT_TRUE(pki_->opensslVerifies(output_));

    // The original bytes are kept: the signature is an incremental update.
    const auto original = readFile(input_);
    EXPECT_EQ(readFile(output_).substr(0, original.size()), original);

    auto reports = verifyPdf(output_, pki_->rootPem());
    ASSERT_EQ(reports.size(), 1u);
    const auto& r = reports[0];
    EXPECT_EQ(r.status, SignatureStatus::Valid) << r.message;
    EXPECT_TRUE(r.byte_range_ok);
    EXPECT_TRUE(r.covers_whole_file);
    EXPECT_TRUE(r.cms_valid);
    EXPECT_TRUE(r.chain_trusted) << r.chain_message;
    EXPECT_EQ(r.sub_filter, "ETSI.CAdES.detached");
    EXPECT_EQ(r.field_name, "Signature1");
    EXPECT_EQ(r.reason, "Cerere de reînnoire");
    EXPECT_EQ(r.location, "București");
    EXPECT_FALSE(r.claimed_time.empty());
    EXPECT_TRUE(r.signing_certificate_v2_present);
    EXPECT_TRUE(r.signing_certificate_v2_matches);
    EXPECT_FALSE(r.signing_time_attribute_present);
    EXPECT_FALSE(r.timestamp_present);
    EXPECT_TRUE(r.qualified);
    EXPECT_EQ(r.digest_algorithm, "SHA256");
    EXPECT_NE(r.signer_subject.find("CN=Ion Popescu rsa"), std::string::npos) << r.signer_subject;
    EXPECT_NE(r.signer_issuer.find("certagent Test Root CA"), std::string::npos);
    EXPECT_FALSE(r.signer_serial_hex.empty());
}

TEST_F(PdfSignTest, EcP256SignatureIsValidForPdfsigAndOpenssl) {
    auto signer = signerFor("ec", "ec:P-256");
    signPdf(input_, output_, signer);
    expectPdfsigValid(pki_->pdfsig(output_), "ec");
    EXPECT_TRUE(pki_->opensslVerifies(output_));
    auto reports = verifyPdf(output_, pki_->rootPem());
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].status, SignatureStatus::Valid) << reports[0].message;
}

TEST_F(PdfSignTest, TimestampedSignatureCarriesAVerifiableTimestamp) {
    auto signer = signerFor("bt", "rsa:2048");
    SignOptions options;
    options.timestamper = [&](std::span<const uint8_t> value) { return pki_->timestamp(value); };
    signPdf(input_, output_, signer, options);

    const auto out = pki_->pdfsig(output_);
    expectPdfsigValid(out, "bt");
    EXPECT_TRUE(pki_->opensslVerifies(output_));
    auto reports = verifyPdf(output_, pki_->rootPem());
    ASSERT_EQ(reports.size(), 1u);
    const auto& r = reports[0];
    EXPECT_EQ(r.status, SignatureStatus::Valid) << r.message;
    EXPECT_TRUE(r.timestamp_present);
    EXPECT_TRUE(r.timestamp_valid) << r.timestamp_message;
    EXPECT_TRUE(r.timestamp_trusted) << r.timestamp_message;
    EXPECT_EQ(r.timestamp_time.size(), 20u) << r.timestamp_time;

    // Against other anchors the timestamp is intact but not trusted.
    X509StorePtr empty(X509_STORE_new());
    auto untrusted = verifyPdf(output_, empty.get());
    EXPECT_EQ(untrusted[0].status, SignatureStatus::Untrusted);
    EXPECT_TRUE(untrusted[0].timestamp_valid);
    EXPECT_FALSE(untrusted[0].timestamp_trusted);
}

TEST_F(PdfSignTest, VisibleSignatureIsValid) {
    auto signer = signerFor("vis", "ec:P-256");
    SignOptions options;
    options.visible = VisibleSignature{};
    signPdf(input_, output_, signer, options);
    expectPdfsigValid(pki_->pdfsig(output_), "visible");
    auto r = certagent::testing::runProcess({"pdftotext", output_.string(), "-"});
    EXPECT_NE(r.out.find("Semnat digital de Ion Popescu vis"), std::string::npos) << r.out;
}

TEST_F(PdfSignTest, SecondSignatureKeepsTheFirstValid) {
    auto first = signerFor("first", "rsa:2048");
    auto second = signerFor("second", "ec:P-256");
    signPdf(input_, output_, first);
    const fs::path twice = dir_ / "twice.pdf";
    signPdf(output_, twice, second);

    auto reports = verifyPdf(twice, pki_->rootPem());
    ASSERT_EQ(reports.size(), 2u);
    EXPECT_EQ(reports[0].status, SignatureStatus::Valid) << reports[0].message;
    EXPECT_FALSE(reports[0].covers_whole_file);
    EXPECT_EQ(reports[0].revisions_after, 1);
    EXPECT_EQ(reports[0].field_name, "Signature1");
    EXPECT_EQ(reports[1].status, SignatureStatus::Valid) << reports[1].message;
    EXPECT_TRUE(reports[1].covers_whole_file);
    EXPECT_EQ(reports[1].field_name, "Signature2");
    EXPECT_TRUE(pki_->opensslVerifies(twice, 0));
    EXPECT_TRUE(pki_->opensslVerifies(twice, 1));

    const auto out = pki_->pdfsig(twice);
    EXPECT_NE(out.find("Signature #2"), std::string::npos) << out;
    size_t valid = 0;
    for (size_t p = out.find("Signature is Valid."); p != std::string::npos;
         p = out.find("Signature is Valid.", p + 1))
        ++valid;
    EXPECT_EQ(valid, 2u) << out;
}

TEST_F(PdfSignTest, TamperedFileIsReportedModified) {
    auto signer = signerFor("tamper", "rsa:2048");
    signPdf(input_, output_, signer);
    std::string data = readFile(output_);
    const auto pos = data.find("certagent");  // the Producer, inside the signed range
    ASSERT_NE(pos, std::string::npos);
    data[pos] = 'C';
    const fs::path tampered = dir_ / "tampered.pdf";
    writeFile(tampered, data);

    auto reports = verifyPdf(tampered, pki_->rootPem());
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].status, SignatureStatus::Modified);
    EXPECT_FALSE(reports[0].cms_valid);
    EXPECT_FALSE(pki_->opensslVerifies(tampered));
    const auto out = pki_->pdfsig(tampered);
    EXPECT_EQ(out.find("Signature is Valid."), std::string::npos) << out;
}

TEST_F(PdfSignTest, AppendedBytesAreReportedAsNotCoveringTheFile) {
    auto signer = signerFor("append", "rsa:2048");
    signPdf(input_, output_, signer);
    std::string data = readFile(output_) + "\n1 0 obj\n(added later)\nendobj\n%%EOF\n";
    writeFile(output_, data);
    auto reports = verifyPdf(output_, pki_->rootPem());
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_TRUE(reports[0].cms_valid);
    EXPECT_FALSE(reports[0].covers_whole_file);
    EXPECT_EQ(reports[0].revisions_after, 1);
}

TEST_F(PdfSignTest, CmsLargerThanTheReservedSpaceFailsClearlyAndWritesNothing) {
    auto signer = signerFor("big", "rsa:4096");
    SignOptions options;
    options.reserved_bytes = 2048;
    try {
        signPdf(input_, output_, signer, options);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::InvalidInput);
        EXPECT_NE(std::string(e.what()).find("does not fit"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(output_));
    EXPECT_TRUE(fs::is_empty(dir_.path()) || !fs::exists(fs::path(output_) += ".certagent-part"));
}

TEST_F(PdfSignTest, NonPdfAndTruncatedPdfAreInvalidInput) {
    auto signer = signerFor("bad", "ec:P-256");
    const fs::path text = dir_ / "note.pdf";
    writeFile(text, "this is not a PDF\n");
    const fs::path truncated = dir_ / "truncated.pdf";
    signPdf(input_, output_, signer);
    const auto full = readFile(output_);
    writeFile(truncated, full.substr(0, full.size() / 2));

    for (const auto& bad : {text, truncated}) {
        try {
            signPdf(bad, dir_ / "out.pdf", signer);
            ADD_FAILURE() << "signPdf accepted " << bad;
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::InvalidInput) << e.what();
            EXPECT_NE(std::string(e.what()).find(bad.string()), std::string::npos) << e.what();
        }
        try {
            verifyPdf(bad, pki_->rootPem());
            ADD_FAILURE() << "verifyPdf accepted " << bad;
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::InvalidInput) << e.what();
        }
    }
    EXPECT_FALSE(fs::exists(dir_ / "out.pdf"));
}

}  // namespace
}  // namespace certagent::pdf
