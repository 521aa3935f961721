#include "certagent/core/device/driver_check.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cctype>

#include "certagent/core/events.hpp"
#include "certagent/core/log.hpp"

namespace certagent::device {

namespace {

bool containsNoCase(const std::string& text, const std::string& part) {
    if (part.empty()) return false;
    auto it = std::search(text.begin(), text.end(), part.begin(), part.end(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) ==
               std::tolower(static_cast<unsigned char>(b));
    });
    return it != text.end();
}

const token::UsbId* usbIdOf(const token::TokenProfile& p, std::uint16_t vid, std::uint16_t pid) {
    for (const auto& u : p.usbIds)
        if (u.vendor == vid && u.product == pid) return &u;
    return nullptr;
}

bool tokenServes(const token::TokenInfo& t, const token::TokenProfile& p) {
    if (t.plugin == p.name) return true;
    for (const auto& u : p.usbIds)
        if (containsNoCase(t.slotDescription, u.name)) return true;
    return false;
}

}  // namespace

const char* missingDriverReasonName(MissingDriver::Reason reason) noexcept {
    return reason == MissingDriver::Reason::NoToken ? "no_token" : "module_missing";
}

std::set<std::string> installedPlugins(const std::vector<token::ModuleStatus>& modules) {
    std::set<std::string> out;
    for (const auto& m : modules)
        if (m.loaded && m.spec.source == token::ModuleSource::Plugin && !m.spec.plugin.empty())
            out.insert(m.spec.plugin);
    return out;
}

std::vector<MissingDriver> findMissingDrivers(const std::vector<DeviceEvent>& present,
                                              const std::vector<token::TokenInfo>& tokens,
                                              const std::vector<token::TokenProfile>& profiles,
                                              const std::set<std::string>& installed) {
    std::vector<MissingDriver> out;
    std::set<std::string> counted;  // a device is one plugin's, even if two declare its id
    for (const auto& p : profiles) {
        if (p.usbIds.empty()) continue;
        std::vector<const DeviceEvent*> devices;
        for (const auto& d : present)
            if (d.vid && d.pid && usbIdOf(p, *d.vid, *d.pid) && !counted.count(d.device))
                devices.push_back(&d);
        if (devices.empty()) continue;
        for (const auto* d : devices) counted.insert(d->device);
        const auto served = static_cast<std::size_t>(
            std::count_if(tokens.begin(), tokens.end(),
                          [&](const token::TokenInfo& t) { return tokenServes(t, p); }));
        if (served >= devices.size()) continue;
        std::sort(devices.begin(), devices.end(),
                  [](const DeviceEvent* a, const DeviceEvent* b) { return a->device < b->device; });
        for (std::size_t i = served; i < devices.size(); ++i) {
            const auto& d = *devices[i];
            MissingDriver m;
            m.plugin = p.name;
            m.vendor = p.vendor;
            m.product = p.product;
            m.usbName = usbIdOf(p, *d.vid, *d.pid)->name;
            m.vid = *d.vid;
            m.pid = *d.pid;
            m.device = d.device;
            m.reason = installed.count(p.name) ? MissingDriver::Reason::NoToken
                                               : MissingDriver::Reason::ModuleMissing;
            m.drivers = p.driversForThisOs();
            out.push_back(std::move(m));
        }
    }
    return out;
}

nlohmann::json missingDriverJson(const MissingDriver& m) {
    nlohmann::json drivers = nlohmann::json::array();
    for (const auto& d : m.drivers) drivers.push_back({{"url", d.url}, {"note", d.note}});
    return {{"plugin", m.plugin},
            {"vendor", m.vendor},
            {"product", m.product},
            {"usb_name", m.usbName},
            {"vid", fmt::format("{:04x}", m.vid)},
            {"pid", fmt::format("{:04x}", m.pid)},
            {"device", m.device},
            {"reason", missingDriverReasonName(m.reason)},
            {"drivers", std::move(drivers)}};
}

DriverWatch::DriverWatch(EventBus& bus, Clock& clock, std::vector<token::TokenProfile> profiles,
                         UsbLister lister, std::chrono::milliseconds grace)
    : bus_(bus),
      clock_(clock),
      profiles_(std::move(profiles)),
      lister_(std::move(lister)),
      grace_(grace) {}

std::vector<MissingDriver> DriverWatch::update(const std::vector<token::TokenInfo>& tokens,
                                               const std::set<std::string>& installed,
                                               TimePoint scanStart, bool initial) {
    std::vector<DeviceEvent> present;
    try {
        if (lister_) present = lister_();
    } catch (const std::exception& e) {
        log::warn("device", "listing USB devices: {}", e.what());
        return current();
    }
    std::lock_guard lock(mutex_);
    std::map<std::string, TimePoint> seen;
    std::vector<DeviceEvent> settled;
    for (const auto& d : present) {
        auto it = firstSeen_.find(d.device);
        // Present at the first rescan: plugged in before the agent started, the driver had time.
        const TimePoint since = it != firstSeen_.end() ? it->second
                                : initial              ? TimePoint::min()
                                                       : scanStart;
        seen[d.device] = since;
        if (since == TimePoint::min() || scanStart - since >= grace_) settled.push_back(d);
    }
    firstSeen_ = std::move(seen);  // devices gone are forgotten
    auto missing = findMissingDrivers(settled, tokens, profiles_, installed);
    if (missing != current_) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& m : missing) {
            list.push_back(missingDriverJson(m));
            log::warn("device",
                      "{} ({:04x}:{:04x}) is plugged in but no PKCS#11 token appears "
                      "for it ({})",
                      m.usbName.empty() ? m.product : m.usbName, m.vid, m.pid,
                      missingDriverReasonName(m.reason));
        }
        current_ = missing;
        bus_.publish({{"type", events::kDriversMissing},
                      {"devices", std::move(list)},
                      {"time", toIso8601(clock_.now())}});
    }
    return missing;
}

std::vector<MissingDriver> DriverWatch::current() const {
    std::lock_guard lock(mutex_);
    return current_;
}

}  // namespace certagent::device
