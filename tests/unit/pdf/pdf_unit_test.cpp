// In-process checks, no outside tools: the PDF writer, inspectPdf, the CAdES structure, and
// verifyPdf on keys and certificates made in memory.
#include <certagent/core/error.hpp>
#include <certagent/core/pdf/cades.hpp>
#include <certagent/core/pdf/inspect.hpp>
#include <certagent/core/pdf/sign.hpp>
#include <certagent/core/pdf/simple_pdf.hpp>
#include <certagent/core/pdf/verify.hpp>
#include <temp_dir.hpp>

#include <gtest/gtest.h>
#include <openssl/x509v3.h>
#include <podofo/podofo.h>

namespace certagent::pdf {
namespace {

namespace fs = std::filesystem;
using certagent::testing::readFile;
using certagent::testing::TempDir;
using certagent::testing::writeFile;

// A self-signed EC P-256 certificate made in memory.
struct SelfSigned {
    EvpPkeyPtr key{EVP_EC_gen("P-256")};
    X509Ptr cert{X509_new()};
    SelfSigned() {
        X509_set_version(cert.get(), 2);
        ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 42);
        X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
        X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
        X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>("Ștefan Țărână"), -1, -1,
                                   0);
        X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
        X509_set_pubkey(cert.get(), key.get());
        X509_sign(cert.get(), key.get(), EVP_sha256());
    }
};

class PdfUnitTest : public ::testing::Test {
  protected:
    void SetUp() override { makeSimplePdf(input_, {"Declarație", {"Text cu diacritice: ăâîșț"}}); }
    TempDir dir_{"certagent-pdf-unit"};
    fs::path input_ = dir_ / "in.pdf";
};

template <typename F>
ErrorKind errorKindOf(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.kind();
    }
    return ErrorKind::Internal;
}

TEST_F(PdfUnitTest, SimplePdfWrapsLongTextOntoMorePages) {
    SimplePdf doc;
    doc.title = "Declarație";
    for (int i = 0; i < 120; ++i)
        doc.lines.push_back("Paragraful " + std::to_string(i) +
                            " are destul text ca să se rupă pe două rânduri în pagina A4, "
                            "cu diacritice ă â î ș ț Ă Â Î Ș Ț.");
    const fs::path out = dir_ / "long.pdf";
    makeSimplePdf(out, doc);
    auto info = inspectPdf(out);
    EXPECT_GE(info.page_count, 4);
    EXPECT_TRUE(info.images.empty());
    EXPECT_FALSE(info.encrypted);
}

TEST_F(PdfUnitTest, InspectReportsPagesAndEffectiveImageDpi) {
    const fs::path out = dir_ / "scan.pdf";
    {
        PoDoFo::PdfMemDocument doc;
        PoDoFo::PdfPainter painter;
        painter.SetPage(
            doc.CreatePage(PoDoFo::PdfPage::CreateStandardPageSize(PoDoFo::ePdfPageSize_A4)));
        auto addImage = [&](unsigned w, unsigned h, double x, double y, double inches) {
            std::string pixels(static_cast<size_t>(w) * h * 3, '\x80');
            PoDoFo::PdfMemoryInputStream stream(pixels.data(),
                                                static_cast<PoDoFo::pdf_long>(pixels.size()));
            PoDoFo::PdfImage image(&doc);
            image.SetImageData(w, h, 8, &stream);
            painter.DrawImage(x, y, &image, inches * 72.0 / w, inches * 72.0 / h);
        };
        addImage(150, 150, 50, 50, 1.0);   // 150 dpi: too low for an identity document
        addImage(600, 300, 50, 300, 2.0);  // 300 x 150 dpi
        painter.FinishPage();
        doc.CreatePage(PoDoFo::PdfPage::CreateStandardPageSize(PoDoFo::ePdfPageSize_A4));
        doc.Write(out.c_str());
    }
    auto info = inspectPdf(out);
    EXPECT_EQ(info.page_count, 2);
    EXPECT_EQ(info.file_size, fs::file_size(out));
    ASSERT_EQ(info.images.size(), 2u);
    EXPECT_EQ(info.images[0].width_px, 150);
    EXPECT_NEAR(info.images[0].dpi(), 150, 0.5);
    EXPECT_NEAR(info.images[1].dpi_x, 300, 0.5);
    EXPECT_NEAR(info.images[1].dpi_y, 150, 0.5);
    EXPECT_NEAR(info.minImageDpi(), 150, 0.5);
}

TEST_F(PdfUnitTest, NotAPdfTruncatedAndGarbageAreInvalidInputNamingTheFile) {
    const fs::path text = dir_ / "text.pdf";
    writeFile(text, "hello\n");
    const fs::path truncated = dir_ / "truncated.pdf";
    const auto full = readFile(input_);
    writeFile(truncated, full.substr(0, full.size() - 200));
    const fs::path garbage = dir_ / "garbage.pdf";
    writeFile(garbage, "%PDF-1.7\n" + std::string(5000, 'x') + "\n%%EOF\n");
    for (const auto& bad : {text, truncated, garbage}) {
        try {
            inspectPdf(bad);
            ADD_FAILURE() << bad;
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::InvalidInput) << e.what();
            EXPECT_NE(std::string(e.what()).find(bad.filename().string()), std::string::npos);
        }
    }
    EXPECT_EQ(errorKindOf([&] { inspectPdf(dir_ / "missing.pdf"); }), ErrorKind::Io);
}

