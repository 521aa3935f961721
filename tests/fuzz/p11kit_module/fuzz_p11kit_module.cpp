// A p11-kit *.module file's text (anyone who can write ~/.config/pkcs11/modules).
#include "certagent/core/token/module_discovery.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)certagent::token::parseP11KitModule(text, "/usr/lib/x86_64-linux-gnu/pkcs11", "certagent-cli");
    (void)certagent::token::p11KitProgramListHas(text, "certagent");
    return 0;
}
