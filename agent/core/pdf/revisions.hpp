#pragma once
// What the bounded syntax reader (pdf_syntax.hpp) tells about a document's revisions, for
// verification (not installed): which object definition is current at a given revision, the
// Document Security Store's validation data, and what incremental updates after a signed
// revision changed (classified against the DocMDP permissions).
#include <certagent/core/pdf/limits.hpp>
#include <certagent/core/pdf/verify.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pdf_syntax.hpp"

namespace certagent::pdf::detail {

// Every definition of every object, by file offset, seen as of a revision: find() gives the
// latest definition that starts before `end` (a file offset). Built once per document (O(n log n));
// at() gives the same table as of another revision without copying it.
class ObjectIndex {
  public:
    ObjectIndex(const syntax::Document& doc, std::size_t end);
    ObjectIndex at(std::size_t end) const;
    const syntax::Object* find(std::uint32_t num) const;
    // The object a value refers to ("12 0 R"), or nullptr.
    const syntax::Object* resolve(std::string_view value) const;
    // The latest /Type /Catalog definition before `end`.
    const syntax::Object* catalog(int max_depth) const;
    // Definitions that start at or after `from` (and before `end`), in file order.
    std::vector<const syntax::Object*> writtenFrom(std::size_t from) const;

    struct Table;

  private:
    ObjectIndex(std::shared_ptr<const Table> table, std::size_t end)
        : table_(std::move(table)), end_(end) {}
    std::shared_ptr<const Table> table_;
    std::size_t end_;
};

// "12 0 R" → 12.
std::optional<std::uint32_t> referenceNumber(std::string_view value);

// The document's /DSS (the catalog's, latest revision): /Certs, /OCSPs and /CRLs streams,
// decoded (FlateDecode or none) within `limits`; at most 256 items of each kind.
ValidationMaterial readDss(const syntax::Document& doc, const DocumentLimits& limits);

// The DocMDP permission of a certification signature in the document (its /Reference with
// /TransformMethod /DocMDP, /P 1..3), or nullopt when there is none.
std::optional<int> docMdpPermission(const syntax::Document& doc, int max_depth);

// The changes in the incremental updates after the revision that ends at `signed_end`, each
// allowed or not under `permission` (1: none but DSS and document timestamps; 2: also form
// filling and signing; 3: also annotations). Without DocMDP the default is 3.
std::vector<DocumentChange> classifyChanges(const syntax::Document& doc, std::size_t signed_end,
                                            int permission, int max_depth);
// The same with the document's index built once (for a document with many signatures).
std::vector<DocumentChange> classifyChanges(const ObjectIndex& document, std::size_t signed_end,
                                            int permission, int max_depth);

}  // namespace certagent::pdf::detail
