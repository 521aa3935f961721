#pragma once
// Buffers for PINs and other secrets: wiped on destruction, printed as "***".
#include <cstddef>
#include <fmt/format.h>
#include <string>
#include <string_view>

namespace certagent {

void secureWipe(void* data, std::size_t len) noexcept;

class SecretString {
public:
    SecretString() = default;
    explicit SecretString(std::string_view value);
    SecretString(const SecretString&) = delete;
    SecretString& operator=(const SecretString&) = delete;
    SecretString(SecretString&& other) noexcept;
    SecretString& operator=(SecretString&& other) noexcept;
    ~SecretString();

    // The only way to read the value; keep the view's lifetime short.
    std::string_view reveal() const noexcept { return value_; }
    const char* c_str() const noexcept { return value_.c_str(); }
    std::size_t size() const noexcept { return value_.size(); }
    bool empty() const noexcept { return value_.empty(); }
    void clear() noexcept;
    void push_back(char c);
    void pop_back() noexcept;

private:
    std::string value_;
};

// Reads a secret from environment variable `name` (for --pin-env), leaving the environment as
// it was. Throws certagent::Error when the variable is unset or empty.
SecretString secretFromEnv(const std::string& name);

// Reads a secret from the terminal without echo; throws when stdin is not a terminal.
SecretString readSecretFromTerminal(std::string_view prompt);

}  // namespace certagent

template <>
struct fmt::formatter<certagent::SecretString> : fmt::formatter<std::string_view> {
    template <typename Ctx>
    auto format(const certagent::SecretString&, Ctx& ctx) const {
        return fmt::formatter<std::string_view>::format("***", ctx);
    }
};
