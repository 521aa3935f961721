#include <certagent/core/error.hpp>
#include <certagent/core/i18n.hpp>
#include <certagent/core/pdf/simple_pdf.hpp>

#include "pdf_common.hpp"

#include <fmt/format.h>
#include <podofo/podofo.h>

namespace certagent::pdf {
namespace {

using namespace PoDoFo;

PdfString utf8(const std::string& s) {
    return PdfString(reinterpret_cast<const pdf_utf8*>(s.c_str()));
}

// Greedy word wrap measured with the real font metrics.
std::vector<std::string> wrap(const std::string& text, PdfFont* font, double max_width) {
    std::vector<std::string> out;
    std::string line;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t end = text.find(' ', pos);
        if (end == std::string::npos) end = text.size();
        std::string word = text.substr(pos, end - pos);
        std::string candidate = line.empty() ? word : line + " " + word;
        if (!line.empty() && font->GetFontMetrics()->StringWidth(utf8(candidate)) > max_width) {
            out.push_back(line);
            line = word;
        } else {
            line = candidate;
        }
        pos = end + 1;
    }
    out.push_back(line);
    return out;
}

}  // namespace

void makeSimplePdf(const std::filesystem::path& out, const SimplePdf& content) {
    detail::quietPodofo();
    const auto font_file =
        content.font_file.empty() ? detail::defaultFontFile() : content.font_file;
    try {
        PdfMemDocument doc;
        PdfFont* font = detail::loadUnicodeFont(doc, font_file);
        const PdfRect a4 = PdfPage::CreateStandardPageSize(ePdfPageSize_A4);
        const double margin = 56;
        const double width = a4.GetWidth() - 2 * margin;
        const double leading = content.font_size * 1.4;

        PdfPainter painter;
        double y = 0;
        auto newPage = [&] {
            if (painter.GetPage()) painter.FinishPage();
            painter.SetPage(doc.CreatePage(a4));
            y = a4.GetHeight() - margin;
        };
        newPage();
        if (!content.title.empty()) {
            font->SetFontSize(static_cast<float>(content.font_size * 1.5));
            painter.SetFont(font);
            double tw = font->GetFontMetrics()->StringWidth(utf8(content.title));
            y -= content.font_size * 1.5;
            painter.DrawText(margin + std::max(0.0, (width - tw) / 2), y, utf8(content.title));
            y -= leading;
        }
        font->SetFontSize(static_cast<float>(content.font_size));
        painter.SetFont(font);
        for (const auto& paragraph : content.lines) {
            for (const auto& line : wrap(paragraph, font, width)) {
                y -= leading;
                if (y < margin) {
                    newPage();
                    painter.SetFont(font);
                    y -= leading;
                }
                if (!line.empty()) painter.DrawText(margin, y, utf8(line));
            }
        }
        painter.FinishPage();
        doc.GetInfo()->SetProducer(PdfString("certagent"));
        doc.Write(out.c_str());
    } catch (const PdfError& e) {
        throw Error(ErrorKind::Io,
                    fmt::format(fmt::runtime(_("Cannot write the PDF {0} ({1}).")), out.string(),
                                PdfError::ErrorName(e.GetError())),
                    out.string());
    }
}

}  // namespace certagent::pdf
