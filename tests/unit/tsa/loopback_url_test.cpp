// The TSA password goes in clear only to this computer: isLoopbackUrl judges the host libcurl
// will connect to (its own URL parser), by address, not by how the text begins.
#include <gtest/gtest.h>

#include <cstdlib>

#include "certagent/core/http/client.hpp"
#include "certagent/core/tsa/client.hpp"
#include "certagent/core/tsa/tsa_error.hpp"
#include "plain_http.hpp"

using namespace certagent;
using tsa::detail::isLoopbackUrl;

TEST(TsaLoopbackUrl, CraftedUrlsThatOnlyLookLocalAreNotLoopback) {
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

TEST(TsaLoopbackUrl, LoopbackAddressesAndLocalhostAre) {
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

// Records what would have been sent; answers 500 (the test only looks at what went out).
class RecordingTransport final : public http::HttpClient {
  public:
    http::Response perform(const http::Request& request) override {
        sent.push_back(request);
        http::Response r;
        r.status = 500;
        return r;
    }
    std::vector<http::Request> sent;
};

bool carriesPassword(const http::Request& r) {
    for (const auto& h : r.headers)
        if (h.rfind("Authorization:", 0) == 0) return true;
    return false;
}

}  // namespace

TEST(TsaLoopbackUrl, ThePasswordIsNotSentInClearToAHostThatOnlyLooksLocal) {
    setenv("CERTAGENT_TEST_TSA_PASSWORD", "parola-secreta", 1);
    for (const char* url : {"http://evil.example?@127.0.0.1/tsa", "http://127.evil.example/"}) {
        tsa::TsaSettings s;
        s.url = url;
        s.username = "ana";
        s.passwordEnv = "CERTAGENT_TEST_TSA_PASSWORD";
        auto transport = std::make_shared<RecordingTransport>();
        tsa::TsaClient client(s, transport);
        std::vector<uint8_t> data = {1, 2, 3};
        try {
            client.timestampData(data);
            ADD_FAILURE() << url << ": no error";
        } catch (const tsa::TsaError& e) {
            EXPECT_EQ(e.failure(), tsa::TsaFailure::Config) << url << ": " << e.what();
            EXPECT_NE(std::string(e.what()).find("https://"), std::string::npos) << e.what();
        }
        EXPECT_TRUE(transport->sent.empty()) << url << " was contacted";
    }
    // To this computer it is sent (the TSA's answer is checked end to end anyway).
    tsa::TsaSettings s;
    s.url = "http://127.0.0.1:9/tsa";
    s.username = "ana";
    s.passwordEnv = "CERTAGENT_TEST_TSA_PASSWORD";
    auto transport = std::make_shared<RecordingTransport>();
    tsa::TsaClient client(s, transport);
    std::vector<uint8_t> data = {1, 2, 3};
    EXPECT_THROW(client.timestampData(data), tsa::TsaError);
    ASSERT_EQ(transport->sent.size(), 1u);
    EXPECT_TRUE(carriesPassword(transport->sent[0]));
    unsetenv("CERTAGENT_TEST_TSA_PASSWORD");
}
