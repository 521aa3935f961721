#include "failure.hpp"

#include <certagent/sdk/plugin.hpp>

namespace certagent::renewal {

Failure fromHost(const sdk::HostError& e) {
    std::string c = e.code();
    if (c.empty()) {
        switch (e.status()) {
            case CA_ERR_RETRY:
                c = code::kNetwork;
                break;
            case CA_ERR_DENIED:
                c = code::kCancelled;
                break;
            case CA_ERR_INVALID_ARGUMENT:
                c = code::kInvalidInput;
                break;
            default:
                c = code::kInternal;
                break;
        }
    }
    return Failure(c, e.what());
}

}  // namespace certagent::renewal
