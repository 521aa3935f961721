// The verification report rows (CLI text and the tray's window) and how a chosen file is read.
#include <gtest/gtest.h>
#include <openssl/x509_vfy.h>

#include <fstream>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/signing/report.hpp"
#include "certagent/core/token/chain_error_text.hpp"
#include "temp_dir.hpp"

namespace certagent::signing {
namespace {

pdf::SignatureReport report(pdf::SignatureStatus status) {
    pdf::SignatureReport r;
    r.status = status;
    r.message = "The signature is valid.";
    r.signer_subject = "CN=Ion Popescu,C=RO";
    r.signer_issuer = "CN=Test CA,C=RO";
    r.cms_valid = status != pdf::SignatureStatus::Modified;
    r.chain_message = "trusted";
    r.qualified = true;
    r.field_name = "Signature1";
    return r;
}

class VerifyReport : public ::testing::Test {
protected:
    void SetUp() override { i18n::init("en"); }  // binds the catalogs (CERTAGENT_LOCALEDIR)
    void TearDown() override { i18n::setLanguage("en"); }
};

TEST_F(VerifyReport, RowsSayWhoSignedAndWhetherItHolds) {
    VerificationResult result;
    result.signatures = {report(pdf::SignatureStatus::Valid),
                         report(pdf::SignatureStatus::Modified)};
    auto view = reportView("contract.pdf", result);
    EXPECT_EQ(view.headline, "contract.pdf: 2 signatures");
    EXPECT_FALSE(view.allValid);
    ASSERT_EQ(view.signatures.size(), 2u);
    EXPECT_TRUE(view.signatures[0].ok);
    EXPECT_EQ(view.signatures[0].title, "Signature 1: valid");
    EXPECT_FALSE(view.signatures[1].ok);
    EXPECT_EQ(view.signatures[1].title, "Signature 2: INVALID: modified after signing");
    auto text = reportText(view);
    EXPECT_NE(text.find("  Signer: CN=Ion Popescu,C=RO\n"), std::string::npos) << text;
    EXPECT_NE(text.find("  Integrity: no\n"), std::string::npos) << text;
    EXPECT_NE(text.find("  Field: Signature1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("  Timestamp: none\n"), std::string::npos) << text;

    // A detached signature has no PDF field rows.
    result.kind = SignedKind::Cades;
    EXPECT_EQ(reportText(reportView("a.p7s", result)).find("Field:"), std::string::npos);
}

TEST_F(VerifyReport, TheVerdictLineFollowsTheEtsiIndicationAndNamesTheReason) {
    VerificationResult result;
    auto passed = report(pdf::SignatureStatus::Valid);
    passed.indication = pdf::Indication::TotalPassed;
    pdf::CertificateStatus good;
    good.subject = "CN=Ion Popescu";
    good.status = pdf::RevocationStatus::Good;
    good.source = "embedded-ocsp";
    good.this_update = 1'780'000'000;
    passed.revocation = {good};
    result.signatures = {passed};
    auto view = reportView("contract.pdf", result);
    EXPECT_TRUE(view.allValid);
    EXPECT_EQ(view.verdict, "TOTAL-PASSED: every signature is valid.");
    EXPECT_EQ(view.signatures[0].title, "Signature 1: valid (TOTAL-PASSED)");
    auto text = reportText(view);
    EXPECT_NE(text.find("  Revocation: CN=Ion Popescu: good (OCSP answer in the document, "),
              std::string::npos)
        << text;

    auto revoked = passed;
    revoked.indication = pdf::Indication::TotalFailed;
    revoked.sub_indication = "REVOKED";
    revoked.verdict_message = "The certificate CN=Ion Popescu was revoked on 2026-01-01T00:00:00Z.";
    revoked.changes_after = {{false, "page 1: its content was changed"}};
    result.signatures = {passed, revoked};
    view = reportView("contract.pdf", result);
    EXPECT_FALSE(view.allValid);
    EXPECT_EQ(result.indication(), pdf::Indication::TotalFailed);
    EXPECT_EQ(view.verdict, "TOTAL-FAILED (REVOKED): signature 2: The certificate CN=Ion Popescu "
                            "was revoked on 2026-01-01T00:00:00Z.");
    EXPECT_EQ(view.signatures[1].title, "Signature 2: INVALID (TOTAL-FAILED/REVOKED)");
    text = reportText(view);
    EXPECT_NE(text.find("  Changed after signing: page 1: its content was changed — NOT allowed"),
              std::string::npos)
        << text;

    i18n::setLanguage("ro");
    view = reportView("contract.pdf", result);
    EXPECT_EQ(view.signatures[1].title, "Semnătura 2: INVALIDĂ (TOTAL-FAILED/REVOKED)");
    EXPECT_NE(reportText(view).find("NEPERMIS"), std::string::npos) << reportText(view);
}

TEST_F(VerifyReport, NoSignatureIsSaidPlainly) {
    auto view = reportView("plain.pdf", {});
    EXPECT_EQ(view.headline, "plain.pdf: no signature found");
    EXPECT_FALSE(view.allValid);
}

TEST_F(VerifyReport, RomanianUsersReadItInRomanian) {
    i18n::setLanguage("ro");
    VerificationResult result;
    result.signatures = {report(pdf::SignatureStatus::Valid)};
    auto text = reportText(reportView("contract.pdf", result));
    EXPECT_NE(text.find("Semnătura 1: "), std::string::npos) << text;
    EXPECT_NE(text.find("  Semnatar: CN=Ion Popescu"), std::string::npos) << text;
    EXPECT_EQ(text.find("Signer:"), std::string::npos) << text;
}

TEST_F(VerifyReport, OpenSslChainErrorsBecomeOurOwnTranslatedSentences) {
    EXPECT_EQ(token::chainErrorText(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY),
              "the issuer of the certificate is not among the trusted authorities (its "
              "certificate is missing or not trusted)");
    // A code without a sentence of its own still names OpenSSL's text for a maintainer.
    EXPECT_NE(token::chainErrorText(X509_V_ERR_SUBTREE_MINMAX).find("OpenSSL: "),
              std::string::npos);
    i18n::setLanguage("ro");
    for (int code : {X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509_V_ERR_CERT_HAS_EXPIRED,
                     X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, X509_V_ERR_CERT_REVOKED,
                     X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT}) {
        auto text = token::chainErrorText(code);
        EXPECT_EQ(text.find(X509_verify_cert_error_string(code)), std::string::npos) << text;
        EXPECT_EQ(text.find("the "), std::string::npos) << text;
    }
}

TEST_F(VerifyReport, RomanianCountsSignaturesWithItsThreePluralForms) {
    i18n::setLanguage("ro");
    VerificationResult result;
    auto headline = [&](std::size_t n) {
        result.signatures.assign(n, report(pdf::SignatureStatus::Valid));
        return reportView("contract.pdf", result).headline;
    };
    EXPECT_EQ(headline(1), "contract.pdf: 1 semnătură");
    EXPECT_EQ(headline(2), "contract.pdf: 2 semnături");
    EXPECT_EQ(headline(20), "contract.pdf: 20 de semnături");
}

TEST_F(VerifyReport, TimesAreShownAsTheReaderWritesThemAndAMissingTimestampAgrees) {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
    i18n::setLanguage("ro");
    VerificationResult result;
    result.kind = SignedKind::Pdf;
    auto r = report(pdf::SignatureStatus::Valid);
    r.signer_not_before = "2025-12-13T10:00:00Z";
    r.signer_not_after = "2026-12-13T10:00:00Z";
    r.claimed_time = "D:20261203143000+02'00'";
    result.signatures = {r};
    auto text = reportText(reportView("contract.pdf", result));
    EXPECT_NE(text.find("13.12.2025, ora 10:00 – 13.12.2026, ora 10:00"), std::string::npos)
        << text;
    EXPECT_NE(text.find("03.12.2026, ora 12:30"), std::string::npos) << text;
    EXPECT_NE(text.find("Marcă temporală: niciuna"), std::string::npos) << text;
}

TEST_F(VerifyReport, AChosenFileIsReadAsPdfOrAsADetachedSignatureWithItsFile) {
    certagent::testing::TempDir dir{"certagent-verify-input"};
    auto pdfFile = dir / "a.pdf";
    std::ofstream(pdfFile) << "%PDF-1.7\n";
    auto in = resolveVerifyInput(pdfFile);
    EXPECT_EQ(in.file, pdfFile);
    EXPECT_FALSE(in.data);

    auto data = dir / "contract.txt";
    std::ofstream(data) << "text";
    auto p7s = dir / "contract.txt.p7s";
    std::ofstream(p7s) << "x";
    in = resolveVerifyInput(p7s);
    ASSERT_TRUE(in.data);
    EXPECT_EQ(*in.data, data);

    auto lone = dir / "lone.bin.p7s";
    std::ofstream(lone) << "x";
    try {
        resolveVerifyInput(lone);
        ADD_FAILURE() << "a .p7s without its file was accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::InvalidInput);
        EXPECT_NE(std::string(e.what()).find("lone.bin"), std::string::npos) << e.what();
    }
    auto txt = dir / "notes.txt";
    std::ofstream(txt) << "plain";
    try {
        resolveVerifyInput(txt);
        ADD_FAILURE() << "a text file was accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Usage);
    }
    EXPECT_THROW(resolveVerifyInput(dir / "missing.pdf"), Error);
    EXPECT_THROW(resolveVerifyInput(p7s, dir / "missing.txt"), Error);
}

}  // namespace
}  // namespace certagent::signing
