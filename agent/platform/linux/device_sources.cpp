#include "device_sources.hpp"

#include "linux/pcsc_source.hpp"
#include "linux/udev_source.hpp"

namespace certagent::platform {

std::vector<std::unique_ptr<device::DeviceSource>> makeDeviceSources(
    const device::UsbIdFilter& filter) {
    std::vector<std::unique_ptr<device::DeviceSource>> out;
    out.push_back(std::make_unique<UdevSource>(filter));
    out.push_back(std::make_unique<PcscSource>());
    return out;
}

}  // namespace certagent::platform
