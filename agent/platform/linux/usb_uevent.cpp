#include "linux/usb_uevent.hpp"

#include <charconv>
#include <vector>

namespace certagent::platform {

namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (start <= s.size()) {
        auto end = s.find(sep, start);
        if (end == std::string_view::npos) end = s.size();
        out.push_back(s.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

std::optional<unsigned> number(std::string_view s, int base) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
}

std::string get(const UeventProperties& p, const char* key) {
    auto it = p.find(key);
    return it == p.end() ? std::string() : it->second;
}

// First number of "a/b/c" in the given base.
std::optional<unsigned> firstField(const std::string& value, int base) {
    auto parts = split(value, '/');
    if (parts.size() != 3) return std::nullopt;
    return number(parts[0], base);
}

}  // namespace

UeventProperties parseUevent(std::string_view text) {
    UeventProperties out;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find_first_of(std::string_view("\n\0", 2), start);
        if (end == std::string_view::npos) end = text.size();
        auto line = text.substr(start, end - start);
        auto eq = line.find('=');
        if (eq != std::string_view::npos)
            out[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
        start = end + 1;
    }
    return out;
}

std::optional<device::DeviceEvent> classifyUsbUevent(const UeventProperties& p,
                                                     const device::UsbIdFilter& filter) {
    if (get(p, "SUBSYSTEM") != "usb") return std::nullopt;
    const auto action = get(p, "ACTION");
    if (action != "add" && action != "remove") return std::nullopt;
    // split() returns views: keep the string they point into alive.
    const auto product_text = get(p, "PRODUCT");
    auto product = split(product_text, '/');
    if (product.size() != 3) return std::nullopt;
    auto vid = number(product[0], 16);
    auto pid = number(product[1], 16);
    if (!vid || !pid || *vid > 0xFFFF || *pid > 0xFFFF) return std::nullopt;
    const bool known = filter.knows(static_cast<std::uint16_t>(*vid),
                                    static_cast<std::uint16_t>(*pid));
    const auto devtype = get(p, "DEVTYPE");
    bool wanted = false;
    if (devtype == "usb_device") {
        wanted = known || (filter.smartCardClass &&
                           firstField(get(p, "TYPE"), 10) ==
                               unsigned(device::UsbIdFilter::kSmartCardClass));
    } else if (devtype == "usb_interface") {
        wanted = !known && filter.smartCardClass &&
                 firstField(get(p, "INTERFACE"), 10) ==
                     unsigned(device::UsbIdFilter::kSmartCardClass);
    }
    if (!wanted) return std::nullopt;
    device::DeviceEvent e;
    e.source = "udev";
    e.action = action == "add" ? device::DeviceAction::UsbAdded : device::DeviceAction::UsbRemoved;
    e.device = get(p, "DEVPATH");
    e.vid = static_cast<std::uint16_t>(*vid);
    e.pid = static_cast<std::uint16_t>(*pid);
    return e;
}

}  // namespace certagent::platform
