// The bounded pre-scan every PDF passes before PoDoFo reads it (limits.hpp).
//
// PoDoFo reads an object wherever the cross-reference data points, and that can be anywhere:
// inside what looks like a string, a comment or a stream's data. So the nesting is measured
// from every place a parser can start reading an object (each `obj` and `trailer` keyword, and
// each offset listed in a compressed object stream), not only along one reading of the file.
// Overlapping objects make that quadratic, which is what the work budget bounds: a file whose
// objects need more than a few passes over its bytes is refused as too intricate.
#include <certagent/core/error.hpp>
#include <certagent/core/i18n.hpp>
#include <certagent/core/pdf/limits.hpp>

#include "pdf_syntax.hpp"

#include <fmt/format.h>

namespace certagent::pdf {
namespace {

using namespace syntax;
namespace fs = std::filesystem;

// Passes over the file (and over decompressed object streams) the scan may make in total.
constexpr std::uint64_t kWorkPerByte = 8;
constexpr std::uint64_t kWorkBase = 1 << 20;

[[noreturn]] void refuse(const fs::path& path, const std::string& message) {
    throw Error(ErrorKind::InvalidInput, message, path.string());
}

std::uint64_t mib(std::uint64_t bytes) { return bytes >> 20; }

[[noreturn]] void refuseDepth(const fs::path& path, int limit, std::size_t offset,
                              std::string_view where) {
    refuse(path, fmt::format(fmt::runtime(_("{0}: objects are nested more than {1} levels deep "
                                            "({2} byte {3}); certagent refuses such a PDF because "
                                            "reading it could exhaust the program's memory. Ask "
                                            "the sender to save or print the document to PDF "
                                            "again.")),
                             path.string(), limit, where, offset));
}

bool isKeyword(std::string_view data, std::size_t pos, std::string_view word) {
    if (data.compare(pos, word.size(), word) != 0) return false;
    if (pos > 0 && isRegular(static_cast<unsigned char>(data[pos - 1]))) return false;
    const std::size_t after = pos + word.size();
    return after >= data.size() || !isRegular(static_cast<unsigned char>(data[after]));
}

class Scanner {
public:
    Scanner(std::string_view data, const fs::path& path, const DocumentLimits& limits,
            bool parser_follows)
        : data_(data), path_(path), limits_(limits), parser_follows_(parser_follows) {
        budget_.limit = kWorkBase + kWorkPerByte * data.size();
    }

    Document run() {
        if (data_.size() > limits_.max_file_bytes)
            refuse(path_, fmt::format(fmt::runtime(_("{0} is larger than {1} MiB; certagent "
                                                     "does not read PDF files this large.")),
                                      path_.string(), mib(limits_.max_file_bytes)));
        countSignatures();
        std::size_t start = 0;
        try {
            for (std::size_t pos = data_.find("obj"); pos != std::string_view::npos;
                 pos = data_.find("obj", pos + 3)) {
                if (!isKeyword(data_, pos, "obj")) continue;
                start = pos;
                scanIndirectObject(pos);
            }
            // PoDoFo looks for the bytes "trailer" (not a token): every occurrence counts.
            for (std::size_t pos = data_.find("trailer"); pos != std::string_view::npos;
                 pos = data_.find("trailer", pos + 7)) {
                start = pos;
                Token first;
                const std::size_t end = scanValue(data_, pos + 7, limits_.max_nesting, &budget_,
                                                  &first);
                if (first.kind == Tok::Open && data_.compare(first.begin, 2, "<<") == 0)
                    noteEncryption(data_.substr(first.begin, end - first.begin));
            }
        } catch (const TooDeep& e) {
            refuseDepth(path_, limits_.max_nesting, e.offset,
                        in_stream_ ? _("in a compressed object stream, at") : _("at"));
        } catch (const WorkExceeded&) {
            refuse(path_, fmt::format(fmt::runtime(_("{0} is built so that checking it would "
                                                     "take too long (its objects overlap one "
                                                     "another, near byte {1}); certagent refuses "
                                                     "it. Save or print the document to PDF "
                                                     "again.")),
                                      path_.string(), start));
        }
        if (parser_follows_ && encrypted_ && object_streams_ > 0)
            refuse(path_, fmt::format(fmt::runtime(_("{0} is encrypted and keeps objects in "
                                                     "compressed object streams, which certagent "
                                                     "cannot check before reading them; save an "
                                                     "unprotected copy and try again.")),
                                      path_.string()));
        return std::move(doc_);
    }

private:
    void countSignatures() {
        for (std::size_t pos = data_.find("/ByteRange"); pos != std::string_view::npos;
             pos = data_.find("/ByteRange", pos + 10)) {
            if (++doc_.signature_count > limits_.max_signatures)
                refuse(path_, fmt::format(fmt::runtime(_("{0} has more than {1} signature byte "
                                                         "ranges (/ByteRange, the last at byte "
                                                         "{2}); certagent refuses such a PDF.")),
                                          path_.string(), limits_.max_signatures, pos));
        }
    }

