#pragma once
// Telling the service manager how the headless agent is doing: systemd's sd_notify protocol
// (a datagram to $NOTIFY_SOCKET) for the Type=notify user unit. Linux only; elsewhere, and
// outside such a unit, nothing is sent.
#include <string>

namespace certagent::platform {

// Sends `state` ("READY=1", "STOPPING=1", "STATUS=...", several separated by newlines) to the
// socket named by $NOTIFY_SOCKET (a path, or "@name" in the abstract namespace). false when
// there is none or sending failed (logged at debug level).
bool notifyServiceManager(const std::string& state);

}  // namespace certagent::platform
