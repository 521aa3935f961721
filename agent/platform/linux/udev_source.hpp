#pragma once
// USB add/remove from libudev's netlink monitor. The "udev" group (events after udevd has
// processed them) is used when udevd runs; without udevd (containers, minimal systems) that
// group stays silent, so the kernel's own uevents are read instead. The thread sleeps in
// poll() on the netlink socket and an eventfd that stop() writes.
#include <string>
#include <thread>

#include "certagent/core/device/device_source.hpp"

struct udev;
struct udev_monitor;

namespace certagent::platform {

class UdevSource final : public device::DeviceSource {
public:
    // group: "udev", "kernel" or "auto" (udev when /run/udev/control exists, else kernel).
    explicit UdevSource(device::UsbIdFilter filter, std::string group = "auto");
    ~UdevSource() override;

    const char* name() const noexcept override { return "udev"; }
    bool start(device::SourceCallbacks callbacks) override;
    void stop() override;

    // The netlink group in use after start(): "udev" or "kernel".
    const std::string& group() const noexcept { return group_; }

private:
    void run();
    device::UsbIdFilter filter_;
    std::string group_;
    device::SourceCallbacks callbacks_;
    struct udev* udev_ = nullptr;
    struct udev_monitor* monitor_ = nullptr;
    int stopFd_ = -1;
    std::thread thread_;
};

}  // namespace certagent::platform
