#include "linux/udev_source.hpp"

#include <libudev.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

#include "certagent/core/log.hpp"
#include "linux/usb_uevent.hpp"

namespace certagent::platform {

UdevSource::UdevSource(device::UsbIdFilter filter, std::string group)
    : filter_(std::move(filter)), group_(std::move(group)) {}

UdevSource::~UdevSource() { stop(); }

bool UdevSource::start(device::SourceCallbacks callbacks) {
    if (thread_.joinable()) return true;
    callbacks_ = std::move(callbacks);
    if (group_ == "auto") group_ = access("/run/udev/control", F_OK) == 0 ? "udev" : "kernel";
    udev_ = udev_new();
    if (!udev_) return false;
    monitor_ = udev_monitor_new_from_netlink(udev_, group_.c_str());
    if (!monitor_ || udev_monitor_filter_add_match_subsystem_devtype(monitor_, "usb", nullptr) < 0 ||
        udev_monitor_enable_receiving(monitor_) < 0) {
        log::warn("device", "udev: cannot listen to {} uevents", group_);
        if (monitor_) udev_monitor_unref(monitor_);
        udev_unref(udev_);
        monitor_ = nullptr;
        udev_ = nullptr;
        return false;
    }
    stopFd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (stopFd_ < 0) {
        udev_monitor_unref(monitor_);
        udev_unref(udev_);
        monitor_ = nullptr;
        udev_ = nullptr;
        return false;
    }
    log::debug("device", "udev: listening to {} uevents", group_);
    thread_ = std::thread([this] { run(); });
    if (callbacks_.onActive) callbacks_.onActive(true);
    return true;
}

void UdevSource::stop() {
    if (!thread_.joinable()) return;
    std::uint64_t one = 1;
    if (write(stopFd_, &one, sizeof one) < 0) log::warn("device", "udev: eventfd write failed");
    thread_.join();
    close(stopFd_);
    stopFd_ = -1;
    udev_monitor_unref(monitor_);
    udev_unref(udev_);
    monitor_ = nullptr;
    udev_ = nullptr;
}

void UdevSource::run() {
    pollfd fds[2] = {{udev_monitor_get_fd(monitor_), POLLIN, 0}, {stopFd_, POLLIN, 0}};
    for (;;) {
        int n = poll(fds, 2, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            log::error("device", "udev: poll failed: {}", errno);
            break;
        }
        if (fds[1].revents) return;  // stop(): not a loss of the source
        if (!(fds[0].revents & POLLIN)) {
            if (fds[0].revents & (POLLERR | POLLHUP | POLLNVAL)) break;
            continue;
        }
        // Drain everything queued: the socket is non-blocking.
        while (udev_device* dev = udev_monitor_receive_device(monitor_)) {
            UeventProperties props;
            for (auto* e = udev_device_get_properties_list_entry(dev); e;
                 e = udev_list_entry_get_next(e))
            {
                const char* value = udev_list_entry_get_value(e);
                props[udev_list_entry_get_name(e)] = value ? value : "";
            }
            udev_device_unref(dev);
            if (auto event = classifyUsbUevent(props, filter_); event && callbacks_.onEvent)
                callbacks_.onEvent(*event);
        }
    }
    if (callbacks_.onActive) callbacks_.onActive(false);
}

}  // namespace certagent::platform
