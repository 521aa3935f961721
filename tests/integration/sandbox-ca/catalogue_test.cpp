// Read-only endpoints: my certificates (active, expired, revoked) with pagination, products,
// timestamp quota, and their parameter errors.
#include "portal_test_support.hpp"

namespace certagent::testing {
namespace {

class Catalogue : public PortalTest {
  protected:
    void SetUp() override { startCa(); }
};

TEST_F(Catalogue, MyCertificatesFilterByStatusAndPage) {
    const std::string holder_id = "PNORO-1111111111111";
    auto active = activeHolder({.holder_id = holder_id});
    auto expired = ca->issueHolder({.holder_id = holder_id, .days_left = -30});
    auto revoked = ca->issueHolder({.holder_id = holder_id});
    ca->revoke(revoked.serial);
    auto stranger = ca->issueHolder();  // another holder: never listed
    auto c = clientFor(active);

    auto only_active = c.get(api("certificates"));
    ASSERT_EQ(only_active.status, 200) << only_active.body;
    ASSERT_EQ(only_active.json().at("items").size(), 1u);
    EXPECT_EQ(only_active.json()["items"][0]["serial"], active.serial);
    EXPECT_EQ(only_active.json()["items"][0]["status"], "ACTIVE");
    EXPECT_TRUE(only_active.json()["next_cursor"].is_null());

    std::vector<std::string> seen;
    std::string url = api("certificates?status=active,expired,revoked&limit=1");
    for (int guard = 0; guard < 10; ++guard) {
        auto page = c.get(url).json();
        for (const auto& it : page.at("items")) seen.push_back(it.at("status"));
        if (page.at("next_cursor").is_null()) break;
        url = api("certificates?status=active,expired,revoked&limit=1&cursor=" +
                  page.at("next_cursor").get<std::string>());
    }
    EXPECT_EQ(seen, (std::vector<std::string>{"ACTIVE", "EXPIRED", "REVOKED"}));

    auto one = c.get(api("certificates/" + active.serial));
    EXPECT_EQ(one.status, 200);
    EXPECT_NE(one.json().at("certificate_pem").get<std::string>().find("BEGIN CERTIFICATE"),
              std::string::npos);
    EXPECT_EQ(c.get(api("certificates/" + stranger.serial)).status, 404);

    EXPECT_EQ(c.get(api("certificates?status=lost")).status, 400);
    EXPECT_EQ(c.get(api("certificates?limit=0")).status, 400);
    EXPECT_EQ(c.get(api("certificates?limit=abc")).status, 400);
    auto bad_cursor = c.get(api("certificates?cursor=zzz"));
    EXPECT_EQ(bad_cursor.status, 400);
    EXPECT_EQ(bad_cursor.json()["error"]["code"], "INVALID_CURSOR");
}

TEST_F(Catalogue, ProductsOfferOneTwoThreeYearsInRon) {
    auto c = clientFor(ca->issueHolder());  // products need a login, not an account
    auto r = c.get(api("products?limit=100"));
    ASSERT_EQ(r.status, 200) << r.body;
    auto items = r.json().at("items");
    ASSERT_EQ(items.size(), 6u);
    std::set<int> years;
    std::set<std::string> types;
    for (const auto& p : items) {
        years.insert(p.at("validity_years").get<int>());
        types.insert(p.at("certificate_type"));
        EXPECT_EQ(p.at("price").at("currency"), "RON");
        EXPECT_GT(p.at("price").at("amount_minor").get<long long>(), 0);
    }
    EXPECT_EQ(years, (std::set<int>{1, 2, 3}));
    EXPECT_EQ(types.size(), 2u);
    auto first = c.get(api("products?limit=4")).json();
    EXPECT_EQ(first.at("items").size(), 4u);
    auto rest = c.get(api("products?limit=4&cursor=" + first.at("next_cursor").get<std::string>()));
    EXPECT_EQ(rest.json().at("items").size(), 2u);
    EXPECT_TRUE(rest.json().at("next_cursor").is_null());
}

TEST_F(Catalogue, TimestampQuotaIsReported) {
    auto c = clientFor(activeHolder());
    auto r = c.get(api("timestamps/quota"));
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.json().at("remaining"), 50);
    EXPECT_EQ(r.json().at("used"), 0);
    // The sandbox's RFC 3161 listener (docs/portal-api.md, "Timestamps").
    EXPECT_EQ(r.json().at("tsa_url"), ca->tsaUrl());
    EXPECT_EQ(ca->tsaUrl().rfind("http://127.0.0.1:", 0), 0u) << ca->tsaUrl();
}

}  // namespace
}  // namespace certagent::testing
