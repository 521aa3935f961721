// A PDF as verify and inspect get it (a file): the document limits, the signature scan and,
// for inspect, PoDoFo. Each either returns or throws certagent::Error.
#include "certagent/core/error.hpp"
#include "certagent/core/pdf/inspect.hpp"
#include "certagent/core/pdf/limits.hpp"
#include "certagent/core/pdf/verify.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace certagent;
    static const std::filesystem::path file =
        std::filesystem::temp_directory_path() / ("certagent-fuzz-" + std::to_string(getpid()) + ".pdf");
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    try {
        pdf::checkDocumentLimits(bytes, file);
    } catch (const Error&) {
    }
    if (FILE* f = std::fopen(file.c_str(), "wb")) {
        std::fwrite(data, 1, size, f);
        std::fclose(f);
    }
    try {
        for (const auto& r : pdf::verifyPdf(file, static_cast<X509_STORE*>(nullptr)))
            (void)r.message;
    } catch (const Error&) {
    }
    try {
        (void)pdf::inspectPdf(file).minImageDpi();
    } catch (const Error&) {
    }
    std::filesystem::remove(file);
    return 0;
}
