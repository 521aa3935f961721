#include "pdf_common.hpp"

#include <certagent/core/error.hpp>
#include <certagent/core/i18n.hpp>

#include <fmt/format.h>
#include <podofo/podofo.h>

#include <fstream>
#include <mutex>
#include <sstream>

namespace certagent::pdf::detail {

void quietPodofo() {
    static std::once_flag once;
    std::call_once(once, [] {
        PoDoFo::PdfError::EnableLogging(false);
        PoDoFo::PdfError::EnableDebug(false);
    });
}

std::string readWholeFile(const std::filesystem::path& path, std::uint64_t max_bytes) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec && size > max_bytes) {
        throw Error(ErrorKind::InvalidInput,
                    fmt::format(fmt::runtime(_("{0} is larger than {1} MiB; certagent does not "
                                               "read PDF files this large.")),
                                path.string(), max_bytes >> 20),
                    path.string());
    }
    std::ifstream f(path, std::ios::binary);
    std::ostringstream ss;
    if (f) ss << f.rdbuf();
    if (!f) {
        throw Error(ErrorKind::Io,
                    fmt::format(fmt::runtime(_("Cannot read the file {0}.")), path.string()),
                    path.string());
    }
    return std::move(ss).str();
}

void requirePdfBytes(std::string_view data, const std::filesystem::path& path) {
    if (data.substr(0, 1024).find("%PDF-") == std::string_view::npos) {
        throw Error(ErrorKind::InvalidInput,
                    fmt::format(fmt::runtime(_("{0} is not a PDF file.")), path.string()),
                    path.string());
    }
    std::string_view tail = data.size() > 1024 ? data.substr(data.size() - 1024) : data;
    if (tail.find("%%EOF") == std::string_view::npos) {
        throw Error(ErrorKind::InvalidInput,
                    fmt::format(fmt::runtime(_("{0} is incomplete (truncated PDF). Download or "
                                               "copy it again.")),
                                path.string()),
                    path.string());
    }
}

void throwBadPdf(const std::filesystem::path& path, const PoDoFo::PdfError& e) {
    if (e.GetError() == PoDoFo::ePdfError_InvalidPassword) {
        throw Error(ErrorKind::InvalidInput,
                    fmt::format(fmt::runtime(_("{0} is password protected; remove the password "
                                               "and try again.")),
                                path.string()),
                    path.string());
    }
    throw Error(ErrorKind::InvalidInput,
                fmt::format(fmt::runtime(_("{0} is not a valid PDF ({1}).")), path.string(),
                            PoDoFo::PdfError::ErrorName(e.GetError())),
                path.string());
}

std::filesystem::path defaultFontFile() {
    for (const char* p :
         {"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans.ttf",
          "/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/local/share/fonts/DejaVuSans.ttf"}) {
        std::error_code ec;
        if (std::filesystem::is_regular_file(p, ec)) return p;
    }
    throw Error(ErrorKind::Io,
                _("The DejaVu Sans font was not found; install the fonts-dejavu-core package."),
                "DejaVuSans.ttf");
}

PoDoFo::PdfFont* loadUnicodeFont(PoDoFo::PdfDocument& doc, const std::filesystem::path& file) {
    PoDoFo::PdfFont* font = nullptr;
    try {
        font = doc.CreateFontSubset("DejaVu Sans", false, false, false,
                                    PoDoFo::PdfEncodingFactory::GlobalIdentityEncodingInstance(),
                                    file.string().c_str());
    } catch (const PoDoFo::PdfError&) {
        font = nullptr;
    }
    if (!font) {
        throw Error(ErrorKind::Io,
                    fmt::format(fmt::runtime(_("Cannot load the font {0}.")), file.string()),
                    file.string());
    }
    return font;
}

}  // namespace certagent::pdf::detail
