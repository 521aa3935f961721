#pragma once
// The tray's state icons, drawn at run time so every size is sharp (config/icons holds the
// same shapes as SVG for launchers and packages).
#include <wx/bitmap.h>
#include <wx/icon.h>

#include "certagent/core/ui/tray_model.hpp"

namespace certagent::gui {

wxBitmap stateBitmap(ui::TrayState state, int size);
wxIcon stateIcon(ui::TrayState state, int size);

}  // namespace certagent::gui
