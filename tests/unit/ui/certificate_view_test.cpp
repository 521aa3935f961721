#include <gtest/gtest.h>

#include "certagent/core/i18n.hpp"
#include "certagent/core/ui/certificate_view.hpp"

namespace certagent::ui {
namespace {

token::CertificateDetails details() {
    token::CertificateDetails d;
    d.info.commonName = "Ion Popescu";
    d.info.serialHex = "1092";
    d.info.keyAlgorithm = "RSA";
    d.info.keyBits = 2048;
    d.info.qualified = true;
    d.info.notBefore = std::chrono::system_clock::from_time_t(1700000000);
    d.info.notAfter = std::chrono::system_clock::from_time_t(1800000000);
    d.subjectFields = {{"C", "countryName", "RO"}, {"CN", "commonName", "Ion Popescu"}};
    d.qc.compliance = true;
    d.qc.sscd = true;
    d.qc.types = {"esign"};
    d.sha256 = "AA:BB";
    d.chain = {{"CN=Ion Popescu", "CN=CA", "AA:BB", "certificate", false, {}},
               {"CN=CA", "CN=CA", "CC:DD", "token", true, {}}};
    d.chainProblem = "self-signed certificate in certificate chain";
    return d;
}

std::string value(const std::vector<DetailRow>& rows, const std::string& label) {
    for (const auto& r : rows)
        if (!r.heading && r.label == label) return r.value;
    return "<missing " + label + ">";
}

TEST(CertificateView, RowsCarryEveryDetailWithReadableLabels) {
    i18n::setLanguage("en");
    auto rows = certificateRows(details(), std::chrono::system_clock::from_time_t(1750000000), 30);
    EXPECT_TRUE(rows.front().heading);
    EXPECT_EQ(value(rows, "Name"), "Ion Popescu");
    EXPECT_EQ(value(rows, "Country"), "RO");
    EXPECT_EQ(value(rows, "Key type"), "RSA 2048");
    EXPECT_EQ(value(rows, "Key in a qualified device (QSCD)"), "yes");
    EXPECT_EQ(value(rows, "Type"), "electronic signature (esign)");
    EXPECT_EQ(value(rows, "SHA-256"), "AA:BB");
    EXPECT_EQ(value(rows, "2."), "CN=CA\n(on the token)");
    EXPECT_EQ(value(rows, "Chain"),
              "not trusted by this computer: self-signed certificate in certificate chain");
}

TEST(CertificateView, ExportNamesAreSafeFileNames) {
    auto d = details();
    EXPECT_EQ(exportFileName(d, token::ExportFormat::Pem), "Ion_Popescu.pem");
    EXPECT_EQ(exportFileName(d, token::ExportFormat::Der), "Ion_Popescu.cer");
    d.info.commonName = "../../etc/passwd";
    EXPECT_EQ(exportFileName(d, token::ExportFormat::Pem), "certificate.._.._etc_passwd.pem");
    d.info.commonName = "Ștefan Ţăran";
    EXPECT_EQ(exportFileName(d, token::ExportFormat::Pem), "Ștefan_Ţăran.pem");
}

}  // namespace
}  // namespace certagent::ui
