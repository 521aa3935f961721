// What the local server reads from a request before anything else: Host, Origin, content
// type and CORS preflights (request_policy.hpp). The input is split into fields at each NUL.
#include "certagent/core/server/request_policy.hpp"
#include "certagent/core/log.hpp"

#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace certagent::server;
    std::vector<std::string> f(1);
    for (size_t i = 0; i < size; ++i) {
        if (data[i] == 0 && f.size() < 6) f.emplace_back();
        else f.back().push_back(static_cast<char>(data[i]));
    }
    f.resize(6);
    const std::vector<std::string> allowed = {"https://ca.certdigital.ro", f[5]};
    (void)hostAllowed(f[0], 15000);
    if (auto c = canonicalOrigin(f[1])) (void)originAllowed(*c, allowed);
    (void)originAllowed(f[1], allowed);
    (void)isJsonContentType(f[2]);
    PreflightRequest p{f[1], f[3], f[4], !f[0].empty() && f[0][0] == 'p', size % 2 == 1};
    (void)answerPreflight(p, allowed);
    (void)certagent::log::escape(f[1]);
    return 0;
}
