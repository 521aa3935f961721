// Revisions of a PDF as the bounded syntax reader sees them: see revisions.hpp. Everything here
// reads views into the file (or its decompressed object streams) that scanDocument() already
// bounded; walks are bounded too (depth, counts), so a crafted document cannot make them loop.
#include "revisions.hpp"

#include <certagent/core/i18n.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <unordered_map>

namespace certagent::pdf::detail {
namespace {

using Entries = std::vector<std::pair<std::string, std::string_view>>;

constexpr std::size_t kMaxDssItems = 256;
constexpr std::uint64_t kMaxDssItemBytes = 8u << 20;
// All of a DSS: real ones hold a few hundred KiB (a national CA's CRL can be a few MiB).
constexpr std::uint64_t kMaxDssBytes = 32u << 20;
constexpr int kMaxTreeDepth = 32;
constexpr std::size_t kMaxPages = 10'000;  // walked to name a changed page
// Objects one signature's later updates may change before the rest is summed up in one line.
constexpr std::size_t kMaxExamined = 5'000;

// The tokens of a value joined by single spaces: the same object written again with other
// white space compares equal.
std::string normalized(std::string_view value) {
    std::string out;
    syntax::Lexer lx(value, 0, nullptr);
    for (auto t = lx.next(); t.kind != syntax::Tok::End; t = lx.next()) {
        if (!out.empty()) out += ' ';
        out.append(value.substr(t.begin, t.end - t.begin));
    }
    return out;
}

std::string nameOf(std::string_view value) {
    return !value.empty() && value.front() == '/' ? syntax::decodeName(value) : std::string();
}

// The references in an array value ("[3 0 R 5 0 R]"), or the one reference a value is.
std::vector<std::uint32_t> referencesIn(std::string_view value, std::size_t max) {
    std::vector<std::uint32_t> out;
    syntax::Lexer lx(value, 0, nullptr);
    std::vector<std::string_view> window;
    for (auto t = lx.next(); t.kind != syntax::Tok::End && out.size() < max; t = lx.next()) {
        const auto text = value.substr(t.begin, t.end - t.begin);
        if (text == "R" && window.size() >= 2) {
            const auto num = syntax::parseInt(window[window.size() - 2]);
            if (num && syntax::parseInt(window.back()))
                out.push_back(static_cast<std::uint32_t>(*num));
            window.clear();
            continue;
        }
        window.push_back(text);
        if (window.size() > 2) window.erase(window.begin());
    }
    return out;
}

// A dictionary value: direct, or the dictionary object it refers to.
std::string_view dictionaryValue(const ObjectIndex& index, std::string_view value) {
    if (value.substr(0, 2) == "<<") return value;
    const auto* o = index.resolve(value);
    return o && o->value.substr(0, 2) == "<<" ? o->value : std::string_view();
}

// An array value: direct, or the array object it refers to.
std::string_view arrayValue(const ObjectIndex& index, std::string_view value) {
    if (!value.empty() && value.front() == '[') return value;
    const auto* o = index.resolve(value);
    return o && !o->value.empty() && o->value.front() == '[' ? o->value : std::string_view();
}

const syntax::Object* catalogOf(const ObjectIndex& index, int max_depth) {
    return index.catalog(max_depth);
}

// Decoded stream data (FlateDecode or unfiltered), or nullopt.
std::optional<std::string> decodedStream(const syntax::Object& o, int max_depth) {
    const auto d = syntax::dictEntries(o.value, max_depth, nullptr);
    const auto filter = syntax::entry(d, "Filter");
    if (filter.empty()) return std::string(o.stream);
    const auto refs = normalized(filter);
    if (refs != "/FlateDecode" && refs != "[ /FlateDecode ]" && refs != "/Fl") return std::nullopt;
    if (!syntax::entry(d, "DecodeParms").empty()) return std::nullopt;
    std::string out;
    if (syntax::inflate(o.stream, kMaxDssItemBytes, out) != syntax::InflateResult::Ok)
        return std::nullopt;
    return out;
}

// Page objects in order, walking /Pages /Kids from the catalog (bounded).
std::vector<std::uint32_t> pagesOf(const ObjectIndex& index, int max_depth) {
    std::vector<std::uint32_t> pages;
    const auto* catalog = catalogOf(index, max_depth);
    if (!catalog) return pages;
    const auto root = referenceNumber(
        syntax::entry(syntax::dictEntries(catalog->value, max_depth, nullptr), "Pages"));
    if (!root) return pages;
    std::set<std::uint32_t> seen;
    struct Frame {
        std::uint32_t num;
        int depth;
    };
    std::vector<Frame> stack{{*root, 0}};
    while (!stack.empty() && pages.size() < kMaxPages) {
        const auto [num, depth] = stack.back();
        stack.pop_back();
        if (depth > kMaxTreeDepth || !seen.insert(num).second) continue;
        const auto* o = index.find(num);
        if (!o) continue;
        const auto d = syntax::dictEntries(o->value, max_depth, nullptr);
        if (nameOf(syntax::entry(d, "Type")) == "Page") {
            pages.push_back(num);
            continue;
        }
        auto kids = referencesIn(arrayValue(index, syntax::entry(d, "Kids")), kMaxPages);
        for (auto it = kids.rbegin(); it != kids.rend(); ++it) stack.push_back({*it, depth + 1});
    }
    return pages;
}

enum class Kind {
    Structure,     // object streams, cross-reference streams
    Dss,           // the DSS and what it holds
    Signature,     // a signature dictionary
    DocTimestamp,  // a document timestamp dictionary
    SigField,      // a signature field / its widget
    FormField,     // another form field (or its widget)
    Annotation,    // any other annotation
    Catalog,
    AcroForm,
    Page,
    Pages,
    Content,  // a page's content stream
    Info,     // document information or XMP metadata
    Other,
};

struct Classifier {
    ObjectIndex before;
    ObjectIndex after;
    int permission;
    int max_depth;
    std::set<std::uint32_t> dss_objects, acroforms, infos;  // infos: XMP metadata streams
    std::map<std::uint32_t, int> page_index, content_page;

