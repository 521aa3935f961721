#include "http_support.hpp"

#include <algorithm>
#include <charconv>

namespace certagent::sandbox {

Reply jsonReply(int status, const nlohmann::json& j) {
    Reply r;
    r.status = status;
    r.body = j.dump();
    return r;
}

std::string htmlEscape(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '&':
                out += "&amp;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

Reply htmlReply(int status, const std::string& title, const std::string& body_html) {
    Reply r;
    r.status = status;
    r.content_type = "text/html; charset=utf-8";
    r.body = "<!DOCTYPE html>\n<html lang=\"ro\"><head><meta charset=\"utf-8\"><title>" +
             htmlEscape(title) +
             "</title></head>\n<body style=\"font-family:sans-serif;max-width:40em;margin:2em "
             "auto\">\n<h1>CertAgent Sandbox CA</h1>\n" +
             body_html + "\n</body></html>\n";
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
}

static bool contentTypeIs(const httplib::Request& req, const std::string& type) {
    auto ct = req.get_header_value("Content-Type");
    auto semi = ct.find(';');
    if (semi != std::string::npos) ct.resize(semi);
    while (!ct.empty() && ct.back() == ' ') ct.pop_back();
    std::transform(ct.begin(), ct.end(), ct.begin(), ::tolower);
    return ct == type;
}

nlohmann::json parseJsonObject(const httplib::Request& req) {
    if (req.body.size() > kMaxJsonBody)
        throw ApiError(413, "PAYLOAD_TOO_LARGE", "JSON bodies are limited in size",
                       {{"limit_bytes", kMaxJsonBody}});
    if (req.body.empty()) return nlohmann::json::object();
    if (!contentTypeIs(req, "application/json"))
        throw ApiError(
            415, "UNSUPPORTED_MEDIA_TYPE", "send the body as application/json",
            {{"expected", "application/json"}, {"got", req.get_header_value("Content-Type")}});
    nlohmann::json j = nlohmann::json::parse(req.body, nullptr, false);
    if (j.is_discarded()) throw ApiError(400, "MALFORMED_JSON", "the body is not valid JSON");
    if (!j.is_object()) throw ApiError(400, "INVALID_REQUEST", "the body must be a JSON object");
    return j;
}

std::optional<std::string> optionalString(const nlohmann::json& body, const std::string& field,
                                          size_t max_len) {
    auto it = body.find(field);
    if (it == body.end() || it->is_null()) return std::nullopt;
    if (!it->is_string())
        throw ApiError(422, "INVALID_FIELD", "'" + field + "' must be a string",
                       {{"field", field}, {"expected", "string"}});
    auto s = it->get<std::string>();
    if (s.size() > max_len)
        throw ApiError(422, "INVALID_FIELD", "'" + field + "' is too long",
                       {{"field", field}, {"max_length", max_len}});
    return s;
}

std::string requireString(const nlohmann::json& body, const std::string& field, size_t max_len) {
    auto s = optionalString(body, field, max_len);
    if (!s || s->empty())
        throw ApiError(422, "INVALID_FIELD", "'" + field + "' is required",
                       {{"field", field}, {"expected", "string"}});
    return *s;
}

std::string requirePdfBody(const httplib::Request& req, size_t max) {
    if (req.body.size() > max)
        throw ApiError(413, "PAYLOAD_TOO_LARGE", "the PDF is larger than the limit",
                       {{"limit_bytes", max}, {"size_bytes", req.body.size()}});
    if (!contentTypeIs(req, "application/pdf"))
        throw ApiError(
            415, "UNSUPPORTED_MEDIA_TYPE", "send the document as application/pdf",
            {{"expected", "application/pdf"}, {"got", req.get_header_value("Content-Type")}});
    const auto& b = req.body;
    // A PDF starts with %PDF-1.x (ISO 32000 7.5.2) and ends with startxref N %%EOF (7.5.5).
    bool header = b.size() > 16 && b.compare(0, 7, "%PDF-1.") == 0;
    auto tail = b.substr(b.size() > 1024 ? b.size() - 1024 : 0);
    bool trailer =
        tail.find("%%EOF") != std::string::npos && tail.find("startxref") != std::string::npos;
    if (!header || !trailer)
        throw ApiError(422, "NOT_A_PDF", "the file is not a complete PDF document",
                       {{"has_pdf_header", header}, {"has_trailer", trailer}});
    return b;
}

Page parsePage(const httplib::Request& req) {
    Page p;
    if (req.has_param("limit")) {
        auto v = req.get_param_value("limit");
        int n = 0;
        auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (ec != std::errc() || ptr != v.data() + v.size() || n < 1 || n > 100)
            throw ApiError(400, "INVALID_PARAMETER", "limit must be an integer from 1 to 100",
                           {{"parameter", "limit"}});
        p.limit = n;
    }
    if (req.has_param("cursor") && !req.get_param_value("cursor").empty()) {
        auto v = req.get_param_value("cursor");
        long long n = 0;
        // Cursors are "c" + the last row's sequence number: opaque to clients, cheap to check.
        auto [ptr, ec] = v.size() > 1 && v[0] == 'c'
                             ? std::from_chars(v.data() + 1, v.data() + v.size(), n)
                             : std::from_chars_result{v.data(), std::errc::invalid_argument};
        if (ec != std::errc() || ptr != v.data() + v.size() || n < 0)
            throw ApiError(400, "INVALID_CURSOR", "the cursor is not one this server returned");
        p.after_seq = n;
    }
    return p;
}

std::string makeCursor(long long seq) { return "c" + std::to_string(seq); }

nlohmann::json pageJson(nlohmann::json items, bool more, long long last_seq) {
    return {{"items", std::move(items)},
            {"next_cursor", more ? nlohmann::json(makeCursor(last_seq)) : nlohmann::json()}};
}

std::string formField(const httplib::Request& req, const std::string& name) {
    // httplib parses urlencoded bodies into params for us.
    return req.has_param(name) ? req.get_param_value(name) : std::string();
}

}  // namespace certagent::sandbox
