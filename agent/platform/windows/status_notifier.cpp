// No StatusNotifierItem on this OS: the tray app's icon is wxTaskBarIcon's (agent/gui).
#include "status_notifier.hpp"

namespace certagent::platform {

std::unique_ptr<StatusNotifierItem> makeStatusNotifierItem(MenuActionHandler, std::string) {
    return nullptr;
}

}  // namespace certagent::platform
