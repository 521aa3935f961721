#pragma once
// Which USB uevents matter: a token plugin's VID:PID, or a smart-card class interface. Kept
// apart from libudev so tests can feed recorded events (kernel and udev sources differ: the
// kernel's carry PRODUCT/TYPE/INTERFACE, udev adds ID_* properties; both have PRODUCT).
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "certagent/core/device/device_source.hpp"

namespace certagent::platform {

using UeventProperties = std::map<std::string, std::string>;

// "KEY=VALUE" lines (or NUL-separated, as in /sys/.../uevent and the netlink payload).
UeventProperties parseUevent(std::string_view text);

// The Device event for a USB add/remove worth a rescan, else nullopt.
//  - usb_device with a plugin's VID:PID (PRODUCT="vid/pid/bcd", hex);
//  - usb_device whose class (TYPE="class/sub/proto", decimal) is smart card;
//  - usb_interface with class 11 (INTERFACE="11/0/0") of a device no plugin knows (a known
//    device is already reported by its usb_device event).
std::optional<device::DeviceEvent> classifyUsbUevent(const UeventProperties& properties,
                                                     const device::UsbIdFilter& filter);

}  // namespace certagent::platform
