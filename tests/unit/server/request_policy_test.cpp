// The local server's request checks on their own: Host (DNS rebinding), Origin, preflights.
#include <gtest/gtest.h>

#include "certagent/core/server/request_policy.hpp"

using namespace certagent::server;

TEST(HostCheck, AcceptsOnlyLoopbackNamesWithThePort) {
    EXPECT_TRUE(hostAllowed("localhost:15000", 15000));
    EXPECT_TRUE(hostAllowed("LOCALHOST:15000", 15000));
    EXPECT_TRUE(hostAllowed("127.0.0.1:15000", 15000));
    EXPECT_TRUE(hostAllowed("[::1]:15000", 15000));
}

TEST(HostCheck, RefusesRebindingNamesOtherPortsAndMissingPorts) {
    EXPECT_FALSE(hostAllowed("evil.example:15000", 15000));
    EXPECT_FALSE(hostAllowed("127.0.0.1.nip.io:15000", 15000));
    EXPECT_FALSE(hostAllowed("localhost.evil.example:15000", 15000));
    EXPECT_FALSE(hostAllowed("localhost", 15000));
    EXPECT_FALSE(hostAllowed("127.0.0.1:15001", 15000));
    EXPECT_FALSE(hostAllowed("", 15000));
    EXPECT_FALSE(hostAllowed("127.0.0.2:15000", 15000));
    EXPECT_FALSE(hostAllowed("0.0.0.0:15000", 15000));
}

TEST(OriginCheck, CanonicalisesCaseDefaultPortsAndTrailingSlash) {
    EXPECT_EQ(canonicalOrigin("HTTPS://CA.CertDigital.ro:443/"), "https://ca.certdigital.ro");
    EXPECT_EQ(canonicalOrigin("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
    EXPECT_EQ(canonicalOrigin("http://[::1]:80"), "http://[::1]");
    EXPECT_FALSE(canonicalOrigin("null"));
    EXPECT_FALSE(canonicalOrigin("file://"));
    EXPECT_FALSE(canonicalOrigin("https://a.ro/path"));
    EXPECT_FALSE(canonicalOrigin("https://user@a.ro"));
    EXPECT_FALSE(canonicalOrigin("https://a.ro:99999x"));
}

TEST(OriginCheck, OnlyListedOriginsPass) {
    const std::vector<std::string> allowed = {"https://ca.certdigital.ro"};
    EXPECT_TRUE(originAllowed("https://ca.certdigital.ro", allowed));
    EXPECT_FALSE(originAllowed("http://ca.certdigital.ro", allowed));
    EXPECT_FALSE(originAllowed("https://ca.certdigital.ro.evil.example", allowed));
    EXPECT_FALSE(originAllowed("https://evil.ca.certdigital.ro", allowed));
    EXPECT_FALSE(originAllowed("https://ca.certdigital.ro:8443", allowed));
    EXPECT_FALSE(originAllowed("null", allowed));
    EXPECT_FALSE(originAllowed("", allowed));
}

TEST(ContentType, OnlyJsonInUtf8) {
    EXPECT_TRUE(isJsonContentType("application/json"));
    EXPECT_TRUE(isJsonContentType("Application/JSON; charset=UTF-8"));
    EXPECT_FALSE(isJsonContentType("text/plain"));
    EXPECT_FALSE(isJsonContentType("application/x-www-form-urlencoded"));
    EXPECT_FALSE(isJsonContentType("multipart/form-data; boundary=x"));
    EXPECT_FALSE(isJsonContentType("application/json; charset=latin1"));
    EXPECT_FALSE(isJsonContentType(""));
}

TEST(Preflight, AllowedOriginGetsCorsAndPrivateNetworkHeaders) {
    PreflightRequest r{"https://ca.certdigital.ro", "POST", "content-type", true, false};
    auto a = answerPreflight(r, {"https://ca.certdigital.ro"});
    ASSERT_TRUE(a.allowed);
    auto has = [&](const std::string& k, const std::string& v) {
        for (auto& [hk, hv] : a.headers)
            if (hk == k && hv == v) return true;
        return false;
    };
    EXPECT_TRUE(has("Access-Control-Allow-Origin", "https://ca.certdigital.ro"));
    EXPECT_TRUE(has("Access-Control-Allow-Private-Network", "true"));
    EXPECT_TRUE(has("Access-Control-Allow-Headers", "Content-Type"));
}

TEST(Preflight, RefusesOtherOriginsMethodsAndHeaders) {
    const std::vector<std::string> allowed = {"https://ca.certdigital.ro"};
    EXPECT_FALSE(answerPreflight({"https://evil.example", "POST", "content-type", true, false},
                                 allowed)
                     .allowed);
    EXPECT_FALSE(
        answerPreflight({"https://ca.certdigital.ro", "DELETE", "", false, false}, allowed).allowed);
    EXPECT_FALSE(answerPreflight(
                     {"https://ca.certdigital.ro", "POST", "content-type, x-pin", false, false},
                     allowed)
                     .allowed);
}
