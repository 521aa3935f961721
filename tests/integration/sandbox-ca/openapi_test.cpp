// docs/portal-api.openapi.yaml is kept true: it describes exactly the routes the sandbox CA
// serves, and the answers of a real flow (successes and errors) match its schemas.
#include "portal_test_support.hpp"

#include <set>

namespace certagent::testing {
namespace {

using nlohmann::json;

json loadOpenApi() {
    auto file = sourceDir() / "docs" / "portal-api.openapi.yaml";
    // PyYAML (python3-yaml) converts at test time; the repository keeps only the YAML.
    auto r = runProcess({"python3", "-c",
                         "import sys, json, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), "
                         "sys.stdout)",
                         file.string()});
    if (r.exit_code != 0) throw std::runtime_error("cannot load " + file.string() + ": " + r.err);
    return json::parse(r.out);
}

const json& resolve(const json& doc, const json& node) {
    if (!node.is_object() || !node.contains("$ref")) return node;
    std::string ref = node.at("$ref");  // "#/components/schemas/X"
    const json* at = &doc;
    size_t pos = 2;
    while (pos < ref.size()) {
        auto end = ref.find('/', pos);
        if (end == std::string::npos) end = ref.size();
        at = &at->at(ref.substr(pos, end - pos));
        pos = end + 1;
    }
    return resolve(doc, *at);
}

void validate(const json& doc, const json& schema_in, const json& value, const std::string& where,
              std::vector<std::string>& errors) {
    const json& schema = resolve(doc, schema_in);
    if (!schema.is_object()) {
        errors.push_back(where + ": no schema in the document");
        return;
    }
    if (schema.contains("allOf"))
        for (const auto& part : schema.at("allOf")) {
            if (value.is_null() && schema.value("nullable", false)) return;
            validate(doc, part, value, where, errors);
        }
    if (value.is_null()) {
        bool ok = schema.value("nullable", false) || !schema.contains("type");
        if (schema.contains("enum"))
            for (const auto& e : schema.at("enum")) ok = ok || e.is_null();
        if (!ok) errors.push_back(where + ": null but not nullable");
        return;
    }
    if (schema.contains("type")) {
        std::string t = schema.at("type");
        bool ok = (t == "object" && value.is_object()) || (t == "array" && value.is_array()) ||
                  (t == "string" && value.is_string()) ||
                  (t == "integer" && value.is_number_integer()) ||
                  (t == "number" && value.is_number()) || (t == "boolean" && value.is_boolean());
        if (!ok) {
            errors.push_back(where + ": expected " + t + ", got " + value.dump().substr(0, 60));
            return;
        }
    }
    if (schema.contains("enum")) {
        bool found = false;
        for (const auto& e : schema.at("enum")) found = found || e == value;
        if (!found) errors.push_back(where + ": " + value.dump() + " not in enum");
    }
    if (value.is_object()) {
        const json required = schema.value("required", json::array());
        for (const auto& req : required)
            if (!value.contains(req.get<std::string>()))
                errors.push_back(where + ": missing required '" + req.get<std::string>() + "'");
        const json properties = schema.value("properties", json::object());  // kept alive
        for (const auto& [name, sub] : properties.items())
            if (value.contains(name))
                validate(doc, sub, value.at(name), where + "." + name, errors);
    }
    if (value.is_array() && schema.contains("items"))
        for (size_t i = 0; i < value.size(); ++i)
            validate(doc, schema.at("items"), value[i], where + "[" + std::to_string(i) + "]",
                     errors);
}

class OpenApi : public PortalTest {
  protected:
    // Checks one live answer against the documented operation.
    void check(const std::string& method, const std::string& path, const HttpResponse& r) {
        SCOPED_TRACE(method + " " + path + " -> " + std::to_string(r.status));
        ASSERT_NE(r.status, 0) << r.error;
        std::string m = method;
        for (auto& ch : m) ch = static_cast<char>(std::tolower(ch));
        ASSERT_TRUE(doc["paths"].contains(path));
        const auto& op = doc["paths"][path][m];
        auto status = std::to_string(r.status);
        ASSERT_TRUE(op["responses"].contains(status)) << "undocumented status " << status;
        const auto& response = resolve(doc, op["responses"][status]);
        ++checked;
        if (!response.contains("content") || !response["content"].contains("application/json") ||
            r.header("content-type").rfind("application/json", 0) != 0)
            return;
        std::vector<std::string> errors;
        validate(doc, response["content"]["application/json"]["schema"], r.json(), "body", errors);
        for (const auto& e : errors) ADD_FAILURE() << e << "\n" << r.body;
    }

