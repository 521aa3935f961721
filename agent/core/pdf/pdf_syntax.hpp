#pragma once
// A small, bounded reader of PDF syntax (not installed): tokens, nesting, dictionaries and
// strings, straight from the bytes, without recursion. Used by the document limits (before
// PoDoFo parses anything) and by verifyPdf, which reads signature dictionaries itself so that
// verifying a document never runs PoDoFo's parser on it.
#include <certagent/core/pdf/limits.hpp>

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace certagent::pdf::syntax {

// Bytes lexed so far and how many may be; past the limit the scan stops (WorkExceeded).
struct Budget {
    std::uint64_t used = 0;
    std::uint64_t limit = UINT64_MAX;
};
struct WorkExceeded {};
struct TooDeep {
    std::size_t offset;  // of the opening << or [ beyond the limit
};

enum class Tok { End, Open, Close, Name, String, Other };
struct Token {
    Tok kind = Tok::End;
    std::size_t begin = 0, end = 0;
};

class Lexer {
public:
    Lexer(std::string_view data, std::size_t pos, Budget* budget)
        : d_(data), i_(pos), budget_(budget) {}
    Token next();
    std::size_t pos() const { return i_; }
    void seek(std::size_t pos) { i_ = pos; }

private:
    void skipSpace();
    void charge(std::size_t from);
    std::string_view d_;
    std::size_t i_;
    Budget* budget_;
};

bool isWhite(unsigned char c);
bool isRegular(unsigned char c);

// Reads one value starting at (or after white space from) `pos`; returns where it ends.
// Throws TooDeep past `max_depth` nested << / [, WorkExceeded past the budget.
std::size_t scanValue(std::string_view data, std::size_t pos, int max_depth, Budget* budget,
                      Token* first = nullptr);

// The entries of the dictionary `dict` (its text, starting with <<) at its own level, in
// order: decoded key name → value text.
std::vector<std::pair<std::string, std::string_view>> dictEntries(std::string_view dict,
                                                                  int max_depth, Budget* budget);
std::string_view entry(const std::vector<std::pair<std::string, std::string_view>>& entries,
                       std::string_view key);

std::string decodeName(std::string_view token);    // "/Obj#53tm" → "ObjStm"
std::string decodeString(std::string_view token);  // (literal) or <hex> → bytes
std::string textToUtf8(std::string_view bytes);    // UTF-16BE (BOM), UTF-8 (BOM), PDFDocEncoding
std::optional<std::int64_t> parseInt(std::string_view token);

enum class InflateResult { Ok, Damaged, TooBig };
// zlib (FlateDecode) into `out`, at most `max_out` bytes.
InflateResult inflate(std::string_view in, std::uint64_t max_out, std::string& out);

struct Object {
    std::uint32_t num = 0;
    std::uint32_t gen = 0;
    std::string_view value;  // the object's text (a view into the file or an object stream)
    bool compressed = false;  // from an object stream
    // Where it starts in the file: its `obj` keyword, or for a compressed object the `obj`
    // keyword of its object stream. Tells which revision wrote it.
    std::size_t offset = 0;
    std::string_view stream;  // a stream's raw (still encoded) data; empty for other objects
};

struct Document {
    std::vector<Object> dictionaries;  // objects whose value is a dictionary (in file order)
    std::vector<Object> others;        // indirect objects that are not dictionaries
    std::deque<std::string> object_streams;  // decompressed; Object::value may point here
    std::size_t object_count = 0;
    std::size_t signature_count = 0;
};

// The bounded scan behind checkDocumentLimits; throws certagent::Error(InvalidInput) naming
// `path` when a limit is exceeded. parser_follows: PoDoFo will parse the document next, so
// object streams the scan cannot decode (other filters, encryption) are refused too; without
// it (verifyPdf, which reads the document only through this scan) they are just not read.
Document scanDocument(std::string_view data, const std::filesystem::path& path,
                      const DocumentLimits& limits, bool parser_follows);

}  // namespace certagent::pdf::syntax
