#pragma once
// A small PDF writer: text documents such as the renewal declaration ("Declarație") and test
// inputs. Text is UTF-8; the font is embedded (DejaVu Sans subset), so Romanian diacritics
// (ă â î ș ț) render on any viewer and copy back out as text.
#include <filesystem>
#include <string>
#include <vector>

namespace certagent::pdf {

struct SimplePdf {
    std::string title;               // optional heading, larger and centred
    std::vector<std::string> lines;  // paragraphs; long ones wrap, an empty one is a blank line
    double font_size = 11;
    std::filesystem::path font_file;  // empty: DejaVu Sans from the system
};

// Writes an A4 PDF (as many pages as the text needs). Throws certagent::Error (Io).
void makeSimplePdf(const std::filesystem::path& out, const SimplePdf& content);

}  // namespace certagent::pdf
