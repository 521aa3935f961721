#include "english_left.hpp"

#include <fstream>
#include <sstream>

namespace certagent::testing {
namespace {

// The text of a PO string line: "…" with C escapes.
std::string unquote(const std::string& line) {
    auto a = line.find('"');
    auto b = line.rfind('"');
    std::string out;
    if (a == std::string::npos || b <= a) return out;
    for (auto i = a + 1; i < b; ++i) {
        if (line[i] == '\\' && i + 1 < b) {
            char c = line[++i];
            out += c == 'n' ? '\n' : c == 't' ? '\t' : c;
        } else {
            out += line[i];
        }
    }
    return out;
}

struct Entry {
    std::string msgid, plural, msgstr;
};

std::vector<Entry> readCatalog(const std::filesystem::path& po) {
    std::ifstream in(po);
    std::vector<Entry> entries;
    Entry e;
    std::string* field = nullptr;
    auto flush = [&] {
        if (!e.msgid.empty()) entries.push_back(e);
        e = {};
        field = nullptr;
    };
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("msgid_plural ", 0) == 0) {
            field = &e.plural;
            *field = unquote(line);
        } else if (line.rfind("msgid ", 0) == 0) {
            flush();
            field = &e.msgid;
            *field = unquote(line);
        } else if (line.rfind("msgstr[0] ", 0) == 0 || line.rfind("msgstr ", 0) == 0) {
            field = &e.msgstr;
            *field = unquote(line);
        } else if (line.rfind("msgstr[", 0) == 0) {
            field = nullptr;  // other plural forms: the first tells whether it is translated
        } else if (!line.empty() && line[0] == '"' && field) {
            *field += unquote(line);
        } else if (line.empty() || line[0] == '#') {
            field = nullptr;
        }
    }
    flush();
    return entries;
}

std::string regexEscape(const std::string& s) {
    static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
    return std::regex_replace(s, special, R"(\$&)");
}

// "{0} — expires in {1} days" -> a pattern matching the whole shown text; nullopt when the
// msgid is mostly placeholders (it would match anything).
bool toPattern(const std::string& msgid, std::regex& out) {
    static const std::regex placeholder(R"(\{\d+(:[^}]*)?\})");
    std::string pattern, literal;
    std::sregex_iterator it(msgid.begin(), msgid.end(), placeholder), end;
    std::size_t last = 0;
    for (; it != end; ++it) {
        auto piece = msgid.substr(last, it->position() - last);
        literal += piece;
        pattern += regexEscape(piece) + "[\\s\\S]*";
        last = it->position() + it->length();
    }
    literal += msgid.substr(last);
    pattern += regexEscape(msgid.substr(last));
    int letters = 0;
    for (unsigned char c : literal) letters += std::isalpha(c) ? 1 : 0;
    if (letters < 4) return false;
    out = std::regex(pattern);
    return true;
}

// A wx/GTK label with its mnemonic marks taken out ("&Cancel" -> "Cancel").
std::string withoutMnemonics(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if ((s[i] == '&' || s[i] == '_') && i + 1 < s.size() &&
            std::isalpha((unsigned char)s[i + 1]))
            continue;
        out += s[i];
    }
    return out;
}

}  // namespace

EnglishDetector::EnglishDetector(const std::vector<std::filesystem::path>& catalogs) {
    for (const auto& po : catalogs)
        for (const auto& e : readCatalog(po)) {
            if (e.msgid[0] == '%') continue;  // strftime formats
            for (const auto* id : {&e.msgid, &e.plural}) {
                if (id->empty() || *id == e.msgstr) continue;  // the same in Romanian
                std::regex pattern;
                if (toPattern(withoutMnemonics(*id), pattern))
                    messages_.push_back({*id, std::move(pattern)});
            }
        }
}

std::string EnglishDetector::englishIn(const std::string& shown) const {
    const std::string text = withoutMnemonics(shown);
    std::vector<std::string> pieces{text};
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        auto start = line.find_first_not_of(' ');
        if (start != std::string::npos) pieces.push_back(line.substr(start));
        // Report rows read "Label: value": each half on its own too.
        if (auto colon = line.find(": "); colon != std::string::npos) {
            pieces.push_back(line.substr(start == std::string::npos ? 0 : start,
                                         colon - (start == std::string::npos ? 0 : start)));
            pieces.push_back(line.substr(colon + 2));
        }
    }
    for (const auto& piece : pieces)
        for (const auto& m : messages_)
            if (std::regex_match(piece, m.pattern)) return "\"" + m.msgid + "\"";
    // English no Romanian sentence holds; names and the same-in-both words pass.
    // Hyphenated identifiers ("ecdsa-with-SHA256") are names; "contract.signed.pdf" is English.
    static const std::regex words(
        R"((^|[^\w-])(the|and|your|with|Please|please|Cancel|Error|Choose|choose|Close|Open|Save|expires|expired|Renew|Renewal|signed|signature|unable|issuer|certificate|trusted)(?![\w-]))");
    std::smatch m;
    if (std::regex_search(text, m, words)) return "the word \"" + m[2].str() + "\"";
    return {};
}

}  // namespace certagent::testing