    void prepare() {
        // What the DSS holds (in the latest revision): its dictionary, streams and VRI entries.
        if (const auto* catalog = catalogOf(after, max_depth)) {
            const auto c = syntax::dictEntries(catalog->value, max_depth, nullptr);
            if (auto n = referenceNumber(syntax::entry(c, "DSS"))) dss_objects.insert(*n);
            if (auto n = referenceNumber(syntax::entry(c, "AcroForm"))) acroforms.insert(*n);
            if (auto n = referenceNumber(syntax::entry(c, "Metadata"))) infos.insert(*n);
            const auto dss = dictionaryValue(after, syntax::entry(c, "DSS"));
            const auto d = syntax::dictEntries(dss, max_depth, nullptr);
            for (const char* key : {"Certs", "OCSPs", "CRLs"})
                for (auto n :
                     referencesIn(arrayValue(after, syntax::entry(d, key)), 4 * kMaxDssItems))
                    dss_objects.insert(n);
            const auto vri_value = syntax::entry(d, "VRI");
            if (auto n = referenceNumber(vri_value)) dss_objects.insert(*n);
            const auto vri =
                syntax::dictEntries(dictionaryValue(after, vri_value), max_depth, nullptr);
            for (const auto& [key, value] : vri) {
                (void)key;
                if (auto n = referenceNumber(value)) dss_objects.insert(*n);
                for (auto m : referencesIn(dictionaryValue(after, value), 4 * kMaxDssItems))
                    dss_objects.insert(m);
            }
        }
    }

