#pragma once
// A small option parser for the sandbox CA's commands: "--name value" and "--flag", with
// positional arguments kept in order. Unknown options are usage errors, never ignored.
#include <certagent/core/error.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace certagent::sandbox {

class CliArgs {
  public:
    // `valued`: options that take a value; `flags`: options that do not.
    CliArgs(const std::vector<std::string>& args, const std::set<std::string>& valued,
            const std::set<std::string>& flags);

    bool flag(const std::string& name) const { return flags_.count(name) != 0; }
    std::optional<std::string> get(const std::string& name) const;
    std::string require(const std::string& name) const;
    long long integer(const std::string& name, long long fallback) const;
    const std::vector<std::string>& positional() const { return positional_; }

  private:
    std::map<std::string, std::string> values_;
    std::set<std::string> flags_;
    std::vector<std::string> positional_;
};

}  // namespace certagent::sandbox
