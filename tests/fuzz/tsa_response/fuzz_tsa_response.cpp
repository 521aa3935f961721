// An RFC 3161 TimeStampResp as a TSA answers it: checkResponse (against an empty trust store,
// so the checks run up to the chain) and the helpers verify uses either return or throw.
#include "certagent/core/error.hpp"
#include "certagent/core/tsa/response_check.hpp"

#include <openssl/objects.h>
#include <openssl/x509_vfy.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace certagent;
    const std::span<const uint8_t> der(data, size);
    static X509_STORE* anchors = X509_STORE_new();
    tsa::Expectation expected;
    expected.mdNid = NID_sha256;
    expected.imprint.assign(32, 0x11);
    try {
        (void)tsa::checkResponse(der, expected, anchors, "fuzz");
    } catch (const Error&) {
    }
    try {
        (void)tsa::tokenFromResponse(der);
    } catch (const Error&) {
    }
    try {
        (void)tsa::imprintAlgorithm(der);
    } catch (const Error&) {
    }
    return 0;
}