    void countObjects(std::size_t n, std::size_t offset) {
        doc_.object_count += n;
        if (n > limits_.max_objects || doc_.object_count > limits_.max_objects)
            refuse(path_, fmt::format(fmt::runtime(_("{0} has more than {1} objects (counted up "
                                                     "to byte {2}); certagent refuses such a "
                                                     "PDF.")),
                                      path_.string(), limits_.max_objects, offset));
    }

    // "12 0" before the `obj` keyword at `pos`, when it is there.
    std::optional<std::pair<std::uint32_t, std::uint32_t>> objectHeader(std::size_t pos) const {
        std::size_t j = pos;
        auto number = [&]() -> std::optional<std::int64_t> {
            const std::size_t end = j;
            while (j > 0 && end - j < 10 && data_[j - 1] >= '0' && data_[j - 1] <= '9') --j;
            return parseInt(data_.substr(j, end - j));
        };
        auto space = [&] {
            const std::size_t end = j;
            while (j > 0 && end - j < 64 && isWhite(static_cast<unsigned char>(data_[j - 1]))) --j;
            return j < end;
        };
        if (!space()) return std::nullopt;
        const auto gen = number();
        if (!gen || !space()) return std::nullopt;
        const auto num = number();
        if (!num) return std::nullopt;
        return std::pair{static_cast<std::uint32_t>(*num), static_cast<std::uint32_t>(*gen)};
    }

    void scanIndirectObject(std::size_t pos) {
        const auto header = objectHeader(pos);
        if (header) countObjects(1, pos);
        Token first;
        const std::size_t end = scanValue(data_, pos + 3, limits_.max_nesting, &budget_, &first);
        if (first.kind != Tok::Open || data_.compare(first.begin, 2, "<<") != 0) {
            if (header && first.kind != Tok::End)
                doc_.others.push_back({header->first, header->second,
                                       data_.substr(first.begin, end - first.begin), false, pos});
            return;
        }
        const std::string_view dict = data_.substr(first.begin, end - first.begin);
        if (header) doc_.dictionaries.push_back({header->first, header->second, dict, false, pos});
        Lexer after(data_, end, &budget_);
        const Token t = after.next();
        if (t.kind != Tok::Other || data_.substr(t.begin, t.end - t.begin) != "stream") return;
        const auto entries = dictEntries(dict, limits_.max_nesting, &budget_);
        noteEncryption(entries);
        if (header) doc_.dictionaries.back().stream = streamData(entries, t.end);
        // PoDoFo reads any stream it is told is an object stream, whatever its /Type: every
        // stream with /N is checked as one (ICC profiles have /N too; they decode harmlessly).
        if (entry(entries, "N").empty()) return;
        std::size_t begin = t.end;
        while (begin < data_.size() && isWhite(static_cast<unsigned char>(data_[begin]))) ++begin;
        // Where the data ends is /Length's business, which PoDoFo may resolve differently (an
        // indirect length, "endstream" bytes inside the data): the rest of the file is taken.
        // zlib stops at the end of its stream by itself, so PoDoFo never decodes more than this.
        checkObjectStream(entries, data_.substr(begin), first.begin, pos);
    }

