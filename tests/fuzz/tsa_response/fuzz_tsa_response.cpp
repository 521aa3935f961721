// An RFC 3161 TimeStampResp as a TSA answers it, fed to the timestamps plugin's checks:
// checkResponse (against an empty trust store, so the checks run up to the chain) and the
// helpers verify uses either return or throw TsaError.
#include "response_check.hpp"
#include "tsa_error.hpp"

#include <openssl/objects.h>
#include <openssl/x509_vfy.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace certagent::timestamps;
    const std::span<const uint8_t> der(data, size);
    static X509_STORE* anchors = X509_STORE_new();
    Expectation expected;
    expected.mdNid = NID_sha256;
    expected.imprint.assign(32, 0x11);
    try {
        (void)checkResponse(der, expected, anchors, "fuzz");
    } catch (const TsaError&) {
    }
    try {
        (void)tokenFromResponse(der);
    } catch (const TsaError&) {
    }
    try {
        (void)imprintAlgorithm(der);
    } catch (const TsaError&) {
    }
    return 0;
}
