#include <gtest/gtest.h>

#include "certagent/core/i18n.hpp"
#include "certagent/core/ui/consent_view.hpp"
#include "ui_test_data.hpp"

namespace certagent::ui {
namespace {
using namespace testdata;

server::ConsentRequest pdfRequest() {
    server::ConsentRequest r;
    r.origin = "https://portal.example.ro";
    r.kind = server::SignKind::Pdf;
    r.claimed_document_name = "contract.pdf";
    r.document_size = 12800;
    r.digest_algorithm = "sha256";
    r.digest_hex = "ab12cd34ef56";
    r.document_file = "/tmp/certagent-consent/contract.pdf";
    r.token.label = "Titular";
    r.token.serial = "A1B2";
    r.certificate.commonName = "Ion Popescu";
    r.certificate.issuer = "CN=Test CA,C=RO";
    r.certificate.notAfter = kNow + std::chrono::days{100};
    return r;
}

std::string row(const ConsentView& v, const std::string& label) {
    for (const auto& [l, value] : v.rows)
        if (l == label) return value;
    return "<missing " + label + ">";
}

class ConsentViewTest : public ::testing::Test {
protected:
    void SetUp() override { i18n::setLanguage("en"); }
};

TEST_F(ConsentViewTest, APdfRequestShowsTheOriginTheDocumentAndTheCertificate) {
    auto v = consentView(pdfRequest(), kNow);
    EXPECT_EQ(v.origin, "https://portal.example.ro");
    EXPECT_EQ(row(v, "Document"), "contract.pdf");
    EXPECT_EQ(row(v, "Size"), "12.5 KB");
    EXPECT_EQ(row(v, "SHA-256"), "AB12 CD34 EF56");
    EXPECT_EQ(row(v, "Certificate"), "Ion Popescu");
    EXPECT_EQ(row(v, "Token"), "Titular (serial A1B2)");
    EXPECT_NE(row(v, "Valid until").find("in 100 days"), std::string::npos) << row(v, "Valid until");
    EXPECT_TRUE(v.canOpenDocument);
    EXPECT_TRUE(v.warning.empty());
    EXPECT_GE(v.timeoutSeconds, 30);
}

TEST_F(ConsentViewTest, AHashRequestSaysTheDescriptionIsOnlyWhatThePageClaims) {
    auto r = pdfRequest();
    r.kind = server::SignKind::Hash;
    r.claimed_description = "Declarație reînnoire";
    r.document_file.clear();
    auto v = consentView(r, kNow);
    EXPECT_EQ(row(v, "The page says it is"), "Declarație reînnoire");
    EXPECT_FALSE(v.canOpenDocument);
    EXPECT_FALSE(v.warning.empty());
}

TEST_F(ConsentViewTest, AMissingNameIsSaidSoNotLeftBlank) {
    auto r = pdfRequest();
    r.claimed_document_name.clear();
    EXPECT_EQ(row(consentView(r, kNow), "Document"), "(no name given)");
}

TEST_F(ConsentViewTest, SizesAndCountdownReadNaturally) {
    EXPECT_EQ(humanSize(1), "1 byte");
    EXPECT_EQ(humanSize(512), "512 bytes");
    EXPECT_EQ(humanSize(3 * 1024 * 1024 + 100), "3.0 MB");
    EXPECT_EQ(consentCountdownText(1), "Refused automatically in 1 second");
    EXPECT_EQ(consentCountdownText(42), "Refused automatically in 42 seconds");
}

}  // namespace
}  // namespace certagent::ui
