#include "cli_args.hpp"

#include <charconv>

namespace certagent::sandbox {

CliArgs::CliArgs(const std::vector<std::string>& args, const std::set<std::string>& valued,
                 const std::set<std::string>& flags) {
    for (size_t i = 0; i < args.size(); ++i) {
        const auto& a = args[i];
        if (a.rfind("--", 0) != 0) {
            positional_.push_back(a);
            continue;
        }
        auto name = a.substr(2);
        if (flags.count(name)) {
            flags_.insert(name);
        } else if (valued.count(name)) {
            if (i + 1 >= args.size()) throw Error(ErrorKind::Usage, a + " needs a value");
            values_[name] = args[++i];
        } else {
            throw Error(ErrorKind::Usage, "unknown option " + a);
        }
    }
}

std::optional<std::string> CliArgs::get(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end()) return std::nullopt;
    return it->second;
}

std::string CliArgs::require(const std::string& name) const {
    auto v = get(name);
    if (!v) throw Error(ErrorKind::Usage, "--" + name + " is required");
    return *v;
}

long long CliArgs::integer(const std::string& name, long long fallback) const {
    auto v = get(name);
    if (!v) return fallback;
    long long n = 0;
    auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc() || ptr != v->data() + v->size())
        throw Error(ErrorKind::Usage, "--" + name + " must be an integer, not '" + *v + "'");
    return n;
}

}  // namespace certagent::sandbox
