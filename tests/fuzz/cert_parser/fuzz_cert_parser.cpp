// X.509 certificates as a token hands them over (CKA_VALUE): parseCertificate either returns
// or throws certagent::Error.
#include "certagent/core/error.hpp"
#include "certagent/core/token/certificate_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        auto info = certagent::token::parseCertificate(certagent::token::Bytes(data, data + size));
        (void)info.notAfterText();
    } catch (const certagent::Error&) {
    }
    return 0;
}
