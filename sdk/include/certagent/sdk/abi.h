/* certagent plugin SDK — the plain C boundary.
 *
 * Only C types cross it: integers, const char* (UTF-8, NUL-terminated), byte buffers and
 * size-prefixed structs. Structured data travels as JSON text (documented in
 * docs/plugin-sdk.md), so the boundary stays stable while the data grows. No exception may
 * cross it: the C++ layer (plugin.hpp) catches everything and returns a status code.
 *
 * A plugin library exports exactly one symbol, CERTAGENT_PLUGIN_ENTRY_SYMBOL, of type
 * ca_plugin_entry_fn. The host calls it with its own ABI version and gets a pointer to a static
 * ca_plugin_entry_v1 describing the plugin. */
#ifndef CERTAGENT_SDK_ABI_H
#define CERTAGENT_SDK_ABI_H

#include <stddef.h>
#include <stdint.h>

#include "version.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define CA_EXPORT __declspec(dllexport)
#else
#define CA_EXPORT __attribute__((visibility("default")))
#endif

#define CERTAGENT_PLUGIN_ENTRY_SYMBOL "certagent_plugin_entry"

typedef enum ca_status {
    CA_OK = 0,
    CA_ERR_INVALID_ARGUMENT = 1,
    CA_ERR_NOT_FOUND = 2,
    CA_ERR_UNSUPPORTED = 3,
    CA_ERR_RETRY = 4,        /* try again later (token removed, network down) */
    CA_ERR_DENIED = 5,       /* the user or a policy refused */
    CA_ERR_FAILED = 6,       /* failed; the message says why */
    CA_ERR_EXCEPTION = 7,    /* a C++ exception was caught at the boundary */
    CA_ERR_ABI = 8           /* version mismatch */
} ca_status;

typedef enum ca_plugin_kind { CA_PLUGIN_TOKEN = 1, CA_PLUGIN_FLOW = 2 } ca_plugin_kind;

typedef enum ca_log_level {
    CA_LOG_DEBUG = 1,
    CA_LOG_INFO = 2,
    CA_LOG_WARN = 3,
    CA_LOG_ERROR = 4
} ca_log_level;

/* Receives bytes produced by the other side; valid only during the call. */
typedef void (*ca_sink_fn)(void* user, const char* data, size_t len);

/* Metadata readable without creating the plugin. */
typedef struct ca_plugin_info {
    uint32_t struct_size; /* sizeof(ca_plugin_info) as the plugin was built */
    uint16_t abi_major;
    uint16_t abi_minor;
    uint32_t kind;        /* ca_plugin_kind */
    const char* name;     /* unique, lower-case, [a-z0-9-] */
    const char* version;  /* the plugin's own version */
    const char* description;
} ca_plugin_info;

/* ---- Host services ------------------------------------------------------------------------
 * Everything a plugin may ask of the agent. `call` is the general entry: a service method
 * name and JSON arguments in, JSON result out (docs/plugin-sdk.md lists the methods: event
 * bus, token service, scheduler, state store, HTTP client, notifier, clock, config). The
 * direct pointers are the hot or callback-based ones. */
typedef void (*ca_event_fn)(void* user, const char* event_json);
typedef void (*ca_timer_fn)(void* user, uint64_t timer_id);

typedef struct ca_host_v1 {
    uint32_t struct_size;
    uint16_t abi_major;
    uint16_t abi_minor;
    void* ctx; /* pass back as the first argument of every function below */

    /* logger: the message is redacted by the host before it is written */
    void (*log)(void* ctx, const char* plugin, ca_log_level level, const char* message);
    /* clock: milliseconds since the Unix epoch, from the agent's (injectable) clock */
    int64_t (*now_ms)(void* ctx);
    /* event bus: publish {"type": "...", ...}; subscribe to a comma-separated list of types
     * ("*" for all); the callback runs on the agent's event thread. */
    ca_status (*publish)(void* ctx, const char* plugin, const char* event_json);
    ca_status (*subscribe)(void* ctx, const char* plugin, const char* types, ca_event_fn fn,
                           void* user, uint64_t* out_subscription);
    void (*unsubscribe)(void* ctx, uint64_t subscription);
    /* scheduler: call fn once at due_ms (epoch ms); the agent sleeps until the nearest one */
    ca_status (*schedule_at)(void* ctx, const char* plugin, int64_t due_ms, ca_timer_fn fn,
                             void* user, uint64_t* out_timer);
    void (*cancel_timer)(void* ctx, uint64_t timer);
    /* everything else: token service, state store, HTTP client, notifier, config */
    ca_status (*call)(void* ctx, const char* plugin, const char* method, const char* args_json,
                      ca_sink_fn result, void* user);
} ca_host_v1;

/* ---- Token plugins ------------------------------------------------------------------------
 * Data first: the profile (JSON, docs/plugin-sdk.md "Token profile") says which tokens the
 * plugin claims (USB ids, token-info rules), where its PKCS#11 module lives per OS, what keys
 * and PINs it supports, driver links and the vendor utility. `claim` is optional code for
 * tokens that data cannot tell apart. */
typedef struct ca_token_vtable_v1 {
    uint32_t struct_size;
    ca_status (*profile)(void* instance, ca_sink_fn sink, void* user);
    /* token_json: slot/token info. *out_score: 0 = not mine, higher = more specific.
     * NULL: the host scores the profile's match rules. */
    ca_status (*claim)(void* instance, const char* token_json, int32_t* out_score);
} ca_token_vtable_v1;

/* ---- Flow plugins -------------------------------------------------------------------------
 * React to events (through host->subscribe), contribute menu items, run actions. */
typedef struct ca_flow_vtable_v1 {
    uint32_t struct_size;
    /* JSON array of {"id","label","enabled","section","token","cert"} for the tray menu */
    ca_status (*menu_items)(void* instance, const char* context_json, ca_sink_fn sink,
                            void* user);
    /* Runs action `id` with JSON args; writes a JSON result. */
    ca_status (*run_action)(void* instance, const char* id, const char* args_json,
                            ca_sink_fn sink, void* user);
} ca_flow_vtable_v1;

typedef struct ca_plugin_entry_v1 {
    uint32_t struct_size;
    ca_plugin_info info;
    /* Creates the plugin instance. On failure writes a message (UTF-8) into err. */
    ca_status (*create)(const ca_host_v1* host, void** out_instance, char* err, size_t err_len);
    void (*destroy)(void* instance);
    const ca_token_vtable_v1* token; /* non-NULL iff kind == CA_PLUGIN_TOKEN */
    const ca_flow_vtable_v1* flow;   /* non-NULL iff kind == CA_PLUGIN_FLOW */
} ca_plugin_entry_v1;

/* The exported entry point. Returns NULL when the plugin cannot serve this host's ABI. */
typedef const ca_plugin_entry_v1* (*ca_plugin_entry_fn)(uint16_t host_abi_major,
                                                        uint16_t host_abi_minor);

#ifdef __cplusplus
}
#endif
#endif