    // A stream's data: /Length bytes when it is a direct number that ends at `endstream`, else
    // up to the next `endstream` (bounded by the file).
    std::string_view streamData(const std::vector<std::pair<std::string, std::string_view>>& entries,
                                std::size_t keyword_end) const {
        std::size_t begin = keyword_end;
        if (begin < data_.size() && data_[begin] == '\r') ++begin;
        if (begin < data_.size() && data_[begin] == '\n') ++begin;
        if (begin > data_.size()) return {};
        if (const auto length = parseInt(entry(entries, "Length"));
            length && *length >= 0 && static_cast<std::uint64_t>(*length) <= data_.size() - begin) {
            std::size_t after = begin + static_cast<std::size_t>(*length);
            while (after < data_.size() && isWhite(static_cast<unsigned char>(data_[after]))) ++after;
            if (data_.compare(after, 9, "endstream") == 0)
                return data_.substr(begin, static_cast<std::size_t>(*length));
        }
        const std::size_t end = data_.find("endstream", begin);
        if (end == std::string_view::npos) return {};
        std::size_t stop = end;
        if (stop > begin && data_[stop - 1] == '\n') --stop;
        if (stop > begin && data_[stop - 1] == '\r') --stop;
        return data_.substr(begin, stop - begin);
    }

    void noteEncryption(std::string_view dict) {
        noteEncryption(dictEntries(dict, limits_.max_nesting, &budget_));
    }
    void noteEncryption(const std::vector<std::pair<std::string, std::string_view>>& entries) {
        if (!entry(entries, "Encrypt").empty()) encrypted_ = true;
    }

    void checkObjectStream(const std::vector<std::pair<std::string, std::string_view>>& entries,
                           std::string_view raw, std::size_t offset, std::size_t stream_object) {
        ++object_streams_;
        const std::string_view filter = entry(entries, "Filter");
        std::vector<std::string> filters;
        Lexer lx(filter, 0, &budget_);
        for (Token t = lx.next(); t.kind != Tok::End; t = lx.next())
            if (t.kind == Tok::Name) filters.push_back(decodeName(filter.substr(t.begin, t.end - t.begin)));
        const bool flate = filters.size() == 1 && (filters[0] == "FlateDecode" || filters[0] == "Fl");
        const std::string_view parms = !entry(entries, "DecodeParms").empty()
                                           ? entry(entries, "DecodeParms")
                                           : entry(entries, "DP");
        if ((!filter.empty() && !flate) || (!parms.empty() && parms != "null")) {
            if (!parser_follows_) return;  // nothing will read it: its keys are just not seen
            std::string names;
            for (const auto& f : filters) names += (names.empty() ? "" : ", ") + f;
            if (!parms.empty()) names += (names.empty() ? "" : ", ") + std::string("DecodeParms");
            refuse(path_, fmt::format(fmt::runtime(_("{0}: the compressed object stream at byte "
                                                     "{1} is encoded in a way certagent cannot "
                                                     "check ({2}); save or print the document to "
                                                     "PDF again.")),
                                      path_.string(), offset, names.empty() ? filter : names));
        }
        std::string_view objects = raw;  // unfiltered: the file's own bytes, not copied
        if (flate) {
            std::string decoded;
            // A damaged stream is scanned as far as it decodes: PoDoFo gets no more than that.
            if (inflate(raw, limits_.max_inflated_bytes - inflated_, decoded) ==
                InflateResult::TooBig)
                refuse(path_, fmt::format(fmt::runtime(_("{0}: its compressed object streams "
                                                         "expand to more than {1} MiB (at byte "
                                                         "{2}); certagent refuses such a PDF.")),
                                          path_.string(), mib(limits_.max_inflated_bytes),
                                          offset));
            inflated_ += decoded.size();
            budget_.limit += kWorkPerByte * decoded.size();
            doc_.object_streams.push_back(std::move(decoded));
            objects = doc_.object_streams.back();
        }

        const auto count = parseInt(entry(entries, "N")).value_or(0);
        const auto first = parseInt(entry(entries, "First")).value_or(0);
        countObjects(static_cast<std::size_t>(std::min<std::int64_t>(count, INT32_MAX)), offset);
        in_stream_ = true;
        Lexer header(objects, 0, &budget_);
        for (std::int64_t i = 0; i < count; ++i) {
            const Token n = header.next();
            const Token o = header.next();
            const auto num = parseInt(objects.substr(n.begin, n.end - n.begin));
            const auto off = parseInt(objects.substr(o.begin, o.end - o.begin));
            if (!num || !off) break;
            const auto at = static_cast<std::uint64_t>(first) + static_cast<std::uint64_t>(*off);
            if (at >= objects.size()) continue;
            Token t;
            const std::size_t end = scanValue(objects, static_cast<std::size_t>(at),
                                              limits_.max_nesting, &budget_, &t);
            if (t.kind == Tok::Open && objects.compare(t.begin, 2, "<<") == 0)
                doc_.dictionaries.push_back({static_cast<std::uint32_t>(*num), 0,
                                             objects.substr(t.begin, end - t.begin), true,
                                             stream_object});
            else if (t.kind != Tok::End)
                doc_.others.push_back({static_cast<std::uint32_t>(*num), 0,
                                       objects.substr(t.begin, end - t.begin), true,
                                       stream_object});
        }
        in_stream_ = false;
    }

