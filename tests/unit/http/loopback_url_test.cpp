// Plain http:// goes only to this computer: isLoopbackUrl judges the host libcurl will connect
// to (its own URL parser), by address, not by how the text begins; the client checks it before
// anything is sent. (The timestamps plugin relies on this for its sandbox or loopback TSA.)
#include <gtest/gtest.h>

#include "certagent/core/error.hpp"
#include "certagent/core/http/client.hpp"

using namespace certagent;
using http::isLoopbackUrl;

TEST(HttpLoopbackUrl, CraftedUrlsThatOnlyLookLocalAreNotLoopback) {
    // The query starts at '?': the host is evil.example, "@127.0.0.1" is part of the query.
    EXPECT_FALSE(isLoopbackUrl("http://evil.example?@127.0.0.1/tsa"));
    EXPECT_FALSE(isLoopbackUrl("http://evil.example#@127.0.0.1/tsa"));
    // A DNS name that begins with "127.".
    EXPECT_FALSE(isLoopbackUrl("http://127.evil.example/"));
    EXPECT_FALSE(isLoopbackUrl("http://127.0.0.1.evil.example/tsa"));
    EXPECT_FALSE(isLoopbackUrl("http://localhost.evil.example/tsa"));
    EXPECT_FALSE(isLoopbackUrl("http://[::1].evil.example/tsa"));
    // User info naming a loopback host, the real host elsewhere.
    EXPECT_FALSE(isLoopbackUrl("http://127.0.0.1@evil.example/tsa"));
    EXPECT_FALSE(isLoopbackUrl("http://127.0.0.1:80@evil.example/tsa"));
    EXPECT_FALSE(isLoopbackUrl("http://[::1]@evil.example/tsa"));
    // Other addresses.
    EXPECT_FALSE(isLoopbackUrl("http://128.0.0.1/tsa"));
    EXPECT_FALSE(isLoopbackUrl("http://10.0.0.1/tsa"));
    EXPECT_FALSE(isLoopbackUrl("http://[::2]/tsa"));
    EXPECT_FALSE(isLoopbackUrl("http://[fe80::1%25lo]/tsa"));
    EXPECT_FALSE(isLoopbackUrl("not a url"));
    EXPECT_FALSE(isLoopbackUrl(""));
}

TEST(HttpLoopbackUrl, LoopbackAddressesAndLocalhostAre) {
    EXPECT_TRUE(isLoopbackUrl("http://127.0.0.1/tsa"));
    EXPECT_TRUE(isLoopbackUrl("http://127.0.0.1:8080/tsa"));
    EXPECT_TRUE(isLoopbackUrl("http://127.255.3.4:8080/tsa?x=1"));
    EXPECT_TRUE(isLoopbackUrl("http://localhost:8080/tsa"));
    EXPECT_TRUE(isLoopbackUrl("http://LocalHost/tsa"));
    EXPECT_TRUE(isLoopbackUrl("http://[::1]:8080/tsa"));
    EXPECT_TRUE(isLoopbackUrl("http://[::ffff:127.0.0.1]/tsa"));
    EXPECT_TRUE(isLoopbackUrl("http://user@127.0.0.1/tsa"));
    // User info before '@' is not the host: these go to 127.0.0.1, as curl connects.
    EXPECT_TRUE(isLoopbackUrl("http://evil.example@127.0.0.1/tsa"));
    EXPECT_TRUE(isLoopbackUrl("http://evil.example\\@127.0.0.1/tsa"));
}

namespace {

ErrorKind refusal(http::CurlClient& client, const std::string& url) {
    http::Request r;
    r.method = "POST";
    r.url = url;
    r.headers.push_back("Authorization: Basic YW5hOnBhcm9sYQ==");
    try {
        client.perform(r);
    } catch (const Error& e) {
        return e.kind();
    }
    ADD_FAILURE() << url << " was fetched";
    return ErrorKind::Internal;
}

}  // namespace

TEST(HttpPlainToLoopback, UrlsThatOnlyLookLocalAreRefusedBeforeAnyConnection) {
    http::ClientOptions o;
    o.allowPlainHttpToLoopback = true;
    o.connectTimeout = std::chrono::milliseconds(200);
    http::CurlClient client(o);
    // Usage: refused by the rule, before a name is resolved or a connection opened (a network
    // attempt would fail with Network instead).
    for (const char* url : {"http://evil.example?@127.0.0.1/tsa", "http://127.evil.example/",
                            "http://127.0.0.1@evil.example/tsa", "http://10.0.0.1/tsa"}) {
        EXPECT_EQ(refusal(client, url), ErrorKind::Usage) << url;
    }
    // Loopback is let through: port 9 (discard) on 127.0.0.1 is closed, so it fails on the
    // network, after the rule.
    EXPECT_EQ(refusal(client, "http://127.0.0.1:9/tsa"), ErrorKind::Network);
}

TEST(HttpPlainToAnyHost, GoesWithoutAPasswordAndNeverWithOne) {
    http::ClientOptions o;
    o.allowPlainHttpToAnyHost = true;
    o.connectTimeout = std::chrono::milliseconds(200);
    http::CurlClient client(o);
    // With an Authorization header: refused by the rule before any connection.
    EXPECT_EQ(refusal(client, "http://10.0.0.1/tsa"), ErrorKind::Usage);
    // Without one the rule lets it through: an unroutable TEST-NET address fails on the network.
    http::Request r;
    r.method = "POST";
    r.url = "http://192.0.2.1:9/tsa";
    try {
        client.perform(r);
        ADD_FAILURE() << "fetched";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Network) << e.what();
    }
}

TEST(HttpPlainToLoopback, WithoutTheOptionOnlyHttpsIsAllowed) {
    http::CurlClient client(http::ClientOptions{});
    EXPECT_EQ(refusal(client, "http://127.0.0.1:9/tsa"), ErrorKind::Usage);
    EXPECT_EQ(refusal(client, "ftp://127.0.0.1/"), ErrorKind::Usage);
}
