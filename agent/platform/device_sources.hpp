#pragma once
// The device event sources of the OS the agent was built for. Each OS folder (linux/,
// windows/, macos/) defines makeDeviceSources; only the current OS's folder is built. Plain
// C++ (see device_source.hpp) so the Windows code compiles against it with mingw alone.
#include <memory>
#include <vector>

#include "certagent/core/device/device_source.hpp"

namespace certagent::platform {

// Linux: udev (USB add/remove, "udev" netlink source, else the kernel's) and PC/SC (pcsc-lite).
// Windows: device notifications (CM_Register_Notification) and PC/SC (winscard).
// macOS: IOKit matching notifications and PC/SC (CryptoTokenKit's winscard compatibility).
std::vector<std::unique_ptr<device::DeviceSource>> makeDeviceSources(
    const device::UsbIdFilter& filter);

// The USB devices present now whose VID:PID the filter knows (filter.ids; the smart-card class
// is not looked at), as usb_added events with source "enumerate". What the driver check
// (device/driver_check.hpp) compares with the PKCS#11 tokens.
// Linux: <sysfs>/bus/usb/devices/*/uevent, <sysfs> being $CERTAGENT_SYSFS_ROOT (tests) or /sys.
// Windows: CM_Get_Device_Interface_List for GUID_DEVINTERFACE_USB_DEVICE. macOS: IOKit's
// IOUSBDevice services.
std::vector<device::DeviceEvent> presentUsbDevices(const device::UsbIdFilter& filter);

}  // namespace certagent::platform
