#pragma once
// Checks on a PDF the user attaches (e.g. the scanned identity document for a renewal): is it
// a real PDF, how many pages, and are the scans sharp enough (effective dpi on the page).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace certagent::pdf {

struct PdfImageInfo {
    int page = 0;  // 0-based
    int width_px = 0, height_px = 0;
    double shown_width_pt = 0, shown_height_pt = 0;  // size drawn on the page (1 pt = 1/72 in)
    double dpi_x = 0, dpi_y = 0;                     // effective resolution on the page
    double dpi() const { return dpi_x < dpi_y ? dpi_x : dpi_y; }
};

// Scanners write the page size with two decimals, so a scan made at exactly 300 dpi can
// measure 299.98 dpi: a resolution up to 1% below the required one counts as meeting it. The
// agent (before uploading an identity card) and the sandbox CA use this same rule.
inline constexpr double kDpiTolerance = 0.01;
inline bool meetsResolution(double dpi, double required_dpi) {
    return dpi >= required_dpi * (1.0 - kDpiTolerance);
}

struct PdfInspection {
    std::uintmax_t file_size = 0;
    int page_count = 0;
    std::string pdf_version;  // "1.7"
    bool encrypted = false;
    std::vector<PdfImageInfo> images;  // every image drawn by a page's content stream
    // Lowest effective dpi over all images; 0 when the PDF draws no image.
    double minImageDpi() const {
        double lowest = 0;
        for (const auto& i : images)
            if (lowest == 0 || i.dpi() < lowest) lowest = i.dpi();
        return lowest;
    }
};

// Throws certagent::Error (InvalidInput naming the file) for a file that is not a readable PDF,
// Io when it cannot be read. Images drawn inside form XObjects are not measured.
PdfInspection inspectPdf(const std::filesystem::path& path);

}  // namespace certagent::pdf
