// kill -9 at every step and phase boundary (CERTAGENT_FAULT_AT), then the same command again: the
// renewal completes, and the CA saw exactly one submission, one payment and one issuance. The
// person pays on the payment page and the operator approves, so every step really runs.
#include <gtest/gtest.h>

#include "renewal_fixture.hpp"

namespace certagent::testing {
namespace {

int count(const std::string& text, const std::string& what) {
    int n = 0;
    for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
    return n;
}

class KillPoint : public ::testing::TestWithParam<const char*> {};

TEST_P(KillPoint, ResumesAndCompletesWithoutRepeatingAnything) {
    RenewalScene s({.autoApprove = false,
                    .autoPay = false,
                    .personPays = true,
                    .operatorApproves = true});
    auto killed = s.renew({}, {std::string("CERTAGENT_FAULT_AT=") + GetParam()});
    ASSERT_NE(killed.exit_code, 0) << "not killed at " << GetParam() << "\n" << killed.err;
    auto r = s.renew();
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(s.transitionsTo("PLATA_IN_ASTEPTARE"), 1);  // submitted once
    EXPECT_EQ(s.transitionsTo("IN_ASTEPTARE"), 1);        // paid once
    EXPECT_EQ(s.caQuery("SELECT id FROM payments WHERE status = 'PAID'").size(), 1u);
    EXPECT_EQ(s.transitionsTo("EMISA"), 1);  // issued once
    EXPECT_EQ(s.issuedCertificates(), 1);
    EXPECT_EQ(s.caQuery("SELECT id FROM renewals").size(), 1u);
    auto objects = s.pkcs11Objects();
    EXPECT_EQ(count(objects, "Private Key Object"), 2) << objects;  // old + new, no orphan
    EXPECT_EQ(count(objects, "Certificate Object"), 2) << objects;
}

INSTANTIATE_TEST_SUITE_P(EveryStep, KillPoint,
                         ::testing::Values("preflight", "login", "request", "account",
                                           "product", "product:after", "identity", "declaration",
                                           "declaration:signed", "submit", "submit:after",
                                           "payment", "validation", "keygen", "keygen:after",
                                           "csr", "certificate", "certificate:after", "verify",
                                           "install", "install:after", "done"),
                         [](const auto& param_info) {
                             std::string n = param_info.param;
                             for (auto& c : n)
                                 if (c == ':') c = '_';
                             return n;
                         });

}  // namespace
}  // namespace certagent::testing
