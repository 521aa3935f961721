#pragma once
// Shared by the PDF sources (not installed): input checks, PoDoFo error mapping, fonts.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace PoDoFo {
class PdfDocument;
class PdfError;
class PdfFont;
}  // namespace PoDoFo

namespace certagent::pdf::detail {

// PoDoFo prints to stderr by default; the agent logs through its own logger instead.
void quietPodofo();

// Whole file in memory. Throws Io (naming the file) when it cannot be read, InvalidInput when
// it is larger than max_bytes (DocumentLimits::max_file_bytes).
std::string readWholeFile(const std::filesystem::path& path, std::uint64_t max_bytes);

// Throws InvalidInput naming the file unless the bytes start like a PDF (%PDF- in the first
// KiB) and end like one (%%EOF in the last KiB: a truncated download fails here).
void requirePdfBytes(std::string_view data, const std::filesystem::path& path);

[[noreturn]] void throwBadPdf(const std::filesystem::path& path, const PoDoFo::PdfError& e);

// fonts-dejavu-core's DejaVu Sans (it has every Romanian diacritic); throws Io if missing.
std::filesystem::path defaultFontFile();

// An embedded TrueType subset with Identity-H encoding, so any UTF-8 text renders and can be
// copied back out of the PDF.
PoDoFo::PdfFont* loadUnicodeFont(PoDoFo::PdfDocument& doc, const std::filesystem::path& file);

}  // namespace certagent::pdf::detail
