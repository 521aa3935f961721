#pragma once
// certagent.process/1 (abi.h): plugins run a program the person configured, with the
// session's basic variables only (platform/process.hpp).
namespace certagent {
class HostServices;
}

namespace certagent::app {

void installProcessExtension(HostServices& services);

}  // namespace certagent::app
