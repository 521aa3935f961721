// What a CMP server's PKIStatus/failInfo becomes (cmp_status.cpp), and the recipient names the
// configuration accepts; no server needed.
#include <gtest/gtest.h>

#include "cmp_backend.hpp"
#include "cmp_status.hpp"

namespace certagent::renewal {
namespace {

using Kind = Outcome::Kind;

TEST(CmpStatus, RefusalsMapToTheEngineOutcomes) {
    EXPECT_EQ(cmp::outcomeFor(2, 1 << 9, "").kind, Kind::Rejected);        // badPOP
    EXPECT_EQ(cmp::outcomeFor(2, 1 << 4, "").kind, Kind::Rejected);        // badCertId
    EXPECT_EQ(cmp::outcomeFor(2, 1 << 23, "").kind, Kind::Rejected);       // notAuthorized
    EXPECT_EQ(cmp::outcomeFor(2, 1 << 21, "").kind, Kind::Rejected);       // transactionIdInUse
    EXPECT_EQ(cmp::outcomeFor(2, 1 << 24, "").kind, Kind::Unreachable);    // systemUnavail
    EXPECT_EQ(cmp::outcomeFor(2, 1 << 25, "").kind, Kind::Unreachable);    // systemFailure
    EXPECT_EQ(cmp::outcomeFor(2, 1 << 1, "").kind, Kind::Misconfigured);   // badMessageCheck
    EXPECT_EQ(cmp::outcomeFor(2, 1 << 20, "").kind, Kind::Misconfigured);  // signerNotTrusted
    EXPECT_EQ(cmp::outcomeFor(2, 1 << 6, "").kind, Kind::Misconfigured);   // wrongAuthority
    EXPECT_EQ(cmp::outcomeFor(3, 0, "").kind, Kind::Wait);
    EXPECT_EQ(cmp::outcomeFor(2, 0, "").kind, Kind::Rejected);
}

TEST(CmpStatus, MessageNamesEachBitAndKeepsTheServersWords) {
    auto o = cmp::outcomeFor(2, (1 << 9) | (1 << 4), "key mismatch");
    EXPECT_NE(o.reason.find("(badPOP)"), std::string::npos) << o.reason;
    EXPECT_NE(o.reason.find("(badCertId)"), std::string::npos) << o.reason;
    EXPECT_NE(o.reason.find("key mismatch"), std::string::npos) << o.reason;
    EXPECT_EQ(o.code, "badCertId,badPOP");
    for (int bit = 0; bit <= 26; ++bit) {
        EXPECT_FALSE(cmp::failInfoText(bit).empty()) << bit;
        EXPECT_STRNE(cmp::failInfoName(bit), "") << bit;
    }
}

TEST(CmpRecipient, SlashAndCommaFormsParseAndGarbageDoesNot) {
    EXPECT_FALSE(parseDistinguishedName("/CN=Issuing CA/O=Example").empty());
    EXPECT_EQ(parseDistinguishedName("/CN=Issuing CA/O=Example"),
              parseDistinguishedName("CN=Issuing CA, O=Example"));
    EXPECT_TRUE(parseDistinguishedName("Issuing CA").empty());
    EXPECT_TRUE(parseDistinguishedName("/XX=1").empty());
    EXPECT_TRUE(parseDistinguishedName("").empty());
}

}  // namespace
}  // namespace certagent::renewal
