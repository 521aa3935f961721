#pragma once
// What an OS event source reports, and the interface every source implements. Plain C++ on
// purpose (no fmt, no JSON): the Windows and macOS sources compile against this header alone.
//
//   source->start({.onEvent = ..., .onActive = ...});  // events arrive on the source's thread
//   ...
//   source->stop();                                     // after it returns, no more callbacks
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace certagent::device {

enum class DeviceAction {
    UsbAdded,
    UsbRemoved,
    ReaderAdded,
    ReaderRemoved,
    CardInserted,
    CardRemoved,
};
// "usb_added", "usb_removed", "reader_added", "reader_removed", "card_inserted", "card_removed"
inline const char* deviceActionName(DeviceAction action) noexcept {
    switch (action) {
    case DeviceAction::UsbAdded: return "usb_added";
    case DeviceAction::UsbRemoved: return "usb_removed";
    case DeviceAction::ReaderAdded: return "reader_added";
    case DeviceAction::ReaderRemoved: return "reader_removed";
    case DeviceAction::CardInserted: return "card_inserted";
    case DeviceAction::CardRemoved: return "card_removed";
    }
    return "unknown";
}

// One raw event. Which fields are set depends on the action: USB events carry device/vid/pid,
// PC/SC events carry reader (and atr for card_inserted).
struct DeviceEvent {
    std::string source;  // "udev" | "pcsc" | "windows" | "macos" | "poll"
    DeviceAction action = DeviceAction::UsbAdded;
    std::string device;  // OS path or id: sysfs devpath, device interface path, IOKit path
    std::optional<std::uint16_t> vid;
    std::optional<std::uint16_t> pid;
    std::string reader;
    std::string atr;  // upper-case hex, no separators
    std::chrono::system_clock::time_point time = std::chrono::system_clock::now();
};

// Which USB devices are worth a rescan: the VID:PIDs the token plugins declare, and any device
// with a smart-card class (0x0B) interface (CCID tokens no plugin knows yet).
struct UsbIdFilter {
    std::vector<std::pair<std::uint16_t, std::uint16_t>> ids;
    bool smartCardClass = true;

    bool knows(std::uint16_t vid, std::uint16_t pid) const noexcept {
        for (const auto& [v, p] : ids)
            if (v == vid && p == pid) return true;
        return false;
    }
    static constexpr int kSmartCardClass = 0x0B;
};

struct SourceCallbacks {
    std::function<void(const DeviceEvent&)> onEvent;
    // The source can (true) or cannot (false) deliver events right now, e.g. pcscd went away.
    // The monitor falls back to polling while no source is active.
    std::function<void(bool active)> onActive;
};

class DeviceSource {
public:
    virtual ~DeviceSource() = default;
    // "udev", "pcsc", "windows", "macos"
    virtual const char* name() const noexcept = 0;
    // Starts the source's own thread (blocked in the OS's wait, never polling). Returns false
    // when the source cannot work here at all (no netlink, no PC/SC library); the callbacks
    // are then never called.
    virtual bool start(SourceCallbacks callbacks) = 0;
    // Stops and joins the thread; after it returns no callback runs or will run. Idempotent.
    virtual void stop() = 0;
};

}  // namespace certagent::device