TEST_F(PdfUnitTest, UnsignedPdfHasNoSignatureToVerify) {
    EXPECT_EQ(errorKindOf([&] { verifyPdf(input_, static_cast<X509_STORE*>(nullptr)); }),
              ErrorKind::InvalidInput);
}

TEST_F(PdfUnitTest, CadesHasSigningCertificateV2AndNoSigningTime) {
    SelfSigned id;
    KeySigner signer(id.key.get(), id.cert.get());
    std::vector<uint8_t> digest(32, 0xAB);
    auto der = buildCadesDetached(signer, digest);
    const unsigned char* p = der.data();
    CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
    ASSERT_TRUE(cms);
    ASSERT_NE(CMS_get0_content(cms.get()), nullptr);
    EXPECT_EQ(*CMS_get0_content(cms.get()), nullptr);  // detached: no eContent
    auto* si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms.get()), 0);
    EXPECT_GE(CMS_signed_get_attr_by_NID(si, NID_id_smime_aa_signingCertificateV2, -1), 0);
    EXPECT_GE(CMS_signed_get_attr_by_NID(si, NID_pkcs9_messageDigest, -1), 0);
    EXPECT_GE(CMS_signed_get_attr_by_NID(si, NID_pkcs9_contentType, -1), 0);
    EXPECT_LT(CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1), 0);
    ASSERT_EQ(CMS_set1_signers_certs(cms.get(), nullptr, 0), 1);
    EXPECT_EQ(CMS_SignerInfo_verify(si), 1);  // signature over the signed attributes
}

TEST_F(PdfUnitTest, TimestamperSeesTheSignatureValueAndBadTokensAreRefused) {
    SelfSigned id;
    KeySigner signer(id.key.get(), id.cert.get());
    std::vector<uint8_t> seen;
    Timestamper garbage = [&](std::span<const uint8_t> value) {
        seen.assign(value.begin(), value.end());
        return std::vector<uint8_t>{0x30, 0x03, 0x02, 0x01, 0x01};
    };
    EXPECT_EQ(errorKindOf([&] {
                  buildCadesDetached(signer, std::vector<uint8_t>(32), NID_sha256, garbage);
              }),
              ErrorKind::Protocol);
    EXPECT_GE(seen.size(), 64u);  // a DER ECDSA signature
}

TEST_F(PdfUnitTest, SignedPdfVerifiesAndIsTrustedOnlyWithItsAnchor) {
    SelfSigned id;
    KeySigner signer(id.key.get(), id.cert.get());
    const fs::path out = dir_ / "signed.pdf";
    SignOptions options;
    options.name = "Ștefan";
    signPdf(input_, out, signer, options);

    auto untrusted = verifyPdf(out, static_cast<X509_STORE*>(nullptr));
    ASSERT_EQ(untrusted.size(), 1u);
    EXPECT_EQ(untrusted[0].status, SignatureStatus::Untrusted);
    EXPECT_TRUE(untrusted[0].cms_valid);
    EXPECT_EQ(untrusted[0].name, "Ștefan");
    EXPECT_NE(untrusted[0].signer_subject.find("CN=Ștefan Țărână"), std::string::npos)
        << untrusted[0].signer_subject;

    X509StorePtr store(X509_STORE_new());
    X509_STORE_add_cert(store.get(), id.cert.get());
    auto trusted = verifyPdf(out, store.get());
    EXPECT_EQ(trusted[0].status, SignatureStatus::Valid) << trusted[0].message;
    EXPECT_EQ(trusted[0].signer_serial_hex, "2A");
    EXPECT_FALSE(trusted[0].qualified);
}

TEST_F(PdfUnitTest, ByteRangePointingOutsideTheFileIsMalformed) {
    SelfSigned id;
    KeySigner signer(id.key.get(), id.cert.get());
    const fs::path out = dir_ / "signed.pdf";
    signPdf(input_, out, signer);
    std::string data = readFile(out);
    const auto pos = data.rfind("/ByteRange");
    ASSERT_NE(pos, std::string::npos);
    const auto open = data.find('[', pos);
    const auto close = data.find(']', open);
    std::string replacement = "[0 10 20 99999999";
    replacement.resize(close - open, ' ');
    data.replace(open, close - open, replacement);
    writeFile(out, data);
    auto reports = verifyPdf(out, static_cast<X509_STORE*>(nullptr));
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].status, SignatureStatus::Malformed);
    EXPECT_FALSE(reports[0].byte_range_ok);
}

TEST_F(PdfUnitTest, SigningToTheSameFileReplacesItAtomically) {
    SelfSigned id;
    KeySigner signer(id.key.get(), id.cert.get());
    const fs::path copy = dir_ / "same.pdf";
    fs::copy_file(input_, copy);
    signPdf(copy, copy, signer);
    EXPECT_EQ(verifyPdf(copy, static_cast<X509_STORE*>(nullptr)).size(), 1u);
    EXPECT_FALSE(fs::exists(fs::path(copy) += ".certagent-part"));
}

}  // namespace
}  // namespace certagent::pdf