    // Page numbers and the content streams of each page at the signed revision: walked only
    // when a change needs them, and at most kMaxNamedPages pages.
    bool pages_known = false;
    void knowPages() {
        if (pages_known) return;
        pages_known = true;
        const auto pages = pagesOf(before, max_depth);
        for (std::size_t i = 0; i < pages.size(); ++i) {
            page_index[pages[i]] = static_cast<int>(i) + 1;
            if (const auto* p = before.find(pages[i])) {
                const auto d = syntax::dictEntries(p->value, max_depth, nullptr);
                for (auto n : referencesIn(syntax::entry(d, "Contents"), 4096))
                    content_page[n] = static_cast<int>(i) + 1;
            }
        }
    }
    Kind kindOf(std::uint32_t num, const syntax::Object& o) {
        if (dss_objects.count(num)) return Kind::Dss;
        if (infos.count(num)) return Kind::Info;
        if (acroforms.count(num)) return Kind::AcroForm;
        if (!o.stream.empty() || o.value.substr(0, 2) != "<<") {
            knowPages();
            if (content_page.count(num)) return Kind::Content;
        }
        if (o.value.substr(0, 2) != "<<") return Kind::Other;
        const auto d = syntax::dictEntries(o.value, max_depth, nullptr);
        const auto type = nameOf(syntax::entry(d, "Type"));
        if (type == "ObjStm" || type == "XRef") return Kind::Structure;
        if (type == "DSS") return Kind::Dss;
        if (type == "DocTimeStamp") return Kind::DocTimestamp;
        if (type == "Sig" || !syntax::entry(d, "ByteRange").empty()) return Kind::Signature;
        if (type == "Catalog") return Kind::Catalog;
        if (type == "Page") return Kind::Page;
        if (type == "Pages") return Kind::Pages;
        if (type == "Metadata" || isInfo(d)) return Kind::Info;
        const auto ft = nameOf(syntax::entry(d, "FT"));
        if (ft == "Sig") return Kind::SigField;
        if (!ft.empty() || (!syntax::entry(d, "Parent").empty() && !syntax::entry(d, "T").empty()))
            return Kind::FormField;
        const auto subtype = nameOf(syntax::entry(d, "Subtype"));
        if (subtype == "Widget") {
            // A widget merged with its field carries /FT; a separate one points at its parent.
            if (const auto* parent = after.resolve(syntax::entry(d, "Parent"))) {
                const auto p = syntax::dictEntries(parent->value, max_depth, nullptr);
                return nameOf(syntax::entry(p, "FT")) == "Sig" ? Kind::SigField : Kind::FormField;
            }
            return Kind::FormField;
        }
        if (type == "Annot" || (!subtype.empty() && !syntax::entry(d, "Rect").empty()))
            return Kind::Annotation;
        return Kind::Other;
    }

    // The document information dictionary (the trailer's /Info): only its metadata keys.
    static bool isInfo(const Entries& d) {
        static const std::set<std::string> kKeys = {"Title",        "Author",  "Subject",
                                                    "Keywords",     "Creator", "Producer",
                                                    "CreationDate", "ModDate", "Trapped"};
        if (d.empty()) return false;
        for (const auto& [k, v] : d)
            if (!kKeys.count(k)) return false;
        return true;
    }

    // Keys of two dictionaries whose values differ (either side missing counts).
    std::vector<std::string> changedKeys(std::string_view old_value,
                                         std::string_view new_value) const {
        const auto a = syntax::dictEntries(old_value, max_depth, nullptr);
        const auto b = syntax::dictEntries(new_value, max_depth, nullptr);
        std::map<std::string, std::string> av, bv;
        for (const auto& [k, v] : a) av[k] = normalized(v);
        for (const auto& [k, v] : b) bv[k] = normalized(v);
        std::vector<std::string> out;
        for (const auto& [k, v] : av)
            if (auto it = bv.find(k); it == bv.end() || it->second != v) out.push_back(k);
        for (const auto& [k, v] : bv)
            if (!av.count(k)) out.push_back(k);
        return out;
    }

    static bool onlyKeys(const std::vector<std::string>& changed, std::set<std::string> allowed) {
        for (const auto& k : changed)
            if (!allowed.count(k)) return false;
        return true;
    }

    static std::string joinKeys(const std::vector<std::string>& keys) {
        std::string out;
        for (const auto& k : keys) out += (out.empty() ? "/" : ", /") + k;
        return out;
    }

    std::string pageText(std::uint32_t num) {
        knowPages();
        auto it = page_index.find(num);
        return it == page_index.end() ? fmt::format(fmt::runtime(_("a page (object {0})")), num)
                                      : fmt::format(fmt::runtime(_("page {0}")), it->second);
    }

    void add(std::vector<DocumentChange>& out, bool allowed, std::string what) const {
        for (const auto& c : out)
            if (c.what == what) return;
        out.push_back({allowed, std::move(what)});
    }

