#pragma once
// Writing a result file so that a reader never sees half of it: the bytes go to FILE.part
// beside the target, are flushed, and the part is renamed over the target.
#include <cstdint>
#include <filesystem>
#include <span>

namespace certagent {

// Throws certagent::Error(Io) naming `target` when it cannot be written; the target is then
// unchanged and no FILE.part is left behind.
void writeFileAtomically(const std::filesystem::path& target, std::span<const uint8_t> bytes);

}  // namespace certagent
