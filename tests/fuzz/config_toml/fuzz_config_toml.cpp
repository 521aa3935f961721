// A configuration file's text: problems become diagnostics, never exceptions or crashes.
#include "certagent/core/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto config = certagent::config::Config::defaults();
    config.applyDocument(std::string(reinterpret_cast<const char*>(data), size),
                         certagent::config::Layer::User, "fuzz.toml");
    for (const auto& d : config.diagnostics()) (void)d.format();
    return 0;
}
