// certagent.process/1 over platform::runProcess.
#include "process_extension.hpp"

#include <fmt/format.h>

#include "certagent/core/error.hpp"
#include "certagent/core/host_boundary.hpp"
#include "certagent/core/host_services.hpp"
#include "certagent/core/i18n.hpp"
#include "certagent/core/log.hpp"
#include "certagent/core/platform/process.hpp"

namespace certagent::app {
namespace {

constexpr int64_t kDefaultTimeoutMs = 30'000;
constexpr int64_t kMinTimeoutMs = 100;
constexpr int64_t kMaxTimeoutMs = 600'000;

using boundary::emit;
using boundary::fail;

bool hasNul(const std::string& s) { return s.find('\0') != std::string::npos; }

// The request, checked: nothing runs unless all of it is well formed.
struct Request {
    std::vector<std::string> argv;
    std::vector<std::string> env;
    std::chrono::milliseconds timeout{kDefaultTimeoutMs};
};

Request parse(const char* text) {
    auto j = json::parse(text ? text : "");
    if (!j.is_object()) throw Error(ErrorKind::InvalidInput, _("the request is not a JSON object"));
    Request r;
    auto argv = j.find("argv");
    if (argv == j.end() || !argv->is_array() || argv->empty())
        throw Error(ErrorKind::InvalidInput, _("\"argv\" must be a non-empty array of strings"));
    for (const auto& a : *argv) {
        if (!a.is_string() || hasNul(a.get<std::string>()))
            throw Error(ErrorKind::InvalidInput,
                        _("\"argv\" must be a non-empty array of strings"));
        r.argv.push_back(a.get<std::string>());
    }
    if (r.argv[0].empty()) throw Error(ErrorKind::InvalidInput, _("\"argv\" must name a program"));
    if (auto env = j.find("env"); env != j.end() && !env->is_null()) {
        if (!env->is_object())
            throw Error(ErrorKind::InvalidInput, _("\"env\" must be an object of strings"));
        for (const auto& [name, value] : env->items()) {
            if (name.empty() || name.find('=') != std::string::npos || hasNul(name) ||
                !value.is_string() || hasNul(value.get<std::string>()))
                throw Error(ErrorKind::InvalidInput,
                            fmt::format(fmt::runtime(_("\"env\" has a bad variable: {0}")), name));
            r.env.push_back(name + "=" + value.get<std::string>());
        }
    }
    if (auto t = j.find("timeout_ms"); t != j.end() && !t->is_null()) {
        if (!t->is_number_integer() || t->get<int64_t>() < kMinTimeoutMs ||
            t->get<int64_t>() > kMaxTimeoutMs)
            throw Error(ErrorKind::InvalidInput,
                        fmt::format(fmt::runtime(_("\"timeout_ms\" must be from {0} to {1}")),
                                    kMinTimeoutMs, kMaxTimeoutMs));
        r.timeout = std::chrono::milliseconds(t->get<int64_t>());
    }
    return r;
}

ca_status prRun(void* ctx, const char* request_json, ca_sink_fn sink, void* user) {
    try {
        auto& plugin = pluginContext(ctx);
        Request r;
        try {
            r = parse(request_json);
        } catch (const json::exception& e) {
            return fail(sink, user, CA_ERR_INVALID_ARGUMENT, "invalid_input", e.what());
        } catch (const Error& e) {
            return fail(sink, user, CA_ERR_INVALID_ARGUMENT, "invalid_input", e.what());
        }
        if (plugin.stopping)
            return fail(sink, user, CA_ERR_DENIED, "cancelled", _("the plugin is being unloaded"));
        // An unloading plugin's program is stopped, so the host's wait for its jobs is short.
        auto result = platform::runProcess(r.argv, r.env, r.timeout,
                                           [&plugin] { return plugin.stopping.load(); });
        if (!result.error.empty())
            return fail(sink, user, CA_ERR_FAILED, "not_started",
                        fmt::format(fmt::runtime(_("{0} could not be started: {1}")), r.argv[0],
                                    result.error));
        log::debug(plugin.name, "{} ended (exit {}, signal {}{})", r.argv[0],
                   result.exitCode ? std::to_string(*result.exitCode) : "-",
                   result.signal ? std::to_string(*result.signal) : "-",
                   result.timedOut ? ", stopped after its timeout" : "");
        emit(sink, user,
             {{"exit_code", result.exitCode ? json(*result.exitCode) : json(nullptr)},
              {"signal", result.signal ? json(*result.signal) : json(nullptr)},
              {"timed_out", result.timedOut}});
        return CA_OK;
    } catch (const std::exception& e) {
        return fail(sink, user, CA_ERR_FAILED, "internal", e.what());
    } catch (...) {
        return fail(sink, user, CA_ERR_FAILED, "internal", "unknown failure");
    }
}

const ca_process_v1 kProcess{sizeof(ca_process_v1), &prRun};

}  // namespace

void installProcessExtension(HostServices& services) {
    services.registerExtension(CA_EXT_PROCESS, &kProcess, nullptr);
}

}  // namespace certagent::app
