// macOS device sources: IOKit matching notifications for USB devices with a token plugin's
// VID:PID (a CFRunLoop on our own thread, stopped with CFRunLoopStop) and PC/SC through the
// system's winscard compatibility layer. NOT built or checked on the Linux CI (no SDK there):
// keep it small and review it on a Mac. See docs/devices.md.
#include <CoreFoundation/CoreFoundation.h>
#include <IOKit/IOKitLib.h>
#include <IOKit/usb/IOUSBLib.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "device_sources.hpp"

namespace certagent::platform {

namespace {

class MacUsbSource final : public device::DeviceSource {
public:
    explicit MacUsbSource(device::UsbIdFilter filter) : filter_(std::move(filter)) {}
    ~MacUsbSource() override { stop(); }
    const char* name() const noexcept override { return "macos"; }

    bool start(device::SourceCallbacks callbacks) override {
        callbacks_ = std::move(callbacks);
        thread_ = std::thread([this] { run(); });
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return ready_; });
        if (!ok_) {
            thread_.join();
            return false;
        }
        if (callbacks_.onActive) callbacks_.onActive(true);
        return true;
    }

    void stop() override {
        if (!thread_.joinable()) return;
        {
            std::lock_guard lock(mutex_);
            if (loop_) CFRunLoopStop(loop_);
        }
        thread_.join();
    }

    static int intProperty(io_service_t s, CFStringRef key) {
        int value = 0;
        if (CFTypeRef ref = IORegistryEntryCreateCFProperty(s, key, kCFAllocatorDefault, 0)) {
            if (CFGetTypeID(ref) == CFNumberGetTypeID())
                CFNumberGetValue(static_cast<CFNumberRef>(ref), kCFNumberIntType, &value);
            CFRelease(ref);
        }
        return value;
    }

private:
    static void added(void* self, io_iterator_t it) {
        static_cast<MacUsbSource*>(self)->drain(it, device::DeviceAction::UsbAdded);
    }
    static void removed(void* self, io_iterator_t it) {
        static_cast<MacUsbSource*>(self)->drain(it, device::DeviceAction::UsbRemoved);
    }

    void drain(io_iterator_t it, device::DeviceAction action) {
        while (io_service_t s = IOIteratorNext(it)) {
            auto vid = static_cast<std::uint16_t>(intProperty(s, CFSTR(kUSBVendorID)));
            auto pid = static_cast<std::uint16_t>(intProperty(s, CFSTR(kUSBProductID)));
            int cls = intProperty(s, CFSTR(kUSBDeviceClass));
            io_string_t path{};
            IORegistryEntryGetPath(s, kIOServicePlane, path);
            IOObjectRelease(s);
            if (!armed_) continue;  // the first drain lists devices already present
            if (!filter_.knows(vid, pid) &&
                !(filter_.smartCardClass && cls == device::UsbIdFilter::kSmartCardClass))
                continue;
            device::DeviceEvent e;
            e.source = "macos";
            e.action = action;
            e.device = path;
            e.vid = vid;
            e.pid = pid;
            if (callbacks_.onEvent) callbacks_.onEvent(e);
        }
    }

    void run() {
        IONotificationPortRef port = IONotificationPortCreate(kIOMainPortDefault);
        bool ok = port != nullptr;
        io_iterator_t addIt = 0, removeIt = 0;
        if (ok) {
            CFRunLoopAddSource(CFRunLoopGetCurrent(), IONotificationPortGetRunLoopSource(port),
                               kCFRunLoopDefaultMode);
            ok = IOServiceAddMatchingNotification(port, kIOFirstMatchNotification,
                                                  IOServiceMatching(kIOUSBDeviceClassName),
                                                  added, this, &addIt) == KERN_SUCCESS &&
                 IOServiceAddMatchingNotification(port, kIOTerminatedNotification,
                                                  IOServiceMatching(kIOUSBDeviceClassName),
                                                  removed, this, &removeIt) == KERN_SUCCESS;
        }
        if (ok) {
            drain(addIt, device::DeviceAction::UsbAdded);  // arms the notification
            drain(removeIt, device::DeviceAction::UsbRemoved);
            armed_ = true;
        }
        {
            std::lock_guard lock(mutex_);
            loop_ = ok ? CFRunLoopGetCurrent() : nullptr;
            ok_ = ok;
            ready_ = true;
        }
        cv_.notify_all();
        if (ok) CFRunLoopRun();  // sleeps in mach_msg until a notification or CFRunLoopStop
        {
            std::lock_guard lock(mutex_);
            loop_ = nullptr;
        }
        if (addIt) IOObjectRelease(addIt);
        if (removeIt) IOObjectRelease(removeIt);
        if (port) IONotificationPortDestroy(port);
    }

    device::UsbIdFilter filter_;
    device::SourceCallbacks callbacks_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool ready_ = false;
    bool ok_ = false;
    std::atomic<bool> armed_{false};
    CFRunLoopRef loop_ = nullptr;
    std::thread thread_;
};

}  // namespace

std::vector<std::unique_ptr<device::DeviceSource>> makeDeviceSources(
    const device::UsbIdFilter& filter) {
    std::vector<std::unique_ptr<device::DeviceSource>> out;
    out.push_back(std::make_unique<MacUsbSource>(filter));
    // PC/SC on macOS: the same SCardGetStatusChange loop as on Linux (PCSC.framework is a
    // pcsc-lite-compatible API); left out until it can be tested on a Mac: USB matching plus
    // the poll fallback cover tokens meanwhile.
    return out;
}

std::vector<device::DeviceEvent> presentUsbDevices(const device::UsbIdFilter& filter) {
    std::vector<device::DeviceEvent> out;
    io_iterator_t it = 0;
    // IOServiceGetMatchingServices consumes the matching dictionary.
    if (IOServiceGetMatchingServices(kIOMainPortDefault, IOServiceMatching(kIOUSBDeviceClassName),
                                     &it) != KERN_SUCCESS)
        return out;
    while (io_service_t s = IOIteratorNext(it)) {
        auto vid = static_cast<std::uint16_t>(MacUsbSource::intProperty(s, CFSTR(kUSBVendorID)));
        auto pid = static_cast<std::uint16_t>(MacUsbSource::intProperty(s, CFSTR(kUSBProductID)));
        io_string_t path{};
        IORegistryEntryGetPath(s, kIOServicePlane, path);
        IOObjectRelease(s);
        if (!filter.knows(vid, pid)) continue;
        device::DeviceEvent e;
        e.source = "enumerate";
        e.action = device::DeviceAction::UsbAdded;
        e.device = path;
        e.vid = vid;
        e.pid = pid;
        out.push_back(std::move(e));
    }
    IOObjectRelease(it);
    return out;
}

}  // namespace certagent::platform
