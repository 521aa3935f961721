#include "cryptoki.hpp"

#include <gtest/gtest.h>

using namespace certagent;
using namespace certagent::token::detail;

namespace {
Error errorFor(CK_RV rv) {
    try {
        throwCkr(rv, "C_Sign", "serial 1234");
    } catch (const Error& e) {
        return e;
    }
    return Error(ErrorKind::Internal, "not thrown");
}
}  // namespace

TEST(CkrMapping, RemovalCodesAreRetryableTokenRemoved) {
    for (CK_RV rv : {CKR_DEVICE_REMOVED, CKR_TOKEN_NOT_PRESENT, CKR_SESSION_HANDLE_INVALID,
                     CKR_SESSION_CLOSED}) {
        auto e = errorFor(rv);
        EXPECT_EQ(e.kind(), ErrorKind::TokenRemoved) << ckrName(rv);
        EXPECT_TRUE(e.retryable());
        EXPECT_EQ(e.where(), "serial 1234");
    }
}

TEST(CkrMapping, PinCodesAndOthersAreTyped) {
    EXPECT_EQ(errorFor(CKR_PIN_INCORRECT).kind(), ErrorKind::PinIncorrect);
    EXPECT_EQ(errorFor(CKR_PIN_LOCKED).kind(), ErrorKind::PinLocked);
    auto e = errorFor(CKR_MECHANISM_INVALID);
    EXPECT_EQ(e.kind(), ErrorKind::Token);
    EXPECT_FALSE(e.retryable());
    EXPECT_NE(std::string(e.what()).find("CKR_MECHANISM_INVALID"), std::string::npos);
    EXPECT_EQ(ckrName(0x80001234UL), "0x80001234");
}
