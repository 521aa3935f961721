// The driver check through the token tracker's rescans: a recorded uevent stands for the USB
// device, SoftHSM2 for the vendor's module, a test vendor profile claims its tokens.
#include <gtest/gtest.h>

#include "certagent/core/device/driver_check.hpp"
#include "certagent/core/device/token_tracker.hpp"
#include "certagent/core/events.hpp"
#include "linux/usb_uevent.hpp"
#include "softhsm.hpp"

using namespace certagent;
using namespace certagent::device;
using namespace certagent::testing;

namespace {

constexpr const char* kVendorTokenAdd =
    "ACTION=add\nDEVPATH=/devices/pci0000:00/0000:00:14.0/usb1/1-7\nSUBSYSTEM=usb\n"
    "DEVTYPE=usb_device\nPRODUCT=f055/c0de/100\nTYPE=0/0/0\nBUSNUM=001\nDEVNUM=009\n";

token::TokenProfile vendorProfile() {
    return token::parseTokenProfile(nlohmann::json::parse(R"({
        "name": "test-vendor", "vendor": "Test", "product": "Test token",
        "usb": [{"vid": "f055", "pid": "c0de", "name": "Test Vendor Token"}],
        "token_info": [{"manufacturer": "SoftHSM*", "label": "Vendor*"}],
        "drivers": [{"os": "linux", "url": "https://example.invalid/test-driver.tar.gz"}]
    })"));
}

}  // namespace

TEST(DriverMissing, RescansReportAPluggedInTokenUntilItsDriverShowsIt) {
    SoftHsm hsm;
    hsm.activate();
    EventBus bus;
    SystemClock clock;
    std::vector<nlohmann::json> events;
    bus.subscribe(events::kDriversMissing, [&](const nlohmann::json& e) { events.push_back(e); });
    const auto profiles = std::vector<token::TokenProfile>{vendorProfile()};
    UsbIdFilter filter;
    filter.ids = {{0xf055, 0xc0de}};
    std::vector<DeviceEvent> usb = {
        *platform::classifyUsbUevent(platform::parseUevent(kVendorTokenAdd), filter)};
    auto watch = std::make_shared<DriverWatch>(bus, clock, profiles, [&] { return usb; });
    TokenTracker tracker(bus, clock, [&] {
        token::TokenServiceOptions options;
        options.claimer = [&](const token::TokenInfo& t, const token::ModuleSpec& spec) {
            return token::claimToken(profiles, t, spec);
        };
        // SoftHSM2 stands for the vendor's module: proposed by the plugin.
        return std::make_unique<token::TokenService>(
            std::vector<token::ModuleSpec>{
                {SoftHsm::modulePath(), "test-vendor", token::ModuleSource::Plugin}},
            options);
    });
    tracker.setAfterListing(
        [&](token::TokenService& s, const std::vector<token::TokenInfo>& t, TimePoint started,
            bool initial) { watch->update(t, installedPlugins(s.modules()), started, initial); });

    tracker.rescan(/*initial=*/true);
    bus.drain();
    ASSERT_EQ(events.size(), 1u);
    ASSERT_EQ(events[0]["devices"].size(), 1u);
    EXPECT_EQ(events[0]["devices"][0]["plugin"], "test-vendor");
    EXPECT_EQ(events[0]["devices"][0]["reason"], "no_token");  // its module loads
    EXPECT_EQ(events[0]["devices"][0]["drivers"][0]["url"],
              "https://example.invalid/test-driver.tar.gz");

    auto& vendor = hsm.createToken("Vendor token");
    tracker.rescan();
    bus.drain();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_TRUE(events[1]["devices"].empty());

    hsm.removeToken(vendor);
    tracker.rescan();
    bus.drain();
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(events[2]["devices"].size(), 1u);

    usb.clear();  // unplugged: nothing is missing
    tracker.rescan();
    bus.drain();
    ASSERT_EQ(events.size(), 4u);
    EXPECT_TRUE(events[3]["devices"].empty());
}
