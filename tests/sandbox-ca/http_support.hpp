#pragma once
// Request parsing and response building shared by every route: JSON bodies with size and type
// checks, typed field access that answers 4xx instead of throwing json exceptions, PDF uploads,
// and cursor pagination.
#include "api_error.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace certagent::sandbox {

inline constexpr size_t kMaxJsonBody = 64 * 1024;
inline constexpr size_t kMaxPdfBody = 5 * 1024 * 1024;
// What the HTTP layer reads at most; larger bodies are refused before any handler runs.
inline constexpr size_t kMaxAnyBody = 8 * 1024 * 1024;

struct Reply {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
};
Reply jsonReply(int status, const nlohmann::json& j);
Reply htmlReply(int status, const std::string& title, const std::string& body_html);
std::string htmlEscape(const std::string& s);

// 415 when Content-Type is not application/json, 413 over kMaxJsonBody, 400 MALFORMED_JSON,
// 400 INVALID_REQUEST when the top level is not an object. An empty body reads as {}.
nlohmann::json parseJsonObject(const httplib::Request& req);
// 422 INVALID_FIELD (missing or wrong type), with details {field, expected}.
std::string requireString(const nlohmann::json& body, const std::string& field,
                          size_t max_len = 4096);
std::optional<std::string> optionalString(const nlohmann::json& body, const std::string& field,
                                          size_t max_len = 4096);

// 415 unless application/pdf, 413 over max, 422 NOT_A_PDF unless it looks like a whole PDF
// (header, startxref, %%EOF trailer).
std::string requirePdfBody(const httplib::Request& req, size_t max = kMaxPdfBody);

struct Page {
    long long after_seq = 0;
    int limit = 20;
};
// ?cursor=&limit= (limit 1..100, default 20); 400 INVALID_PARAMETER / INVALID_CURSOR.
Page parsePage(const httplib::Request& req);
std::string makeCursor(long long seq);
// {"items": items, "next_cursor": cursor-or-null}; `more` = a row beyond the page exists.
nlohmann::json pageJson(nlohmann::json items, bool more, long long last_seq);

// Form fields of an application/x-www-form-urlencoded body (the payment page).
std::string formField(const httplib::Request& req, const std::string& name);

}  // namespace certagent::sandbox
