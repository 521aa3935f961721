// The "plugged in, driver missing" rule: recorded uevents give the USB devices, TokenInfos the
// PKCS#11 side; the timing with a manual clock; presentUsbDevices over a recorded sysfs tree.
#include <gtest/gtest.h>

#include <cstdlib>

#include "certagent/core/device/driver_check.hpp"
#include "certagent/core/events.hpp"
#include "device_sources.hpp"
#include "linux/usb_uevent.hpp"
#include "temp_dir.hpp"

using namespace certagent;
using namespace certagent::device;
using namespace std::chrono_literals;
using certagent::testing::TempDir;
using certagent::testing::writeFile;

namespace {

// `udevadm monitor --kernel --property` style records of the two Feitian tokens.
constexpr const char* kEpass3000Add =
    "ACTION=add\nDEVPATH=/devices/pci0000:00/0000:00:14.0/usb1/1-3\nSUBSYSTEM=usb\n"
    "MAJOR=189\nMINOR=6\nDEVNAME=bus/usb/001/007\nDEVTYPE=usb_device\nPRODUCT=96e/401/100\n"
    "TYPE=0/0/0\nBUSNUM=001\nDEVNUM=007\nSEQNUM=5120\n";
constexpr const char* kEpass2003Add =
    "ACTION=add\nDEVPATH=/devices/pci0000:00/0000:00:14.0/usb1/1-2\nSUBSYSTEM=usb\n"
    "MAJOR=189\nMINOR=4\nDEVNAME=bus/usb/001/005\nDEVTYPE=usb_device\nPRODUCT=96e/807/100\n"
    "TYPE=0/0/0\nBUSNUM=001\nDEVNUM=005\nSEQNUM=4711\n";

token::TokenProfile profile(std::string name, std::uint16_t pid, std::string usbName) {
    token::TokenProfile p;
    p.name = std::move(name);
    p.vendor = "Feitian";
    p.product = p.name;
    p.usbIds = {{0x096e, pid, std::move(usbName)}};
    p.drivers = {{token::currentOs(), "https://example.invalid/driver.zip", "the driver"},
                 {"plan9", "https://example.invalid/other.zip", ""}};
    return p;
}

std::vector<token::TokenProfile> profiles() {
    return {profile("epass3000", 0x0401, "Feitian ePass3000"),
            profile("epass2003auto", 0x0807, "Feitian ePass2003")};
}

DeviceEvent recorded(const char* uevent, std::string devpath = {}) {
    UsbIdFilter filter;
    filter.ids = {{0x096e, 0x0401}, {0x096e, 0x0807}};
    auto e = platform::classifyUsbUevent(platform::parseUevent(uevent), filter);
    EXPECT_TRUE(e);
    if (!devpath.empty()) e->device = devpath;
    return *e;
}

token::TokenInfo tokenOf(std::string plugin, std::string slotDescription = {}) {
    token::TokenInfo t;
    t.plugin = std::move(plugin);
    t.slotDescription = std::move(slotDescription);
    t.serial = "S1";
    return t;
}

}  // namespace

TEST(DriverCheck, APluginsUsbDeviceWithoutATokenIsADriverMissing) {
    auto missing = findMissingDrivers({recorded(kEpass3000Add)}, {}, profiles(), {});
    ASSERT_EQ(missing.size(), 1u);
    EXPECT_EQ(missing[0].plugin, "epass3000");
    EXPECT_EQ(missing[0].usbName, "Feitian ePass3000");
    EXPECT_EQ(missing[0].reason, MissingDriver::Reason::ModuleMissing);
    EXPECT_EQ(missing[0].device, "/devices/pci0000:00/0000:00:14.0/usb1/1-3");
    ASSERT_EQ(missing[0].drivers.size(), 1u);  // this OS's link only
    EXPECT_EQ(missing[0].drivers[0].url, "https://example.invalid/driver.zip");
    auto j = missingDriverJson(missing[0]);
    EXPECT_EQ(j["vid"], "096e");
    EXPECT_EQ(j["pid"], "0401");
    EXPECT_EQ(j["reason"], "module_missing");
    // Its module installed but no token: a different reason, same report.
    auto noToken = findMissingDrivers({recorded(kEpass3000Add)}, {}, profiles(), {"epass3000"});
    ASSERT_EQ(noToken.size(), 1u);
    EXPECT_EQ(noToken[0].reason, MissingDriver::Reason::NoToken);
}

TEST(DriverCheck, ATokenOfThePluginOrOnItsReaderMeansTheDriverWorks) {
    EXPECT_TRUE(
        findMissingDrivers({recorded(kEpass3000Add)}, {tokenOf("epass3000")}, profiles(), {})
            .empty());
    // An ePass2003 read by OpenSC via p11-kit is claimed by generic-pkcs11; its slot is the
    // PC/SC reader, named after the USB device.
    EXPECT_TRUE(findMissingDrivers({recorded(kEpass2003Add)},
                                   {tokenOf("generic-pkcs11", "Feitian ePass2003 00 00")},
                                   profiles(), {})
                    .empty());
    // ...but another vendor's token does not count for it.
    EXPECT_EQ(findMissingDrivers({recorded(kEpass2003Add)}, {tokenOf("generic-pkcs11", "Other")},
                                 profiles(), {})
                  .size(),
              1u);
}

