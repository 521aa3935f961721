#include "certagent/core/secret.hpp"

#include <openssl/crypto.h>
#include <cstdio>
#include <cstdlib>

#include "certagent/core/error.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/platform/system.hpp"

namespace certagent {

void secureWipe(void* data, std::size_t len) noexcept {
    if (data && len) OPENSSL_cleanse(data, len);
}

SecretString::SecretString(std::string_view value) {
    // Reserve first so the value never moves (a reallocation would leave an unwiped copy).
    value_.reserve(std::max<std::size_t>(value.size(), 64));
    value_.assign(value);
    log::addRedaction(value_);
}

SecretString::SecretString(SecretString&& other) noexcept : value_(std::move(other.value_)) {
    other.value_.clear();
}

SecretString& SecretString::operator=(SecretString&& other) noexcept {
    if (this != &other) {
        clear();
        value_ = std::move(other.value_);
        other.value_.clear();
    }
    return *this;
}

SecretString::~SecretString() { clear(); }

void SecretString::clear() noexcept {
    if (!value_.empty()) {
        log::removeRedaction(value_);
        secureWipe(value_.data(), value_.size());
    }
    // Wipe the whole capacity: earlier content may sit past size().
    secureWipe(value_.data(), value_.capacity());
    value_.clear();
}

void SecretString::push_back(char c) {
    if (value_.size() + 1 > value_.capacity()) {
        std::string bigger;
        bigger.reserve(value_.capacity() * 2 + 64);
        bigger.assign(value_);
        clear();
        value_.swap(bigger);
    }
    value_.push_back(c);
}

void SecretString::pop_back() noexcept {
    if (value_.empty()) return;
    value_.back() = '\0';
    value_.pop_back();
}

SecretString secretFromEnv(const std::string& name) {
    const char* v = std::getenv(name.c_str());
    if (!v || !*v)
        throw Error(
            ErrorKind::Usage,
            fmt::format(fmt::runtime(_("environment variable {0} is not set or empty")), name),
            "--pin-env");
    return SecretString(v);
}

SecretString readSecretFromTerminal(std::string_view prompt) {
    if (!platform::inputIsTerminal())
        throw Error(ErrorKind::Usage,
                    _("a PIN is needed but standard input is not a terminal; use --pin-env VAR"));
    std::fprintf(stderr, "%.*s", static_cast<int>(prompt.size()), prompt.data());
    std::fflush(stderr);
    platform::setInputEcho(false);
    SecretString out;
    int c;
    while ((c = std::getchar()) != EOF && c != '\n' && c != '\r')
        out.push_back(static_cast<char>(c));
    platform::setInputEcho(true);
    std::fputc('\n', stderr);
    return out;
}

}  // namespace certagent
