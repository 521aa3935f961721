#pragma once
// What the person reads about a renewal (translated through certagent.text/1).
#include <string>
#include <vector>

#include "backend.hpp"
#include "record.hpp"

namespace certagent::renewal {

std::string stepTitle(Step step);
// Where the renewal stands: the backend's phase title at the request step, else the step's.
std::string whereTitle(const RenewalRecord& r, const std::vector<Phase>& phases);
// Its short name for progress lines and tables: the phase at the request step, else the step.
std::string whereName(const RenewalRecord& r);
// The tray wizard's group (record.hpp "stage").
std::string stageOf(const RenewalRecord& r, const std::vector<Phase>& phases);

// What happens when an interrupted renewal continues, in one or two sentences: what it waits
// for, and whether the token PIN will be asked. `where` is whereTitle().
std::string nextStepText(const RenewalRecord& r, const std::string& where);

// The notification that shows a renewal found unfinished at start-up, before anything runs.
struct Notice {
    std::string title, body;
};
Notice interruptedNotice(const RenewalRecord& r, const std::string& where);

}  // namespace certagent::renewal
