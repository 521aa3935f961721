#pragma once
// Test hooks, read once at start-up. They only make the app observable (a menu dump, a
// window opened for a screenshot, events replayed into the bus); none changes what it decides.
#include <string>

namespace certagent::gui {

struct TestHooks {
    std::string menuDump;    // CERTAGENT_GUI_MENU_DUMP: write the menu model (JSON) here
    // CERTAGENT_GUI_SHOW: pin | pin-final | wizard | settings | about | details | pin-change |
    // pin-unblock
    std::string show;
    std::string replay;      // CERTAGENT_GUI_REPLAY: JSON lines published on the bus at start
    // CERTAGENT_GUI_LAYOUT_DUMP: the shown windows and their controls (name, label, screen
    // rectangle) as JSON, rewritten when they change, so tests can click where a person would.
    std::string layoutDump;
    static TestHooks fromEnvironment();
};

}  // namespace certagent::gui
