#pragma once
// The host's side of the plugin boundary, shared by the base services (host_services.cpp) and
// the agent's extensions (app/): answers written to a plugin's sink, and every exception turned
// into a status and an {"error": {code, message}} answer, so nothing unwinds through the C ABI.
#include <nlohmann/json.hpp>

#include <string>

#include <certagent/sdk/abi.h>

#include "certagent/core/error.hpp"

namespace certagent::boundary {

// Writes `j` to the sink (no sink: nothing). May throw (JSON encoding).
void emit(ca_sink_fn sink, void* user, const nlohmann::json& j);

// Answers {"error": {code, message}} and returns `status`. Never throws.
ca_status fail(ca_sink_fn sink, void* user, ca_status status, const std::string& code,
               const std::string& message) noexcept;

// The status an agent error reaches a plugin as.
ca_status statusFor(const Error& e) noexcept;

// Runs `fn` (which returns a ca_status); an exception becomes a status and an error answer,
// coded with errorKindName() for an agent error.
template <typename Fn>
ca_status guarded(ca_sink_fn sink, void* user, Fn&& fn) noexcept {
    try {
        return fn();
    } catch (const Error& e) {
        return fail(sink, user, statusFor(e), errorKindName(e.kind()), describe(e));
    } catch (const nlohmann::json::exception& e) {
        return fail(sink, user, CA_ERR_INVALID_ARGUMENT, "invalid_input", e.what());
    } catch (const std::exception& e) {
        return fail(sink, user, CA_ERR_FAILED, "internal", e.what());
    } catch (...) {
        return fail(sink, user, CA_ERR_FAILED, "internal", "unknown failure");
    }
}

// A call's arguments: none is {}; text that is not a JSON object is InvalidInput.
nlohmann::json parseArgs(const char* text);

}  // namespace certagent::boundary
