// The udev filter, fed with recorded uevents (kernel netlink and udevd flavours).
#include <gtest/gtest.h>

#include "linux/usb_uevent.hpp"

using namespace certagent;
using namespace certagent::platform;
using device::DeviceAction;

namespace {

device::UsbIdFilter epassFilter() {
    device::UsbIdFilter f;
    f.ids = {{0x096E, 0x0807}, {0x096E, 0x080A}, {0x055C, 0x0223}};
    return f;
}

// Recorded with `udevadm monitor --kernel --property` on a laptop (ePass2003 plugged in).
constexpr const char* kKernelEpassAdd =
    "ACTION=add\nDEVPATH=/devices/pci0000:00/0000:00:14.0/usb1/1-2\nSUBSYSTEM=usb\n"
    "MAJOR=189\nMINOR=4\nDEVNAME=bus/usb/001/005\nDEVTYPE=usb_device\nPRODUCT=96e/807/100\n"
    "TYPE=0/0/0\nBUSNUM=001\nDEVNUM=005\nSEQNUM=4711\n";
constexpr const char* kKernelEpassInterfaceAdd =
    "ACTION=add\nDEVPATH=/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0\nSUBSYSTEM=usb\n"
    "DEVTYPE=usb_interface\nPRODUCT=96e/807/100\nTYPE=0/0/0\nINTERFACE=11/0/0\n"
    "MODALIAS=usb:v096Ep0807d0100dc00dsc00dp00ic0Bisc00ip00in00\nSEQNUM=4712\n";
// udevd's version of the same removal carries ID_* too.
constexpr const char* kUdevEpassRemove =
    "ACTION=remove\nDEVPATH=/devices/pci0000:00/0000:00:14.0/usb1/1-2\nSUBSYSTEM=usb\n"
    "DEVNAME=/dev/bus/usb/001/005\nDEVTYPE=usb_device\nPRODUCT=96e/807/100\nTYPE=0/0/0\n"
    "BUSNUM=001\nDEVNUM=005\nID_VENDOR=FS\nID_VENDOR_ID=096e\nID_MODEL_ID=0807\n"
    "ID_USB_INTERFACES=:0b0000:\nUSEC_INITIALIZED=123456\n";
// A CCID reader nobody declared (Gemalto/Thales IDBridge CT30).
constexpr const char* kUnknownCcidInterfaceAdd =
    "ACTION=add\nDEVPATH=/devices/pci0000:00/0000:00:14.0/usb1/1-3/1-3:1.0\nSUBSYSTEM=usb\n"
    "DEVTYPE=usb_interface\nPRODUCT=8e6/3437/200\nTYPE=0/0/0\nINTERFACE=11/0/0\n";
constexpr const char* kUnknownCcidDeviceAdd =
    "ACTION=add\nDEVPATH=/devices/pci0000:00/0000:00:14.0/usb1/1-3\nSUBSYSTEM=usb\n"
    "DEVTYPE=usb_device\nPRODUCT=8e6/3437/200\nTYPE=0/0/0\n";
constexpr const char* kMouseAdd =
    "ACTION=add\nDEVPATH=/devices/pci0000:00/0000:00:14.0/usb1/1-4/1-4:1.0\nSUBSYSTEM=usb\n"
    "DEVTYPE=usb_interface\nPRODUCT=46d/c077/7200\nTYPE=0/0/0\nINTERFACE=3/1/2\n";

}  // namespace

TEST(UsbUevent, PluginTokenAddedFromKernelSourceIsReported) {
    auto e = classifyUsbUevent(parseUevent(kKernelEpassAdd), epassFilter());
    ASSERT_TRUE(e);
    EXPECT_EQ(e->action, DeviceAction::UsbAdded);
    EXPECT_EQ(e->source, "udev");
    EXPECT_EQ(*e->vid, 0x096E);
    EXPECT_EQ(*e->pid, 0x0807);
    EXPECT_EQ(e->device, "/devices/pci0000:00/0000:00:14.0/usb1/1-2");
}

TEST(UsbUevent, PluginTokenRemovedFromUdevSourceIsReported) {
    auto e = classifyUsbUevent(parseUevent(kUdevEpassRemove), epassFilter());
    ASSERT_TRUE(e);
    EXPECT_EQ(e->action, DeviceAction::UsbRemoved);
}

TEST(UsbUevent, InterfaceOfAKnownTokenIsNotReportedTwice) {
    EXPECT_FALSE(classifyUsbUevent(parseUevent(kKernelEpassInterfaceAdd), epassFilter()));
}

TEST(UsbUevent, SmartCardInterfaceOfAnUnknownDeviceIsReported) {
    auto e = classifyUsbUevent(parseUevent(kUnknownCcidInterfaceAdd), epassFilter());
    ASSERT_TRUE(e);
    EXPECT_EQ(*e->vid, 0x08E6);
    // ...but not its device event (class is per interface), nor when the class is not wanted.
    EXPECT_FALSE(classifyUsbUevent(parseUevent(kUnknownCcidDeviceAdd), epassFilter()));
    auto noClass = epassFilter();
    noClass.smartCardClass = false;
    EXPECT_FALSE(classifyUsbUevent(parseUevent(kUnknownCcidInterfaceAdd), noClass));
}

TEST(UsbUevent, OtherDevicesAndActionsAreIgnored) {
    EXPECT_FALSE(classifyUsbUevent(parseUevent(kMouseAdd), epassFilter()));
    std::string bind = kKernelEpassAdd;
    bind.replace(bind.find("ACTION=add"), 10, "ACTION=bind");
    EXPECT_FALSE(classifyUsbUevent(parseUevent(bind), epassFilter()));
    std::string other = kKernelEpassAdd;
    other.replace(other.find("SUBSYSTEM=usb"), 13, "SUBSYSTEM=hid");
    EXPECT_FALSE(classifyUsbUevent(parseUevent(other), epassFilter()));
}

TEST(UsbUevent, MalformedProductIsIgnored) {
    for (const char* product : {"PRODUCT=", "PRODUCT=zz/807/100", "PRODUCT=96e/807",
                                "PRODUCT=123456/807/1"}) {
        std::string text = std::string("ACTION=add\nSUBSYSTEM=usb\nDEVTYPE=usb_device\n") +
                           product + "\n";
        EXPECT_FALSE(classifyUsbUevent(parseUevent(text), epassFilter())) << product;
    }
}

TEST(UsbUevent, NulSeparatedPayloadParses) {
    std::string payload("ACTION=add\0SUBSYSTEM=usb\0DEVTYPE=usb_device\0PRODUCT=55c/223/1\0", 62);
    auto e = classifyUsbUevent(parseUevent(payload), epassFilter());
    ASSERT_TRUE(e);
    EXPECT_EQ(*e->pid, 0x0223);
}
