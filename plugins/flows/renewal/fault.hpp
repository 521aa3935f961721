#pragma once
// Fault injection for tests: when $CERTAGENT_FAULT_AT names `point` (a step or phase name,
// or one of the documented "<name>:after" points), the process kills itself with SIGKILL right
// there: no destructor, no flush, no commit.
#include <string>

namespace certagent::renewal {

void faultPoint(const std::string& point);

}  // namespace certagent::renewal
