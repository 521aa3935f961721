#include <gtest/gtest.h>

#include "certagent/core/server/base64.hpp"

using namespace certagent::server;

TEST(Base64, RoundTripsEveryLength) {
    for (size_t n = 0; n < 40; ++n) {
        std::vector<uint8_t> data(n);
        for (size_t i = 0; i < n; ++i) data[i] = static_cast<uint8_t>(i * 37 + 11);
        auto text = base64Encode(data);
        auto back = base64Decode(text);
        ASSERT_TRUE(back) << text;
        EXPECT_EQ(*back, data);
    }
    EXPECT_EQ(base64Encode(std::vector<uint8_t>{'f', 'o', 'o', 'b'}), "Zm9vYg==");
}

TEST(Base64, RefusesAnythingNotStrict) {
    EXPECT_FALSE(base64Decode("Zm9vYg="));     // length
    EXPECT_FALSE(base64Decode("Zm9v\nYg=="));  // whitespace
    EXPECT_FALSE(base64Decode("Zm9vYh=="));    // stray bits under the padding
    EXPECT_FALSE(base64Decode("Zm=vYg=="));    // padding in the middle
    EXPECT_FALSE(base64Decode("Zm9v-_=="));    // URL alphabet
}