    std::string_view data_;
    const fs::path& path_;
    const DocumentLimits& limits_;
    Budget budget_;
    Document doc_;
    const bool parser_follows_;
    bool encrypted_ = false;
    bool in_stream_ = false;
    std::size_t object_streams_ = 0;
    std::uint64_t inflated_ = 0;
};

}  // namespace

namespace syntax {
Document scanDocument(std::string_view data, const fs::path& path, const DocumentLimits& limits,
                      bool parser_follows) {
    return Scanner(data, path, limits, parser_follows).run();
}
}  // namespace syntax

void checkDocumentLimits(std::string_view data, const fs::path& path,
                         const DocumentLimits& limits) {
    (void)syntax::scanDocument(data, path, limits, /*parser_follows=*/true);
}

void checkContentLimits(std::string_view content, const fs::path& path, int page,
                        const DocumentLimits& limits) {
    // A content stream is read from its start to its end, one operand after another.
    Budget budget;
    budget.limit = kWorkBase + kWorkPerByte * content.size();
    try {
        Lexer lx(content, 0, &budget);
        int depth = 0;
        for (Token t = lx.next(); t.kind != Tok::End; t = lx.next()) {
            if (t.kind == Tok::Open && ++depth > limits.max_nesting) throw TooDeep{t.begin};
            if (t.kind == Tok::Close && depth > 0) --depth;
            // An inline image's data (BI ... ID <bytes> EI) is not syntax.
            if (t.kind == Tok::Other && content.substr(t.begin, t.end - t.begin) == "ID") {
                std::size_t pos = t.end + 1;
                while ((pos = content.find("EI", pos)) != std::string_view::npos &&
                       !(isWhite(static_cast<unsigned char>(content[pos - 1])) &&
                         (pos + 2 >= content.size() ||
                          !isRegular(static_cast<unsigned char>(content[pos + 2])))))
                    ++pos;
                lx.seek(pos == std::string_view::npos ? content.size() : pos + 2);
            }
        }
    } catch (const TooDeep& e) {
        refuseDepth(path, limits.max_nesting, e.offset,
                    fmt::format(fmt::runtime(_("in the contents of page {0}, at")), page + 1));
    }
}

}  // namespace certagent::pdf
