#pragma once
// Core hands out UTF-8 std::string; wxWidgets wants wxString.
#include <wx/string.h>

#include <string>

namespace certagent::gui {
inline wxString u8(const std::string& s) { return wxString::FromUTF8(s); }
}  // namespace certagent::gui
