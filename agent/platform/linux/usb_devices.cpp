// presentUsbDevices on Linux: sysfs's uevent files, the same properties the netlink uevents
// carry, read with the udev filter's own parser (usb_uevent.hpp).
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "device_sources.hpp"
#include "linux/usb_uevent.hpp"

namespace certagent::platform {

namespace fs = std::filesystem;

std::vector<device::DeviceEvent> presentUsbDevices(const device::UsbIdFilter& filter) {
    const char* override = std::getenv("CERTAGENT_SYSFS_ROOT");
    const fs::path root = override && *override ? fs::path(override) : fs::path("/sys");
    device::UsbIdFilter known = filter;
    known.smartCardClass = false;
    std::vector<device::DeviceEvent> out;
    std::error_code ec;
    fs::directory_iterator it(root / "bus/usb/devices", ec), end;
    // A machine has tens of USB functions; more than 1024 entries is not a USB bus.
    for (int n = 0; !ec && it != end && n < 1024; it.increment(ec), ++n) {
        std::ifstream in(it->path() / "uevent", std::ios::binary);
        if (!in) continue;
        std::string text(8192, '\0');  // a uevent file is a few hundred bytes
        in.read(text.data(), static_cast<std::streamsize>(text.size()));
        text.resize(static_cast<std::size_t>(in.gcount()));
        auto props = parseUevent(text);
        props["ACTION"] = "add";
        props["SUBSYSTEM"] = "usb";
        // The entries are symlinks into /sys/devices: the device path udev would report.
        std::error_code ignored;
        auto real = fs::weakly_canonical(it->path(), ignored);
        auto base = fs::weakly_canonical(root, ignored);
        auto rel = real.lexically_relative(base);
        props["DEVPATH"] = "/" + (rel.empty() ? it->path().filename() : rel).generic_string();
        if (auto e = classifyUsbUevent(props, known)) {
            e->source = "enumerate";
            out.push_back(std::move(*e));
        }
    }
    return out;
}

}  // namespace certagent::platform