TEST(DriverCheck, TwoTokensPluggedInAndOneListedIsOneMissingDriver) {
    auto second = recorded(kEpass3000Add, "/devices/pci0000:00/0000:00:14.0/usb1/1-4");
    auto missing = findMissingDrivers({recorded(kEpass3000Add), second}, {tokenOf("epass3000")},
                                      profiles(), {"epass3000"});
    ASSERT_EQ(missing.size(), 1u);
    EXPECT_EQ(missing[0].device, second.device);
    // Devices no plugin declares are not this rule's business.
    DeviceEvent mouse;
    mouse.device = "/devices/x";
    mouse.vid = 0x046d;
    mouse.pid = 0xc077;
    EXPECT_TRUE(findMissingDrivers({mouse}, {}, profiles(), {}).empty());
}

TEST(DriverWatch, ADeviceCountsAfterTheGracePeriodOrWhenPresentAtStart) {
    // Declared before the bus, so they outlive its thread (which may still deliver at the end).
    std::vector<DeviceEvent> present;
    std::vector<nlohmann::json> events;
    EventBus bus;
    ManualClock clock(parseIso8601("2026-11-27T10:00:00Z"));
    bus.subscribe(events::kDriversMissing, [&](const nlohmann::json& e) { events.push_back(e); });
    DriverWatch watch(
        bus, clock, profiles(), [&] { return present; }, 2s);

    // Plugged in before the agent started: the first rescan decides at once.
    present = {recorded(kEpass2003Add)};
    EXPECT_EQ(watch.update({}, {}, clock.now(), /*initial=*/true).size(), 1u);
    bus.drain();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0]["devices"][0]["plugin"], "epass2003auto");
    EXPECT_EQ(events[0]["devices"][0]["drivers"][0]["url"], "https://example.invalid/driver.zip");

    // Plugged in later: the rescans right after (+25 ms, +1 s) wait for the driver...
    present.push_back(recorded(kEpass3000Add));
    EXPECT_EQ(watch.update({}, {}, clock.now(), false).size(), 1u);
    clock.advance(1s);
    EXPECT_EQ(watch.update({}, {}, clock.now(), false).size(), 1u);
    // ...the one at +3 s decides.
    clock.advance(2s);
    EXPECT_EQ(watch.update({}, {}, clock.now(), false).size(), 2u);
    bus.drain();
    ASSERT_EQ(events.size(), 2u);  // published on change only
    EXPECT_EQ(events[1]["devices"].size(), 2u);

    // The driver installed: its token shows, the list empties (one more event).
    EXPECT_TRUE(
        watch.update({tokenOf("epass3000"), tokenOf("epass2003auto")}, {}, clock.now(), false)
            .empty());
    bus.drain();
    ASSERT_EQ(events.size(), 3u);
    EXPECT_TRUE(events[2]["devices"].empty());
    EXPECT_TRUE(watch.current().empty());

    // Unplugged and plugged in again: the grace period starts over.
    present.clear();
    watch.update({}, {}, clock.now(), false);
    present = {recorded(kEpass3000Add)};
    EXPECT_TRUE(watch.update({}, {}, clock.now(), false).empty());
    clock.advance(2s);
    EXPECT_EQ(watch.update({}, {}, clock.now(), false).size(), 1u);
}

TEST(PresentUsbDevices, ReadsTheSysfsUeventsOfDeclaredDevicesOnly) {
    TempDir sys;
    // /sys/bus/usb/devices/<name>/uevent as the kernel writes it (no ACTION, SUBSYSTEM).
    writeFile(sys / "bus/usb/devices/1-3/uevent",
              "MAJOR=189\nMINOR=6\nDEVNAME=bus/usb/001/007\nDEVTYPE=usb_device\n"
              "DRIVER=usb\nPRODUCT=96e/401/100\nTYPE=0/0/0\nBUSNUM=001\nDEVNUM=007\n");
    writeFile(sys / "bus/usb/devices/1-3:1.0/uevent",
              "DEVTYPE=usb_interface\nPRODUCT=96e/401/100\nTYPE=0/0/0\nINTERFACE=255/0/0\n");
    writeFile(sys / "bus/usb/devices/1-4/uevent",
              "DEVTYPE=usb_device\nPRODUCT=46d/c077/7200\nTYPE=0/0/0\n");
    writeFile(sys / "bus/usb/devices/1-5/uevent", std::string(20000, 'x'));  // not a uevent
    writeFile(sys / "bus/usb/devices/usb1/uevent", "DEVTYPE=usb_device\nPRODUCT=1d6b/2/601\n");
    ::setenv("CERTAGENT_SYSFS_ROOT", sys.path().c_str(), 1);
    UsbIdFilter filter;
    filter.ids = {{0x096e, 0x0401}};
    auto found = platform::presentUsbDevices(filter);
    ::unsetenv("CERTAGENT_SYSFS_ROOT");
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].source, "enumerate");
    EXPECT_EQ(found[0].action, DeviceAction::UsbAdded);
    EXPECT_EQ(*found[0].vid, 0x096e);
    EXPECT_EQ(*found[0].pid, 0x0401);
    EXPECT_EQ(found[0].device, "/bus/usb/devices/1-3");
}
