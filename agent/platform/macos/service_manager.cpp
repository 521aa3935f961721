// No sd_notify on this OS: the headless agent runs without a Type=notify service manager.
#include "service_manager.hpp"

namespace certagent::platform {

bool notifyServiceManager(const std::string&) { return false; }

}  // namespace certagent::platform
