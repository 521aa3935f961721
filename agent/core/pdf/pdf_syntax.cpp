#include "pdf_syntax.hpp"

#include <zlib.h>

#include <cstring>

namespace certagent::pdf::syntax {

bool isWhite(unsigned char c) {
    return c == 0 || c == 9 || c == 10 || c == 12 || c == 13 || c == 32;
}

static bool isDelimiter(unsigned char c) {
    return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' || c == '{' ||
           c == '}' || c == '/' || c == '%';
}

bool isRegular(unsigned char c) { return !isWhite(c) && !isDelimiter(c); }

void Lexer::charge(std::size_t from) {
    if (!budget_) return;
    budget_->used += i_ - from;
    if (budget_->used > budget_->limit) throw WorkExceeded{};
}

void Lexer::skipSpace() {
    const std::size_t from = i_;
    const std::size_t n = d_.size();
    while (i_ < n) {
        const auto c = static_cast<unsigned char>(d_[i_]);
        if (isWhite(c)) {
            ++i_;
        } else if (c == '%') {
            while (i_ < n && d_[i_] != '\n' && d_[i_] != '\r') ++i_;
        } else {
            break;
        }
    }
    charge(from);
}

Token Lexer::next() {
    skipSpace();
    const std::size_t n = d_.size();
    Token t;
    t.begin = i_;
    if (i_ >= n) {
        t.end = i_;
        return t;
    }
    const auto c = static_cast<unsigned char>(d_[i_]);
    if (c == '(') {
        int depth = 0;
        while (i_ < n) {
            const char x = d_[i_++];
            if (x == '\\') {
                ++i_;
            } else if (x == '(') {
                ++depth;
            } else if (x == ')' && --depth == 0) {
                break;
            }
        }
        if (i_ > n) i_ = n;
        t.kind = Tok::String;
    } else if (c == '<' && i_ + 1 < n && d_[i_ + 1] == '<') {
        i_ += 2;
        t.kind = Tok::Open;
    } else if (c == '<') {
        const auto close = d_.find('>', i_ + 1);
        i_ = close == std::string_view::npos ? n : close + 1;
        t.kind = Tok::String;
    } else if (c == '>' && i_ + 1 < n && d_[i_ + 1] == '>') {
        i_ += 2;
        t.kind = Tok::Close;
    } else if (c == '[') {
        ++i_;
        t.kind = Tok::Open;
    } else if (c == ']') {
        ++i_;
        t.kind = Tok::Close;
    } else if (c == '/') {
        ++i_;
        while (i_ < n && isRegular(static_cast<unsigned char>(d_[i_]))) ++i_;
        t.kind = Tok::Name;
    } else if (isRegular(c)) {
        while (i_ < n && isRegular(static_cast<unsigned char>(d_[i_]))) ++i_;
        t.kind = Tok::Other;
    } else {
        ++i_;  // a stray ) > { }
        t.kind = Tok::Other;
    }
    t.end = i_;
    charge(t.begin);
    return t;
}

std::size_t scanValue(std::string_view data, std::size_t pos, int max_depth, Budget* budget,
                      Token* first) {
    Lexer lx(data, pos, budget);
    int depth = 0;
    bool started = false;
    do {
        const Token t = lx.next();
        if (!started && first) *first = t;
        started = true;
        if (t.kind == Tok::End) break;
        if (t.kind == Tok::Open) {
            if (++depth > max_depth) throw TooDeep{t.begin};
        } else if (t.kind == Tok::Close && depth > 0) {
            --depth;
        }
    } while (depth > 0);
    return lx.pos();
}

std::vector<std::pair<std::string, std::string_view>> dictEntries(std::string_view dict,
                                                                  int max_depth, Budget* budget) {
    std::vector<std::pair<std::string, std::string_view>> out;
    Lexer lx(dict, 0, budget);
    if (lx.next().kind != Tok::Open || dict.substr(0, 2) != "<<") return out;
    for (;;) {
        const Token key = lx.next();
        if (key.kind != Tok::Name) break;  // >> or the end (or junk: stop there)
        Token first;
        const std::size_t end = scanValue(dict, lx.pos(), max_depth - 1, budget, &first);
        if (first.kind == Tok::End || first.kind == Tok::Close) break;
        std::size_t vend = end;
        // A reference "12 0 R" is three tokens.
        if (first.kind == Tok::Other) {
            Lexer peek(dict, end, budget);
            const Token g = peek.next();
            const Token r = peek.next();
            if (g.kind == Tok::Other && r.kind == Tok::Other && r.end - r.begin == 1 &&
                dict[r.begin] == 'R' && parseInt(dict.substr(first.begin, first.end - first.begin)) &&
                parseInt(dict.substr(g.begin, g.end - g.begin)))
                vend = r.end;
        }
        out.emplace_back(decodeName(dict.substr(key.begin, key.end - key.begin)),
                         dict.substr(first.begin, vend - first.begin));
        lx.seek(vend);
    }
    return out;
}

std::string_view entry(const std::vector<std::pair<std::string, std::string_view>>& entries,
                       std::string_view key) {
    for (const auto& [k, v] : entries)
        if (k == key) return v;
    return {};
}

static int hexValue(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string decodeName(std::string_view token) {
    if (!token.empty() && token.front() == '/') token.remove_prefix(1);
    std::string out;
    out.reserve(token.size());
    for (std::size_t i = 0; i < token.size(); ++i) {
        if (token[i] == '#' && i + 2 < token.size() && hexValue(token[i + 1]) >= 0 &&
            hexValue(token[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hexValue(token[i + 1]) * 16 + hexValue(token[i + 2])));
            i += 2;
        } else {
            out.push_back(token[i]);
        }
    }
    return out;
}

std::string decodeString(std::string_view token) {
    std::string out;
    if (token.empty()) return out;
    if (token.front() == '<') {
        int high = -1;
        for (std::size_t i = 1; i < token.size() && token[i] != '>'; ++i) {
            const int v = hexValue(static_cast<unsigned char>(token[i]));
            if (v < 0) continue;  // white space
            if (high < 0) {
                high = v;
            } else {
                out.push_back(static_cast<char>(high * 16 + v));
                high = -1;
            }
        }
        if (high >= 0) out.push_back(static_cast<char>(high * 16));
        return out;
    }
    if (token.front() != '(') return out;
    token.remove_prefix(1);
    if (!token.empty() && token.back() == ')') token.remove_suffix(1);
    for (std::size_t i = 0; i < token.size(); ++i) {
        const char c = token[i];
        if (c != '\\') {
            out.push_back(c);
            continue;
        }
        if (++i >= token.size()) break;
        const char e = token[i];
        switch (e) {
            case 'n': out.push_back('\n'); break;
            case 'r': out.push_back('\r'); break;
            case 't': out.push_back('\t'); break;
            case 'b': out.push_back('\b'); break;
            case 'f': out.push_back('\f'); break;
            case '\r':
                if (i + 1 < token.size() && token[i + 1] == '\n') ++i;
                break;
            case '\n': break;
            default:
                if (e >= '0' && e <= '7') {
                    int v = e - '0';
                    for (int k = 0; k < 2 && i + 1 < token.size() && token[i + 1] >= '0' &&
                                    token[i + 1] <= '7';
                         ++k)
                        v = v * 8 + (token[++i] - '0');
                    out.push_back(static_cast<char>(v & 0xff));
                } else {
                    out.push_back(e);
                }
        }
    }
    return out;
}

static void appendUtf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
        out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
}

std::string textToUtf8(std::string_view b) {
    std::string out;
    if (b.size() >= 2 && static_cast<unsigned char>(b[0]) == 0xfe &&
        static_cast<unsigned char>(b[1]) == 0xff) {
        for (std::size_t i = 2; i + 1 < b.size(); i += 2) {
            std::uint32_t u = (static_cast<unsigned char>(b[i]) << 8) | static_cast<unsigned char>(b[i + 1]);
            if (u >= 0xd800 && u < 0xdc00 && i + 3 < b.size()) {
                const std::uint32_t lo = (static_cast<unsigned char>(b[i + 2]) << 8) |
                                         static_cast<unsigned char>(b[i + 3]);
                if (lo >= 0xdc00 && lo < 0xe000) {
                    u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
                    i += 2;
                } else {
                    u = 0xfffd;
                }
            } else if (u >= 0xd800 && u < 0xe000) {
                u = 0xfffd;
            }
            appendUtf8(out, u);
        }
        return out;
    }
    if (b.size() >= 3 && b.substr(0, 3) == "\xef\xbb\xbf") b.remove_prefix(3);  // PDF 2.0 UTF-8
    // PDFDocEncoding: ASCII and Latin-1 where it matters for names of people and places.
    for (unsigned char c : b) appendUtf8(out, c < 0x80 || c >= 0xa1 ? c : 0xfffd);
    return out;
}

std::optional<std::int64_t> parseInt(std::string_view t) {
    if (t.empty() || t.size() > 18) return std::nullopt;
    std::int64_t v = 0;
    for (char c : t) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + (c - '0');
    }
    return v;
}

InflateResult inflate(std::string_view in, std::uint64_t max_out, std::string& out) {
    z_stream z{};
    if (inflateInit(&z) != Z_OK) return InflateResult::Damaged;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(std::min<std::size_t>(in.size(), UINT32_MAX));
    char chunk[64 * 1024];
    InflateResult result = InflateResult::Damaged;
    for (;;) {
        z.next_out = reinterpret_cast<Bytef*>(chunk);
        z.avail_out = sizeof chunk;
        const int rc = ::inflate(&z, Z_NO_FLUSH);
        const std::size_t got = sizeof chunk - z.avail_out;
        if (out.size() + got > max_out) {
            result = InflateResult::TooBig;
            break;
        }
        out.append(chunk, got);
        if (rc == Z_STREAM_END) {
            result = InflateResult::Ok;
            break;
        }
        if (rc != Z_OK || (got == 0 && z.avail_in == 0)) break;  // damaged or truncated
    }
    inflateEnd(&z);
    return result;
}

}  // namespace certagent::pdf::syntax
