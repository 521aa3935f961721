#include <certagent/core/error.hpp>
#include <certagent/core/i18n.hpp>
#include <certagent/core/pdf/inspect.hpp>
#include <certagent/core/pdf/limits.hpp>

#include "pdf_common.hpp"
#include "pdf_syntax.hpp"

#include <fmt/format.h>
#include <podofo/podofo.h>

#include <array>
#include <cmath>

namespace certagent::pdf {
namespace {

using namespace PoDoFo;
using Matrix = std::array<double, 6>;  // a b c d e f

Matrix multiply(const Matrix& m, const Matrix& ctm) {
    return {m[0] * ctm[0] + m[1] * ctm[2],          m[0] * ctm[1] + m[1] * ctm[3],
            m[2] * ctm[0] + m[3] * ctm[2],          m[2] * ctm[1] + m[3] * ctm[3],
            m[4] * ctm[0] + m[5] * ctm[2] + ctm[4], m[4] * ctm[1] + m[5] * ctm[3] + ctm[5]};
}

PdfObject* resolve(PdfVecObjects& objects, PdfObject* o) {
    return o && o->IsReference() ? objects.GetObject(o->GetReference()) : o;
}

// PoDoFo's content tokenizer recurses into arrays and dictionaries too, so a page's decoded
// contents get the same nesting check as the file. Only what can be decoded here within the
// limits is read: FlateDecode without predictors, or no filter (what scanners write).
void checkPageContents(PdfMemDocument& doc, PdfPage* page, int index,
                       const std::filesystem::path& path, const DocumentLimits& limits) {
    PdfVecObjects& objects = doc.GetObjects();
    PdfObject* contents = resolve(objects, page->GetContents());
    std::vector<PdfObject*> streams;
    if (contents && contents->IsArray()) {
        for (auto& e : contents->GetArray()) streams.push_back(resolve(objects, &e));
    } else {
        streams.push_back(contents);
    }
    auto refuse = [&](const std::string& how) {
        throw Error(ErrorKind::InvalidInput,
                    fmt::format(fmt::runtime(_("{0}: the contents of page {1} are encoded in a "
                                               "way certagent cannot check ({2}); save or print "
                                               "the document to PDF again.")),
                                path.string(), index + 1, how),
                    path.string());
    };
    std::string decoded;
    for (PdfObject* s : streams) {
        if (!s || !s->IsDictionary() || !s->HasStream()) continue;
        const PdfDictionary& d = s->GetDictionary();
        const PdfObject* filter = d.GetKey("Filter");
        if (filter && filter->IsArray() && filter->GetArray().size() == 1)
            filter = &filter->GetArray()[0];
        const bool flate = filter && filter->IsName() &&
                           (filter->GetName() == PdfName("FlateDecode") ||
                            filter->GetName() == PdfName("Fl"));
        if (filter && !flate) refuse(filter->IsName() ? filter->GetName().GetName() : "Filter");
        if (d.GetKey("DecodeParms") || d.GetKey("DP")) refuse("DecodeParms");
        char* raw = nullptr;
        pdf_long len = 0;
        s->GetStream()->GetCopy(&raw, &len);
        const std::string_view bytes(raw, static_cast<size_t>(len));
        const std::uint64_t room = limits.max_inflated_bytes - decoded.size();
        syntax::InflateResult result = syntax::InflateResult::Ok;
        if (flate) {
            result = syntax::inflate(bytes, room, decoded);
        } else if (bytes.size() <= room) {
            decoded.append(bytes);
        } else {
            result = syntax::InflateResult::TooBig;
        }
        podofo_free(raw);
        if (result == syntax::InflateResult::TooBig)
            refuse(fmt::format(fmt::runtime(_("more than {0} MiB once decompressed")),
                               limits.max_inflated_bytes >> 20));
        decoded.push_back('\n');  // streams of one page are read as one, separated by white space
    }
    checkContentLimits(decoded, path, index, limits);
}

// Follows the page's content stream, tracking the transformation matrix, and records each
// image XObject where it is painted (an image fills the unit square of the current CTM).
void measurePage(PdfMemDocument& doc, PdfPage* page, int index, std::vector<PdfImageInfo>& out) {
    PdfVecObjects& objects = doc.GetObjects();
    PdfObject* resources = resolve(objects, page->GetResources());
    if (!resources)
        resources = resolve(objects, const_cast<PdfObject*>(page->GetInheritedKey("Resources")));
    PdfObject* xobjects = resources && resources->IsDictionary()
                              ? resolve(objects, resources->GetDictionary().GetKey("XObject"))
                              : nullptr;
    if (!xobjects || !xobjects->IsDictionary()) return;

    PdfContentsTokenizer tokenizer(page);
    std::vector<Matrix> stack;
    Matrix ctm{1, 0, 0, 1, 0, 0};
    std::vector<PdfVariant> operands;
    EPdfContentsType type;
    const char* keyword = nullptr;
    PdfVariant var;
    while (tokenizer.ReadNext(type, keyword, var)) {
        if (type == ePdfContentsType_Variant) {
            operands.push_back(var);
            continue;
        }
        if (type != ePdfContentsType_Keyword) continue;
        const std::string_view op(keyword);
        if (op == "q") {
            stack.push_back(ctm);
        } else if (op == "Q") {
            if (!stack.empty()) {
                ctm = stack.back();
                stack.pop_back();
            }
        } else if (op == "cm" && operands.size() >= 6) {
            Matrix m{};
            bool ok = true;
            for (size_t i = 0; i < 6; ++i) {
                const auto& v = operands[operands.size() - 6 + i];
                ok = ok && (v.IsReal() || v.IsNumber());
                if (ok) m[i] = v.GetReal();
            }
            if (ok) ctm = multiply(m, ctm);
        } else if (op == "Do" && !operands.empty() && operands.back().IsName()) {
            PdfObject* x =
                resolve(objects, xobjects->GetDictionary().GetKey(operands.back().GetName()));
            if (x && x->IsDictionary()) {
                const auto& d = x->GetDictionary();
                const PdfObject* subtype = d.GetKey("Subtype");
                const PdfObject* w = d.GetKey("Width");
                const PdfObject* h = d.GetKey("Height");
                if (subtype && subtype->IsName() && subtype->GetName() == PdfName("Image") && w &&
                    h && w->IsNumber() && h->IsNumber()) {
                    PdfImageInfo img;
                    img.page = index;
                    img.width_px = static_cast<int>(w->GetNumber());
                    img.height_px = static_cast<int>(h->GetNumber());
                    img.shown_width_pt = std::hypot(ctm[0], ctm[1]);
                    img.shown_height_pt = std::hypot(ctm[2], ctm[3]);
                    if (img.shown_width_pt > 0)
                        img.dpi_x = img.width_px * 72.0 / img.shown_width_pt;
                    if (img.shown_height_pt > 0)
                        img.dpi_y = img.height_px * 72.0 / img.shown_height_pt;
                    out.push_back(img);
                }
            }
        }
        operands.clear();
    }
}

}  // namespace

PdfInspection inspectPdf(const std::filesystem::path& path) {
    detail::quietPodofo();
    const DocumentLimits limits;
    const std::string data = detail::readWholeFile(path, limits.max_file_bytes);
    detail::requirePdfBytes(data, path);
    checkDocumentLimits(data, path, limits);
    PdfInspection result;
    result.file_size = data.size();
    try {
        PdfMemDocument doc;
        doc.LoadFromBuffer(data.data(), static_cast<long>(data.size()));
        result.encrypted = doc.GetEncrypted();
        result.page_count = doc.GetPageCount();
        static constexpr const char* kVersions[] = {"1.0", "1.1", "1.2", "1.3",
                                                    "1.4", "1.5", "1.6", "1.7"};
        const int v = static_cast<int>(doc.GetPdfVersion());
        result.pdf_version = v >= 0 && v < 8 ? kVersions[v] : "";
        for (int i = 0; i < result.page_count; ++i) {
            // A page tree whose /Count promises more pages than it holds (found by fuzzing).
            PdfPage* page = doc.GetPage(i);
            if (!page)
                throw Error(ErrorKind::InvalidInput,
                            fmt::format(fmt::runtime(_("{0} is not a valid PDF ({1}).")),
                                        path.string(),
                                        fmt::format(fmt::runtime(_("page {0} is missing")), i + 1)),
                            path.string());
            checkPageContents(doc, page, i, path, limits);
            measurePage(doc, page, i, result.images);
        }
    } catch (const PdfError& e) {
        detail::throwBadPdf(path, e);
    }
    if (result.page_count <= 0) {
        throw Error(ErrorKind::InvalidInput,
                    fmt::format(fmt::runtime(_("{0} has no pages.")), path.string()),
                    path.string());
    }
    return result;
}

}  // namespace certagent::pdf
