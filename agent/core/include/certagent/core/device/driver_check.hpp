#pragma once
// "Token X is plugged in but its driver is not installed": a USB device whose VID:PID a token
// plugin declares is present, and no PKCS#11 token of that plugin is listed. The ePass3000
// (not CCID) is visible only this way; a CCID token without its vendor module likewise.
//
//   auto missing = findMissingDrivers(platform::presentUsbDevices(filter), service.tokens(),
//                                     profiles, installedPlugins(service.modules()));
//
// A token counts for a plugin's device when the plugin claims it, or when its slot description
// (the PC/SC reader name, through OpenSC) contains the profile's USB name: an ePass2003 read by
// OpenSC through p11-kit is claimed by generic-pkcs11 but is no missing driver. Devices and
// tokens are counted per plugin: two tokens plugged in and one listed is one missing driver.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "certagent/core/clock.hpp"
#include "certagent/core/device/device_source.hpp"
#include "certagent/core/event_bus.hpp"
#include "certagent/core/token/token_profile.hpp"

namespace certagent::device {

struct MissingDriver {
    enum class Reason {
        ModuleMissing,  // none of the plugin's modules for this OS is installed (or loads)
        NoToken,        // its module loads but lists no token for the device
    };
    std::string plugin;
    std::string vendor;
    std::string product;
    std::string usbName;  // the profile's name for this VID:PID
    std::uint16_t vid = 0;
    std::uint16_t pid = 0;
    std::string device;  // OS path of the USB device
    Reason reason = Reason::ModuleMissing;
    std::vector<token::DriverLink> drivers;  // this OS's driver links from the profile

    bool operator==(const MissingDriver& o) const {
        return plugin == o.plugin && device == o.device && reason == o.reason;
    }
};
const char* missingDriverReasonName(
    MissingDriver::Reason reason) noexcept;  // "module_missing"|"no_token"

// The plugins whose own module (ModuleSource::Plugin) is installed and loads.
std::set<std::string> installedPlugins(const std::vector<token::ModuleStatus>& modules);

std::vector<MissingDriver> findMissingDrivers(const std::vector<DeviceEvent>& present,
                                              const std::vector<token::TokenInfo>& tokens,
                                              const std::vector<token::TokenProfile>& profiles,
                                              const std::set<std::string>& installed);

// {plugin, vendor, product, usb_name, vid: "096e", pid: "0401", device, reason,
//  drivers: [{url, note}]}
nlohmann::json missingDriverJson(const MissingDriver& m);

// The rule over time, for the device monitor: after each rescan, a device counts only once it
// has been present for `grace` (a driver may publish the token a moment after the device:
// USB additions get rescans at +1 s and +3 s, so with 2 s the +3 s rescan decides), or when it
// was already there at the first rescan. Publishes a DriversMissing event (events.hpp) with
// the whole list whenever it changes.
class DriverWatch {
  public:
    using UsbLister = std::function<std::vector<DeviceEvent>()>;
    DriverWatch(EventBus& bus, Clock& clock, std::vector<token::TokenProfile> profiles,
                UsbLister lister, std::chrono::milliseconds grace = std::chrono::seconds(2));

    // After a rescan that started at `scanStart` listed `tokens`.
    std::vector<MissingDriver> update(const std::vector<token::TokenInfo>& tokens,
                                      const std::set<std::string>& installed, TimePoint scanStart,
                                      bool initial);
    std::vector<MissingDriver> current() const;
    const std::vector<token::TokenProfile>& profiles() const { return profiles_; }

  private:
    EventBus& bus_;
    Clock& clock_;
    std::vector<token::TokenProfile> profiles_;
    UsbLister lister_;
    std::chrono::milliseconds grace_;
    mutable std::mutex mutex_;
    std::map<std::string, TimePoint> firstSeen_;  // device path → first rescan that saw it
    std::vector<MissingDriver> current_;
};

}  // namespace certagent::device
