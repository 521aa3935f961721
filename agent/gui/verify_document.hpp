#pragma once
#include <filesystem>

namespace certagent::gui {
class TrayApp;
// "Verify a signature…": choose a signed PDF or a .p7s (its signed file is taken from beside it
// or asked for), verify on a worker thread against the configured anchors, show the report
// (signing::reportView, the same rows the CLI prints).
void verifyInteractively(TrayApp& app);
// The same from "verify a file" on: resolve its signed data, verify, show the report.
void verifyFile(TrayApp& app, const std::filesystem::path& file);
}  // namespace certagent::gui
