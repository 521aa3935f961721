#pragma once
// Internal: the CA's JSON answers, read by shape (docs/portal-api.md). Every field the portal
// backend relies on is read through Fields, which throws Failure("protocol") naming the request and
// the field when the answer is not what the protocol says (missing, wrong type, unknown value),
// so the user never sees a JSON library's exception and nothing is guessed.
//
//   Fields f(body, "GET api/v1/account");
//   auto status = f.oneOf("status", {"NONE", "PENDING_CONFIRMATION", "ACTIVE"});
//   auto sentTo = f.optionalText("confirmation_sent_to");
#include <nlohmann/json.hpp>

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

namespace certagent::renewal::portal {

// Parses a body the CA sent with a JSON content type; discarded (not JSON) on a syntax error.
nlohmann::json parseBody(const std::string& raw);

class Fields {
  public:
    // `answer` must outlive the Fields; `request` is "METHOD path" as shown to the user.
    Fields(const nlohmann::json& answer, std::string request, std::string path = {});

    // Required, non-empty text.
    std::string text(const char* name) const;
    // Missing or null: nullopt; any other non-text value is an error.
    std::optional<std::string> optionalText(const char* name) const;
    // Required text that is one of `known`.
    std::string oneOf(const char* name, std::initializer_list<const char*> known) const;
    long long integer(const char* name) const;
    Fields object(const char* name) const;
    std::optional<Fields> optionalObject(const char* name) const;
    // A list whose elements are all objects.
    std::vector<Fields> objects(const char* name) const;

    const std::string& request() const { return request_; }
    // Throws Failure("protocol"): "the CA's answer to <request> ...: <what>".
    [[noreturn]] void bad(const std::string& what) const;

  private:
    const nlohmann::json* find(const char* name) const;  // nullptr when missing
    std::string field(const char* name) const;           // "payment.status"

    const nlohmann::json& j_;
    std::string request_;
    std::string path_;
};

// The message for an answer that is not JSON at all (HTML from a proxy, an empty body).
[[noreturn]] void notJson(const std::string& request, const std::string& contentType);

}  // namespace certagent::renewal::portal
