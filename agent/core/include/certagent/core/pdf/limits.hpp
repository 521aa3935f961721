#pragma once
// Limits on the PDFs certagent reads. PoDoFo 0.9.8 parses nested dictionaries recursively (a
// 20,000-deep object overflows the stack; 800 levels already cost seconds) and loads every
// object it is pointed at, so each document is checked by a bounded scan of its bytes before
// PoDoFo sees it (checkDocumentLimits). The scan is linear in the file size with a fixed work
// budget: a crafted PDF is refused within a fraction of a second, with a message naming the
// file, the limit and the byte offset.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>

namespace certagent::pdf {

struct DocumentLimits {
    // Whole file. Signed contracts and scanned documents stay far below this.
    std::uint64_t max_file_bytes = 256ull << 20;
    // Dictionaries and arrays inside one object (<< and [), counted from wherever a parser can
    // start reading an object. Real documents use fewer than 20.
    int max_nesting = 64;
    // Indirect objects, in the file and in its compressed object streams.
    std::size_t max_objects = 500'000;
    // Signature byte ranges (/ByteRange) in the file.
    std::size_t max_signatures = 100;
    // Decompressed bytes of object streams (and of a page's contents, for inspection).
    std::uint64_t max_inflated_bytes = 256ull << 20;
};

// Before PoDoFo parses `data`: throws certagent::Error(InvalidInput) naming `path` (and the
// byte offset where it applies) when `data` exceeds a limit, hides objects where they cannot be
// checked (a compressed object stream with a filter other than FlateDecode, or encrypted), or is
// too intricate to check within the scan's work budget (objects that overlap one another over
// and over).
void checkDocumentLimits(std::string_view data, const std::filesystem::path& path,
                         const DocumentLimits& limits = {});

// The same nesting check for the decoded content stream of page `page` (0-based) before it is
// tokenized.
void checkContentLimits(std::string_view content, const std::filesystem::path& path, int page,
                        const DocumentLimits& limits = {});

}  // namespace certagent::pdf
