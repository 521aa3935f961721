#include "portal_answer.hpp"

#include <certagent/sdk/plugin.hpp>

#include <fmt/format.h>

#include "failure.hpp"

namespace certagent::renewal::portal {
using json = nlohmann::json;

namespace {

[[noreturn]] void fail(const std::string& request, const std::string& what) {
    throw Failure(code::kProtocol,
                  fmt::format(fmt::runtime(_("the certification authority's answer to {0} is not "
                                             "what this version of certagent understands: {1}. "
                                             "Nothing was changed; run the renewal again later, "
                                             "and if this persists, tell your certification "
                                             "authority")),
                              request, what),
                  request);
}

}  // namespace

json parseBody(const std::string& raw) { return json::parse(raw, nullptr, false); }

void notJson(const std::string& request, const std::string& contentType) {
    fail(request, fmt::format(fmt::runtime(_("it is not JSON (content type \"{0}\")")),
                              contentType.substr(0, 80)));
}

Fields::Fields(const json& answer, std::string request, std::string path)
    : j_(answer), request_(std::move(request)), path_(std::move(path)) {
    if (j_.is_discarded()) fail(request_, _("it is not valid JSON"));
    if (!j_.is_object()) {
        if (path_.empty()) fail(request_, _("it is not a JSON object"));
        fail(request_, fmt::format(fmt::runtime(_("the field {0} is not an object")), path_));
    }
}

std::string Fields::field(const char* name) const {
    return path_.empty() ? std::string(name) : path_ + "." + name;
}

void Fields::bad(const std::string& what) const { fail(request_, what); }

const json* Fields::find(const char* name) const {
    auto it = j_.find(name);
    return it == j_.end() ? nullptr : &*it;
}

std::string Fields::text(const char* name) const {
    const json* v = find(name);
    if (!v || v->is_null())
        bad(fmt::format(fmt::runtime(_("the field {0} is missing")), field(name)));
    if (!v->is_string() || v->get_ref<const std::string&>().empty())
        bad(fmt::format(fmt::runtime(_("the field {0} is not a text")), field(name)));
    return v->get<std::string>();
}

std::optional<std::string> Fields::optionalText(const char* name) const {
    const json* v = find(name);
    if (!v || v->is_null()) return std::nullopt;
    if (!v->is_string())
        bad(fmt::format(fmt::runtime(_("the field {0} is not a text")), field(name)));
    return v->get<std::string>();
}

std::string Fields::oneOf(const char* name, std::initializer_list<const char*> known) const {
    auto value = text(name);
    for (const char* k : known)
        if (value == k) return value;
    bad(fmt::format(fmt::runtime(_("the field {0} is \"{1}\", which this version does not know")),
                    field(name), value.substr(0, 80)));
}

long long Fields::integer(const char* name) const {
    const json* v = find(name);
    if (!v || v->is_null())
        bad(fmt::format(fmt::runtime(_("the field {0} is missing")), field(name)));
    if (!v->is_number_integer())
        bad(fmt::format(fmt::runtime(_("the field {0} is not a whole number")), field(name)));
    return v->get<long long>();
}

Fields Fields::object(const char* name) const {
    const json* v = find(name);
    if (!v || v->is_null())
        bad(fmt::format(fmt::runtime(_("the field {0} is missing")), field(name)));
    return Fields(*v, request_, field(name));
}

std::optional<Fields> Fields::optionalObject(const char* name) const {
    const json* v = find(name);
    if (!v || v->is_null()) return std::nullopt;
    return Fields(*v, request_, field(name));
}

std::vector<Fields> Fields::objects(const char* name) const {
    const json* v = find(name);
    if (!v || v->is_null())
        bad(fmt::format(fmt::runtime(_("the field {0} is missing")), field(name)));
    if (!v->is_array())
        bad(fmt::format(fmt::runtime(_("the field {0} is not a list")), field(name)));
    std::vector<Fields> out;
    for (std::size_t i = 0; i < v->size(); ++i)
        out.emplace_back((*v)[i], request_, field(name) + "[" + std::to_string(i) + "]");
    return out;
}

}  // namespace certagent::renewal::portal