    std::vector<DocumentChange> run(std::size_t signed_end) {
        std::vector<DocumentChange> out;
        std::size_t examined = 0;
        for (const syntax::Object* o : after.writtenFrom(signed_end)) {
            const std::uint32_t num = o->num;
            if (after.find(num) != o) continue;  // written again later: judged there
            if (++examined > kMaxExamined) {
                add(out, false,
                    fmt::format(fmt::runtime(_("more than {0} objects were changed")),
                                kMaxExamined));
                break;
            }
            const syntax::Object* old = before.find(num);
            if (old && normalized(old->value) == normalized(o->value) && old->stream == o->stream)
                continue;  // written again unchanged
            const Kind kind = kindOf(num, *o);
            const bool added = old == nullptr;
            switch (kind) {
                case Kind::Structure:
                    break;
                case Kind::Dss:
                    add(out, true, _("validation data (DSS) was added"));
                    break;
                case Kind::DocTimestamp:
                    add(out, true, _("a document timestamp was added"));
                    break;
                case Kind::Signature:
                    if (added)
                        add(out, permission >= 2, _("a signature was added"));
                    else
                        add(out, false,
                            fmt::format(fmt::runtime(_("an earlier signature "
                                                       "(object {0}) was changed")),
                                        num));
                    break;
                case Kind::SigField:
                    add(out, permission >= 2 || isTimestampField(*o),
                        added ? _("a signature field was added")
                              : _("a signature field was changed"));
                    break;
                case Kind::FormField:
                    if (added)
                        add(out, false,
                            fmt::format(fmt::runtime(_("a form field (object {0}) was "
                                                       "added")),
                                        num));
                    else
                        add(out, permission >= 2,
                            fmt::format(fmt::runtime(_("form field {0} was filled in")),
                                        fieldName(*o, num)));
                    break;
                case Kind::Annotation:
                    add(out, permission >= 3,
                        added ? _("an annotation (comment) was added")
                              : _("an annotation (comment) was changed"));
                    break;
                case Kind::Info:
                    add(out, true, _("the document information (metadata) was updated"));
                    break;
                case Kind::Catalog: {
                    if (!old) break;
                    const auto keys = changedKeys(old->value, o->value);
                    if (!onlyKeys(keys, {"DSS", "AcroForm", "Extensions", "Metadata", "Perms"}))
                        add(out, false,
                            fmt::format(fmt::runtime(_("the document catalog was changed ({0})")),
                                        joinKeys(keys)));
                    break;
                }
                case Kind::AcroForm: {
                    if (!old) break;
                    const auto keys = changedKeys(old->value, o->value);
                    if (!onlyKeys(keys, {"Fields", "SigFlags", "DR", "DA", "NeedAppearances"}))
                        add(out, false,
                            fmt::format(fmt::runtime(_("the interactive form was changed ({0})")),
                                        joinKeys(keys)));
                    break;
                }
                case Kind::Page:
                    if (added) {
                        add(out, false, _("a page was added"));
                    } else {
                        const auto keys = changedKeys(old->value, o->value);
                        if (!onlyKeys(keys, {"Annots"}))
                            add(out, false,
                                fmt::format(fmt::runtime(_("{0} was changed ({1})")), pageText(num),
                                            joinKeys(keys)));
                    }
                    break;
                case Kind::Pages:
                    if (old && !onlyKeys(changedKeys(old->value, o->value), {}))
                        add(out, false, _("pages were added, removed or reordered"));
                    break;
                case Kind::Content:
                    add(out, false,
                        fmt::format(
                            fmt::runtime(_("{0}: its content was changed")),
                            fmt::format(fmt::runtime(_("page {0}")), content_page.at(num))));
                    break;
                case Kind::Other:
                    // A new object changes nothing by itself (a font or an appearance of an
                    // annotation): what refers to it is classified. A changed one is a change.
                    if (!added)
                        add(out, false,
                            fmt::format(fmt::runtime(_("object {0} was changed")), num));
                    break;
            }
        }
        return out;
    }