    json doc = loadOpenApi();
    int checked = 0;
};

TEST_F(OpenApi, DescribesExactlyTheServedRoutes) {
    auto r = runProcess({SandboxCa::executable().string(), "routes"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::set<std::string> served, described;
    std::istringstream in(r.out);
    for (std::string method, path; in >> method >> path;) {
        for (auto& ch : method) ch = static_cast<char>(std::tolower(ch));
        served.insert(method + " " + path);
    }
    for (const auto& [path, item] : doc.at("paths").items())
        for (const auto& [method, op] : item.items()) {
            described.insert(method + " " + path);
            EXPECT_TRUE(op.contains("operationId")) << method << " " << path;
            EXPECT_FALSE(op.at("responses").empty()) << method << " " << path;
            // Every path parameter is declared.
            std::set<std::string> declared;
            const json params = op.value("parameters", json::array());
            for (const auto& p : params) {
                const auto& param = resolve(doc, p);
                if (param.at("in") == "path") declared.insert(param.at("name"));
            }
            for (size_t pos = path.find('{'); pos != std::string::npos;
                 pos = path.find('{', pos + 1))
                EXPECT_TRUE(declared.count(path.substr(pos + 1, path.find('}', pos) - pos - 1)))
                    << method << " " << path;
            // Browser pages, and only they, need no client certificate.
            EXPECT_EQ(op.value("x-authentication", std::string("tls-client-certificate")),
                      path.rfind("/portal/", 0) == 0 ? "none" : "tls-client-certificate")
                << method << " " << path;
            // Every state-changing /api/v1 call takes an Idempotency-Key.
            if (method != "get" && path.rfind("/api/v1/", 0) == 0) {
                bool has_key = false;
                for (const auto& p : params)
                    has_key = has_key || resolve(doc, p).at("name") == "Idempotency-Key";
                EXPECT_TRUE(has_key) << method << " " << path;
            }
        }
    EXPECT_EQ(served, described);
    EXPECT_GE(served.size(), 20u);
}

TEST_F(OpenApi, LiveAnswersOfAWholeFlowMatchTheSchemas) {
    startCa({.auto_approve = true, .auto_pay = true});
    auto h = ca->issueHolder();
    auto c = clientFor(h);
    check("GET", "/api/v1/account", c.get(api("account")));
    check("GET", "/api/v1/account", anonymous().get(api("account")));
    check("POST", "/api/v1/account", c.postJson(api("account"), json::object(), newKey()));
    check("GET", "/api/v1/certificates", c.get(api("certificates")));  // 403 before activation
    ca->confirmAccount(anonymous());
    check("GET", "/api/v1/account", c.get(api("account")));
    check("GET", "/api/v1/certificates", c.get(api("certificates?status=active,expired")));
    check("GET", "/api/v1/certificates", c.get(api("certificates?limit=0")));
    check("GET", "/api/v1/certificates/{serial}", c.get(api("certificates/" + h.serial)));
    check("GET", "/api/v1/certificates/{serial}", c.get(api("certificates/00")));
    check("GET", "/api/v1/products", c.get(api("products")));
    check("GET", "/api/v1/timestamps/quota", c.get(api("timestamps/quota")));
    check("POST", "/api/v1/renewals",
          c.request("POST", api("renewals"), "{bad", "application/json",
                    {"Idempotency-Key: " + newKey()}));
    check("POST", "/api/v1/renewals",
          c.postJson(api("renewals"), {{"certificate_serial", 1}}, newKey()));
    auto created =
        c.postJson(api("renewals"),
                   {{"certificate_serial", h.serial}, {"product_id", "QCERT-LP-1Y"}}, newKey());
    check("POST", "/api/v1/renewals", created);
    const std::string id = created.json().at("id");
    const auto base = api("renewals/" + id);
    check("POST", "/api/v1/renewals",
          c.postJson(api("renewals"),
                     {{"certificate_serial", h.serial}, {"product_id", "QCERT-LP-1Y"}},
                     newKey()));  // 409 already open
    check("GET", "/api/v1/renewals/{id}/declaration", c.get(base + "/declaration"));  // 409
    check("PUT", "/api/v1/renewals/{id}/identity-document",
          c.putPdf(base + "/identity-document", "no pdf", newKey()));
    check("PUT", "/api/v1/renewals/{id}/identity-document",
          c.putPdf(base + "/identity-document", identityPdf(), newKey()));
    auto decl = c.get(base + "/declaration");
    check("GET", "/api/v1/renewals/{id}/declaration", decl);
    check("PUT", "/api/v1/renewals/{id}/signed-declaration",
          c.putPdf(base + "/signed-declaration", signPdfAs(decl.body, h), newKey()));
    check("GET", "/api/v1/renewals/{id}/payment", c.get(base + "/payment"));  // 404
    check("POST", "/api/v1/renewals/{id}/submit",
          c.postJson(base + "/submit", json::object(), newKey()));
    check("GET", "/api/v1/renewals/{id}/payment", c.get(base + "/payment"));
    check("POST", "/api/v1/renewals/{id}/payment",
          c.postJson(base + "/payment", json::object(), newKey()));
    check("POST", "/api/v1/renewals/{id}/cancel",
          c.postJson(base + "/cancel", json::object(), newKey()));
    check("GET", "/api/v1/renewals/{id}/certificate", c.get(base + "/certificate"));  // 409
    auto key = generateTestKey("ec256");
    check("POST", "/api/v1/renewals/{id}/csr",
          c.postJson(base + "/csr", {{"csr_pem", makeCsr(key.get(), h.cert)}}, newKey()));
    check("GET", "/api/v1/renewals/{id}/certificate", c.get(base + "/certificate"));
    check("GET", "/api/v1/renewals/{id}", c.get(base));
    check("GET", "/api/v1/renewals/{id}", c.get(api("renewals/nope")));
    check("GET", "/api/v1/renewals", c.get(api("renewals?open=false")));
    check("GET", "/api/v1/renewals", c.get(api("renewals?open=maybe")));
    check("GET", "/portal/confirm/{token}", anonymous().get(ca->url() + "portal/confirm/x"));
    check("GET", "/portal/pay/{token}", anonymous().get(ca->url() + "portal/pay/x"));
    EXPECT_GE(checked, 30);
}

}  // namespace
}  // namespace certagent::testing

namespace certagent::testing {
namespace {
// The checker itself: it must notice a missing field, a wrong type and a value off the enum.
TEST(OpenApiChecker, NoticesMissingFieldsWrongTypesAndEnumValues) {
    auto doc = loadOpenApi();
    const json schema = {{"$ref", "#/components/schemas/Payment"}};
    std::vector<std::string> errors;
    validate(
        doc, schema,
        {{"id", 1}, {"status", "LOST"}, {"amount", {{"amount_minor", 1}, {"currency", "RON"}}}},
        "p", errors);
    auto all = ::testing::PrintToString(errors);
    EXPECT_NE(all.find("p.id: expected string"), std::string::npos) << all;
    EXPECT_NE(all.find("not in enum"), std::string::npos) << all;
    EXPECT_NE(all.find("missing required 'payment_url'"), std::string::npos) << all;
}
}  // namespace
}  // namespace certagent::testing
