// The real libudev monitor: it starts on the kernel's netlink group when udevd is absent (as
// in this container) and stops promptly. Events themselves are covered by usb_uevent_test with
// recorded uevents: nothing here can plug a USB device in.
#include <gtest/gtest.h>

#include <chrono>
#include <unistd.h>

#include "linux/udev_source.hpp"

using namespace certagent;
using namespace std::chrono_literals;

TEST(UdevSource, StartsOnTheAvailableNetlinkGroupAndStopsPromptly) {
    platform::UdevSource source(device::UsbIdFilter{});
    bool active = false;
    ASSERT_TRUE(source.start({.onEvent = [](const device::DeviceEvent&) {},
                              .onActive = [&](bool a) { active = a; }}));
    EXPECT_TRUE(active);
    EXPECT_TRUE(source.group() == "udev" || source.group() == "kernel") << source.group();
    if (access("/run/udev/control", F_OK) != 0) {
        EXPECT_EQ(source.group(), "kernel");
    }
    auto t0 = std::chrono::steady_clock::now();
    source.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
    source.stop();
}