    bool isTimestampField(const syntax::Object& o) const {
        const auto d = syntax::dictEntries(o.value, max_depth, nullptr);
        const auto* v = after.resolve(syntax::entry(d, "V"));
        if (!v) return false;
        const auto sig = syntax::dictEntries(v->value, max_depth, nullptr);
        return nameOf(syntax::entry(sig, "Type")) == "DocTimeStamp" ||
               nameOf(syntax::entry(sig, "SubFilter")) == "ETSI.RFC3161";
    }

    std::string fieldName(const syntax::Object& o, std::uint32_t num) const {
        const auto d = syntax::dictEntries(o.value, max_depth, nullptr);
        const auto t = syntax::entry(d, "T");
        if (!t.empty() && (t.front() == '(' || t.front() == '<'))
            return "\"" + syntax::textToUtf8(syntax::decodeString(t)) + "\"";
        return fmt::format(fmt::runtime(_("(object {0})")), num);
    }
};

}  // namespace

struct ObjectIndex::Table {
    std::unordered_map<std::uint32_t, std::vector<const syntax::Object*>> defs;  // by offset
    std::vector<const syntax::Object*> by_offset;
    std::vector<const syntax::Object*> catalogs;  // candidates (the text names /Catalog)
};

ObjectIndex::ObjectIndex(const syntax::Document& doc, std::size_t end) : end_(end) {
    auto table = std::make_shared<Table>();
    for (const auto* list : {&doc.dictionaries, &doc.others})
        for (const auto& o : *list) {
            table->defs[o.num].push_back(&o);
            table->by_offset.push_back(&o);
            if (o.value.find("Catalog") != std::string_view::npos) table->catalogs.push_back(&o);
        }
    auto byOffset = [](const syntax::Object* a, const syntax::Object* b) {
        return a->offset < b->offset;
    };
    // Stable: objects of one object stream share its offset and keep their order.
    for (auto& [num, v] : table->defs) std::stable_sort(v.begin(), v.end(), byOffset);
    std::stable_sort(table->by_offset.begin(), table->by_offset.end(), byOffset);
    std::stable_sort(table->catalogs.begin(), table->catalogs.end(), byOffset);
    table_ = std::move(table);
}

ObjectIndex ObjectIndex::at(std::size_t end) const { return ObjectIndex(table_, end); }

const syntax::Object* ObjectIndex::find(std::uint32_t num) const {
    auto it = table_->defs.find(num);
    if (it == table_->defs.end()) return nullptr;
    const auto& v = it->second;
    auto pos = std::partition_point(v.begin(), v.end(),
                                    [&](const syntax::Object* o) { return o->offset < end_; });
    return pos == v.begin() ? nullptr : *(pos - 1);
}

const syntax::Object* ObjectIndex::catalog(int max_depth) const {
    const auto& c = table_->catalogs;
    auto pos = std::partition_point(c.begin(), c.end(),
                                    [&](const syntax::Object* o) { return o->offset < end_; });
    // The latest one that is still its object's current definition and is a catalog.
    for (auto it = pos; it != c.begin();) {
        const syntax::Object* o = *--it;
        if (find(o->num) != o) continue;
        const auto d = syntax::dictEntries(o->value, max_depth, nullptr);
        if (nameOf(syntax::entry(d, "Type")) == "Catalog") return o;
        if (pos - it > 64) break;  // bounded: real documents have one per revision
    }
    return nullptr;
}

std::vector<const syntax::Object*> ObjectIndex::writtenFrom(std::size_t from) const {
    const auto& v = table_->by_offset;
    auto first = std::partition_point(v.begin(), v.end(),
                                      [&](const syntax::Object* o) { return o->offset < from; });
    std::vector<const syntax::Object*> out;
    for (auto it = first; it != v.end() && (*it)->offset < end_; ++it) out.push_back(*it);
    return out;
}

const syntax::Object* ObjectIndex::resolve(std::string_view value) const {
    auto n = referenceNumber(value);
    return n ? find(*n) : nullptr;
}

std::optional<std::uint32_t> referenceNumber(std::string_view value) {
    syntax::Lexer lx(value, 0, nullptr);
    const auto a = lx.next(), b = lx.next(), r = lx.next();
    if (r.kind == syntax::Tok::End || value.substr(r.begin, r.end - r.begin) != "R")
        return std::nullopt;
    const auto n = syntax::parseInt(value.substr(a.begin, a.end - a.begin));
    if (!n || !syntax::parseInt(value.substr(b.begin, b.end - b.begin))) return std::nullopt;
    return static_cast<std::uint32_t>(*n);
}

ValidationMaterial readDss(const syntax::Document& doc, const DocumentLimits& limits) {
    ValidationMaterial m;
    const ObjectIndex index(doc, SIZE_MAX);
    const auto* catalog = catalogOf(index, limits.max_nesting);
    if (!catalog) return m;
    const auto c = syntax::dictEntries(catalog->value, limits.max_nesting, nullptr);
    const auto dss = dictionaryValue(index, syntax::entry(c, "DSS"));
    if (dss.empty()) return m;
    const auto d = syntax::dictEntries(dss, limits.max_nesting, nullptr);
    std::uint64_t total = 0;
    auto collect = [&](const char* key, std::vector<Der>& out) {
        for (auto n : referencesIn(arrayValue(index, syntax::entry(d, key)), kMaxDssItems)) {
            const auto* o = index.find(n);
            if (!o || o->stream.empty()) continue;
            auto bytes = decodedStream(*o, limits.max_nesting);
            if (!bytes || bytes->empty()) continue;
            total += bytes->size();
            if (total > std::min<std::uint64_t>(kMaxDssBytes, limits.max_inflated_bytes)) return;
            out.emplace_back(bytes->begin(), bytes->end());
        }
    };
    collect("Certs", m.certificates);
    collect("OCSPs", m.ocsp_responses);
    collect("CRLs", m.crls);
    return m;
}

std::optional<int> docMdpPermission(const syntax::Document& doc, int max_depth) {
    const ObjectIndex index(doc, SIZE_MAX);
    const auto* catalog = catalogOf(index, max_depth);
    if (!catalog) return std::nullopt;
    const auto c = syntax::dictEntries(catalog->value, max_depth, nullptr);
    const auto perms =
        syntax::dictEntries(dictionaryValue(index, syntax::entry(c, "Perms")), max_depth, nullptr);
    const auto* sig = index.resolve(syntax::entry(perms, "DocMDP"));
    if (!sig) return std::nullopt;
    const auto s = syntax::dictEntries(sig->value, max_depth, nullptr);
    const auto refs = arrayValue(index, syntax::entry(s, "Reference"));
    // Each element: a direct dictionary or a reference to one.
    syntax::Lexer lx(refs, 1, nullptr);
    for (int i = 0; i < 16; ++i) {
        syntax::Token first;
        const std::size_t start = lx.pos();
        const std::size_t end = syntax::scanValue(refs, start, max_depth, nullptr, &first);
        if (first.kind == syntax::Tok::End || first.kind == syntax::Tok::Close) break;
        std::string_view item = refs.substr(first.begin, end - first.begin);
        lx.seek(end);
        if (first.kind == syntax::Tok::Other) {
            syntax::Lexer more(refs, end, nullptr);
            more.next();  // generation
            const auto r = more.next();
            item = refs.substr(first.begin, r.end - first.begin);
            lx.seek(r.end);
        }
        const auto d = syntax::dictEntries(dictionaryValue(index, item), max_depth, nullptr);
        if (nameOf(syntax::entry(d, "TransformMethod")) != "DocMDP") continue;
        const auto params = syntax::dictEntries(
            dictionaryValue(index, syntax::entry(d, "TransformParams")), max_depth, nullptr);
        const auto p = syntax::parseInt(syntax::entry(params, "P")).value_or(2);
        return static_cast<int>(std::clamp<std::int64_t>(p, 1, 3));
    }
    return std::nullopt;
}

std::vector<DocumentChange> classifyChanges(const ObjectIndex& document, std::size_t signed_end,
                                            int permission, int max_depth) {
    Classifier c{document.at(signed_end), document, permission, max_depth, {}, {}, {}, {}, {}};
    c.prepare();
    return c.run(signed_end);
}

std::vector<DocumentChange> classifyChanges(const syntax::Document& doc, std::size_t signed_end,
                                            int permission, int max_depth) {
    return classifyChanges(ObjectIndex(doc, SIZE_MAX), signed_end, permission, max_depth);
}

}  // namespace certagent::pdf::detail
