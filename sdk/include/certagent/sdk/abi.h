/* certagent plugin SDK — the plain C boundary (ABI 2).
 *
 * Only C types cross it: integers, const char* (UTF-8, NUL-terminated), byte buffers and
 * size-prefixed structs. Structured data travels as JSON text (docs/plugin-sdk.md), so the
 * boundary stays stable while the data grows. No exception may cross it: the C++ layer
 * (plugin.hpp) catches everything and returns a status code.
 *
 * A plugin library exports exactly one symbol, CERTAGENT_PLUGIN_ENTRY_SYMBOL, of type
 * ca_plugin_entry_fn. The host calls it with its own ABI version; the plugin returns NULL when it
 * cannot serve that version (another major), else a pointer to a static ca_plugin_entry.
 *
 * The host gives every plugin instance its own ca_host: `ctx` identifies the plugin, so the
 * host knows who calls, keeps each plugin's state apart, and releases every subscription,
 * timer and job of a plugin when it is unloaded or fails. What a plugin may ask for beyond
 * logging and the clock comes as *extensions*, looked up by a versioned name (the CLAP way):
 *
 *   const ca_tokens_v1* tokens = host->get_extension(host->ctx, CA_EXT_TOKENS);
 *
 * Conventions for every function below:
 *   - [any thread]    callable from any thread;
 *   - [not UI]        may block (the network, the token, the person): never call it from an
 *                     event or timer callback, only from a job (CA_EXT_JOBS) or your own thread;
 *   - [event thread] / [timer thread] / [job thread]: where the host calls a callback.
 *   - Strings and buffers passed in are borrowed for the duration of the call.
 *   - Results come through a ca_sink_fn, which may be called several times (append); the data
 *     is valid only during the sink call. A function that fails writes
 *     {"error": {"code": "...", "message": "..."}} to its sink (when it has one) and returns a
 *     non-zero ca_status.
 *   - Pointers the host returns (extension tables, ca_text_v1 strings) stay valid while the
 *     plugin instance lives. */
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
    CA_ERR_DENIED = 5,       /* the user or a policy refused; the user cancelled */
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

/* ---- The host, one per plugin instance ------------------------------------------------- */
typedef struct ca_host {
    uint32_t struct_size;
    uint16_t abi_major;
    uint16_t abi_minor;
    void* ctx; /* this plugin's handle: pass it back as the first argument of every function */
    /* [any thread] An extension table by its versioned name (CA_EXT_...), or NULL when this
     * host does not offer it (an older agent, or a program without that capability). */
    const void* (*get_extension)(void* ctx, const char* id);
    /* [any thread] The message is redacted (PINs) and written with the plugin's name. */
    void (*log)(void* ctx, ca_log_level level, const char* message);
    /* [any thread] Milliseconds since the Unix epoch, from the agent's (injectable) clock. */
    int64_t (*now_ms)(void* ctx);
} ca_host;

/* ---- Extensions ---------------------------------------------------------------------------
 * Each table begins with its struct_size; a later minor of an extension only appends. */

/* Events: {"type": "...", ...} (docs/plugin-sdk.md "Events"). */
#define CA_EXT_EVENTS "certagent.events/1"
typedef void (*ca_event_fn)(void* user, const char* event_json);
typedef struct ca_events_v1 {
    uint32_t struct_size;
    /* [any thread] Publishes an event; the host adds "source": the plugin's name. */
    ca_status (*publish)(void* ctx, const char* event_json);
    /* [any thread] fn runs [event thread] for each event whose type is in `types` ("A,B" or
     * "*"), in publication order; it must not block for long. */
    ca_status (*subscribe)(void* ctx, const char* types, ca_event_fn fn, void* user,
                           uint64_t* out_subscription);
    /* [any thread] After it returns, fn is not running (unless called from fn itself) and never
     * runs again. */
    void (*unsubscribe)(void* ctx, uint64_t subscription);
} ca_events_v1;

/* Timers: the agent sleeps until the nearest one (no polling). */
#define CA_EXT_TIMERS "certagent.timers/1"
typedef void (*ca_timer_fn)(void* user, uint64_t timer_id);
typedef struct ca_timers_v1 {
    uint32_t struct_size;
    /* [any thread] fn runs once [timer thread] at due_ms (epoch ms, agent clock); then the
     * timer is forgotten by the host. */
    ca_status (*schedule_at)(void* ctx, int64_t due_ms, ca_timer_fn fn, void* user,
                             uint64_t* out_timer);
    /* [any thread] After it returns, fn is not running (unless called from fn) and never runs. */
    void (*cancel)(void* ctx, uint64_t timer);
} ca_timers_v1;

/* Jobs: long work (the network, the token, the person) on a host worker thread. The host
 * waits for a plugin's jobs (after asking them to stop) before it unloads the plugin. */
#define CA_EXT_JOBS "certagent.jobs/1"
typedef void (*ca_job_fn)(void* user, uint64_t job_id);
typedef struct ca_jobs_v1 {
    uint32_t struct_size;
    /* [any thread] fn runs [job thread] once, soon; `user` must stay valid until it returns. */
    ca_status (*start)(void* ctx, ca_job_fn fn, void* user, uint64_t* out_job);
    /* [any thread] 1 when the host asked the job to stop (the plugin is being unloaded, the
     * program quits): return as soon as you can. */
    int (*stop_requested)(void* ctx, uint64_t job);
} ca_jobs_v1;

/* The plugin's own state, apart from every other plugin's (the host keys it by identity). */
#define CA_EXT_STATE "certagent.state/1"
typedef struct ca_state_v1 {
    uint32_t struct_size;
    /* [any thread] Key/value text in the agent's state database, one transaction each.
     * get: {"value": "..."} or {"value": null}. keys: {"keys": [...]} with the prefix. */
    ca_status (*get)(void* ctx, const char* key, ca_sink_fn sink, void* user);
    ca_status (*put)(void* ctx, const char* key, const char* value);
    ca_status (*erase)(void* ctx, const char* key);
    ca_status (*keys)(void* ctx, const char* prefix, ca_sink_fn sink, void* user);
    /* [any thread] A private folder (created, mode 0700) for the plugin's own files and
     * databases: <state dir>/plugins/<name>. Writes the path (UTF-8) to the sink. */
    ca_status (*folder)(void* ctx, ca_sink_fn sink, void* user);
} ca_state_v1;

/* The agent's layered configuration (read only). */
#define CA_EXT_CONFIG "certagent.config/1"
typedef struct ca_config_v1 {
    uint32_t struct_size;
    /* [any thread] {"value": <JSON>, "locked": bool} or {"value": null} for an unknown key. */
    ca_status (*get)(void* ctx, const char* key, ca_sink_fn sink, void* user);
} ca_config_v1;

/* Messages in the user's language, from the agent's catalog (domain "certagent"; a plugin's
 * msgids are extracted with the agent's, see docs/plugin-sdk.md "Translations"). */
#define CA_EXT_TEXT "certagent.text/1"
typedef struct ca_text_v1 {
    uint32_t struct_size;
    /* [any thread] The translation of msgid (or msgid itself); valid while the plugin lives. */
    const char* (*translate)(void* ctx, const char* msgid);
    const char* (*translate_plural)(void* ctx, const char* singular, const char* plural,
                                    unsigned long n);
} ca_text_v1;

/* The person: notifications, questions, progress. Each program answers in its own way (the
 * tray with dialogs, the CLI at the terminal, the headless daemon not at all). */
#define CA_EXT_UI "certagent.ui/1"
typedef struct ca_ui_v1 {
    uint32_t struct_size;
    /* [any thread] {"title", "body", "urgency": "low|normal|critical", "token"?, "cert"?,
     * "actions"?: [{"id", "label", "action", "args"?}]}. A chosen action reaches every
     * subscriber as a UserAction event {"action", "args", "token", "cert", "plugin"}.
     * Writes {"shown": bool}. */
    ca_status (*notify)(void* ctx, const char* notification_json, ca_sink_fn sink, void* user);
    /* [not UI] Asks and waits. CA_ERR_UNSUPPORTED when the program cannot ask (daemon);
     * CA_ERR_DENIED when the person cancelled.
     * confirm: {"title", "text", "yes"?, "no"?} -> {"answer": bool}
     * choose:  {"title", "text", "options": ["..."]} -> {"index": n}
     * choose_file: {"title", "patterns"?: ["*.pdf"], "save"?: bool, "suggested"?} ->
     *              {"path": "..."} */
    ca_status (*confirm)(void* ctx, const char* request_json, ca_sink_fn sink, void* user);
    ca_status (*choose)(void* ctx, const char* request_json, ca_sink_fn sink, void* user);
    ca_status (*choose_file)(void* ctx, const char* request_json, ca_sink_fn sink, void* user);
    /* ABI 2.1. [not UI] Opens a web page or a file for the person: {"target": "https://..." |
     * "/path/file.pdf"} -> {"opened": bool}. The tray opens it with the desktop's default
     * program, the CLI and the daemon with xdg-open in the session's environment (never the
     * agent's secrets: --pin-env, [timestamps] password_env). CA_ERR_UNSUPPORTED when the
     * program cannot open anything (no desktop); only http(s) URLs and existing files. */
    ca_status (*open)(void* ctx, const char* request_json, ca_sink_fn sink, void* user);
} ca_ui_v1;

/* Tokens (PKCS#11). A plugin never sees a PIN: open(login) asks the person through the
 * program's PIN prompt (one entry, one C_Login). Sessions are the plugin's until it closes
 * them; the host closes what is left when the plugin goes. A token pulled out makes a call fail
 * with CA_ERR_RETRY and code "token_removed". Ids are CKA_ID in hex. */
#define CA_EXT_TOKENS "certagent.tokens/1"
typedef struct ca_tokens_v1 {
    uint32_t struct_size;
    /* [not UI] [{"serial", "label", "manufacturer", "model", "plugin", "module", "slot",
     * "pin": {...flags}, "key_types" (ABI 2.1): ["ec-p256", "rsa2048", ...] the key pairs the
     * token's profile says it can generate, empty when its profile does not say}] */
    ca_status (*list)(void* ctx, ca_sink_fn sink, void* user);
    /* [not UI] {"token"?: serial} -> [{"token", "id", "label", "der" (base64), "subject",
     * "issuer", "serial", "not_before", "not_after", "days_left", "qualified",
     * "private_key": "present|absent|unknown_until_login", "error"?}] */
    ca_status (*certificates)(void* ctx, const char* args_json, ca_sink_fn sink, void* user);
    /* [not UI] {"token": serial, "login": bool, "purpose"?: "..."} -> a session. A failure
     * (wrong PIN: code "pin_incorrect", locked, cancelled, token absent) goes to err_sink. */
    ca_status (*open)(void* ctx, const char* args_json, uint64_t* out_session,
                      ca_sink_fn err_sink, void* err_user);
    /* [any thread] */
    void (*close)(void* ctx, uint64_t session);
    /* [not UI] The session's token as list() describes it. */
    ca_status (*info)(void* ctx, uint64_t session, ca_sink_fn sink, void* user);
    /* [not UI] {"id", "hash": "sha256|sha384|sha512"}: signs `digest` with the private key of
     * that id (RSA PKCS#1 v1.5 or ECDSA, DER-encoded), bytes to the sink. */
    ca_status (*sign_digest)(void* ctx, uint64_t session, const char* args_json,
                             const uint8_t* digest, size_t digest_len, ca_sink_fn sink,
                             void* user);
    /* [not UI] {"id", "label", "key_type": "rsa2048|rsa3072|rsa4096|ec-p256|ec-p384"} ->
     * {"id", "public_key": base64 DER SubjectPublicKeyInfo}. Never overwrites an object. */
    ca_status (*generate_key_pair)(void* ctx, uint64_t session, const char* args_json,
                                   ca_sink_fn sink, void* user);
    /* [not UI] {"id", "subject": [["CN", "..."], ...], "hash"?} -> PKCS#10 DER bytes signed by
     * that key. */
    ca_status (*create_csr)(void* ctx, uint64_t session, const char* args_json, ca_sink_fn sink,
                            void* user);
    /* [not UI] {"id"} -> the public key of that id, SubjectPublicKeyInfo DER bytes. */
    ca_status (*public_key)(void* ctx, uint64_t session, const char* args_json, ca_sink_fn sink,
                            void* user);
    /* [not UI] {"id", "label"}: writes a certificate (DER) under that id; read back. */
    ca_status (*write_certificate)(void* ctx, uint64_t session, const char* args_json,
                                   const uint8_t* der, size_t der_len, ca_sink_fn err_sink,
                                   void* err_user);
    /* [not UI] {"id", "objects": ["certificate", "private_key", "public_key"]}: deletes those
     * objects with that id (nothing else). */
    ca_status (*delete_objects)(void* ctx, uint64_t session, const char* args_json,
                                ca_sink_fn err_sink, void* err_user);
} ca_tokens_v1;

/* Documents: PAdES / CAdES signatures and their verification, done by the agent. */
#define CA_EXT_DOCUMENTS "certagent.documents/1"
typedef struct ca_documents_v1 {
    uint32_t struct_size;
    /* [not UI] {"in", "out", "token", "cert", "cades"?: bool, "timestamp"?: bool, "reason"?,
     * "location"?, "session"?: n} -> {"out", "profile"}. With "session" (an open, logged-in
     * session of CA_EXT_TOKENS) no other login happens; otherwise the PIN is asked once. */
    ca_status (*sign)(void* ctx, const char* request_json, ca_sink_fn sink, void* user);
    /* [not UI] {"path", "data"?} -> the verification report (certagent-cli verify --json). */
    ca_status (*verify)(void* ctx, const char* request_json, ca_sink_fn sink, void* user);
    /* ABI 2.1. [not UI] What a PDF the person gave holds, read by the agent's bounded parser:
     * {"path", "min_dpi"?} -> {"file_size", "pages", "version", "encrypted", "min_image_dpi"
     * (0: no image), "resolution_ok" (every image at min_dpi or more, with the agent's 1 %
     * scanner tolerance)}. A file that is not a PDF: CA_ERR_INVALID_ARGUMENT. */
    ca_status (*inspect)(void* ctx, const char* request_json, ca_sink_fn sink, void* user);
} ca_documents_v1;

/* HTTP(S) through the agent's client: TLS always verified (system store plus "ca_bundle"),
 * sizes and time bounded. With "client_certificate", "keep": true (ABI 2.1) keeps the
 * connection (and its TLS session) for the next request of this plugin with the same session,
 * certificate, ca_bundle and timeout; it is released with the token session. */
#define CA_EXT_HTTP "certagent.http/1"
typedef struct ca_http_v1 {
    uint32_t struct_size;
    /* [not UI] request: {"method", "url", "headers"?: {..}, "timeout_ms"?, "ca_bundle"?,
     * "max_bytes"?, "allow_plain_http"?: true|"loopback" (to this computer only) | "any" (any
     * host, never with an Authorization header), "client_certificate"?:
     * {"session": n, "id": "..."} (TLS client authentication with the token's key)}.
     * Writes the response body to `body`, then {"status", "headers": {..}} to `meta`.
     * A transport failure is CA_ERR_RETRY (code "network") or CA_ERR_FAILED (code "tls"). */
    ca_status (*request)(void* ctx, const char* request_json, const uint8_t* body,
                         size_t body_len, ca_sink_fn body_sink, void* body_user,
                         ca_sink_fn meta_sink, void* meta_user);
} ca_http_v1;

/* ABI 2.1. Programs the person configured (a hook such as [reminders] command), started by the agent in
 * the user's session: never through a shell, and with only the session's basic variables
 * (PATH, HOME, USER, LOGNAME, SHELL, LANG, LANGUAGE, LC_*, TZ, TMPDIR, DISPLAY,
 * WAYLAND_DISPLAY, XAUTHORITY, DBUS_SESSION_BUS_ADDRESS, XDG_*), so nothing of the agent's own
 * environment (a --pin-env PIN, a password variable) reaches them. */
#define CA_EXT_PROCESS "certagent.process/1"
typedef struct ca_process_v1 {
    uint32_t struct_size;
    /* [not UI] request: {"argv": ["program", "arg", ...], "env"?: {"NAME": "value", ...},
     * "timeout_ms"?: 100..600000 (default 30000)}. Runs argv[0] (looked up in PATH) with the
     * session's variables plus `env` (overriding), standard input from /dev/null, in its own
     * process group, and waits. After the timeout, or when the plugin is being unloaded, the
     * group gets SIGTERM, then SIGKILL 2 s later. Writes {"exit_code": n or null, "signal": n or
     * null, "timed_out": bool}. A program that cannot be started: CA_ERR_FAILED, code
     * "not_started"; a bad request: CA_ERR_INVALID_ARGUMENT. */
    ca_status (*run)(void* ctx, const char* request_json, ca_sink_fn sink, void* user);
} ca_process_v1;

/* ABI 2.1. Certificates described by the agent's parser (the fields of `certagent-cli certs`),
 * so a plugin reads no certificate extension itself. */
#define CA_EXT_X509 "certagent.x509/1"
typedef struct ca_x509_v1 {
    uint32_t struct_size;
    /* [any thread] A DER certificate -> {"subject", "issuer", "common_name", "serial" (hex),
     * "not_before", "not_after" (ISO 8601 UTC), "no_expiry", "key_algorithm": "RSA|EC|...",
     * "key_bits", "key_usage": [...], "policies": [...], "qualified", "qc_compliance",
     * "qc_sscd"}. Not a certificate: CA_ERR_INVALID_ARGUMENT. */
    ca_status (*describe)(void* ctx, const uint8_t* der, size_t der_len, ca_sink_fn sink,
                          void* user);
} ca_x509_v1;

/* Services a plugin offers the agent. */
#define CA_EXT_PROVIDERS "certagent.providers/1"
/* [job thread or the caller's] Writes a DER RFC 3161 TimeStampToken for `data` (the bytes to
 * stamp: a signature value) to the sink; the plugin chooses the TSA, hash and checks. */
typedef ca_status (*ca_timestamp_fn)(void* user, const uint8_t* data, size_t len,
                                     ca_sink_fn sink, void* sink_user);
typedef struct ca_providers_v1 {
    uint32_t struct_size;
    /* [any thread] Signatures with "timestamp" (B-T) ask fn; one provider per agent (the
     * first to register). Withdrawn when the plugin goes. */
    ca_status (*register_timestamper)(void* ctx, ca_timestamp_fn fn, void* user);
} ca_providers_v1;

/* ---- Token plugins ------------------------------------------------------------------------
 * Data first: the profile (JSON, docs/tokens.md) says which tokens the plugin claims (USB
 * ids, token-info rules), where its PKCS#11 module lives per OS, what keys and PINs it
 * supports, its quirks, driver links and the vendor utility. `claim` is optional code for
 * tokens that data cannot tell apart. */
typedef struct ca_token_vtable {
    uint32_t struct_size;
    /* [any thread] The profile (JSON). */
    ca_status (*profile)(void* instance, ca_sink_fn sink, void* user);
    /* [any thread] token_json: slot/token info. *out_score: 0 = not mine, higher = more
     * specific. CA_ERR_UNSUPPORTED or NULL: the host scores the profile's match rules. */
    ca_status (*claim)(void* instance, const char* token_json, int32_t* out_score);
} ca_token_vtable;

/* ---- Flow plugins -------------------------------------------------------------------------
 * React to events, contribute menu items, run actions. */
typedef struct ca_flow_vtable {
    uint32_t struct_size;
    /* [not UI] JSON array of {"id","label","enabled","section","token","cert","input"} for
     * the tray menu; context: {"tokens": [...]} as the tray sees them. Keep it quick. */
    ca_status (*menu_items)(void* instance, const char* context_json, ca_sink_fn sink,
                            void* user);
    /* [not UI] Runs action `id` with JSON args and writes a JSON result ({"message"?: a
     * translated line to show}). May take long (the network, the token, the person). */
    ca_status (*run_action)(void* instance, const char* id, const char* args_json,
                            ca_sink_fn sink, void* user);
} ca_flow_vtable;

typedef struct ca_plugin_entry {
    uint32_t struct_size;
    ca_plugin_info info;
    /* [main thread of the program] Creates the instance with its own host. On failure writes a
     * message (UTF-8) into err. The host keeps `host` valid until destroy returns. */
    ca_status (*create)(const ca_host* host, void** out_instance, char* err, size_t err_len);
    /* [main thread] After the host stopped the plugin's jobs, timers and subscriptions. */
    void (*destroy)(void* instance);
    const ca_token_vtable* token; /* non-NULL iff kind == CA_PLUGIN_TOKEN */
    const ca_flow_vtable* flow;   /* non-NULL iff kind == CA_PLUGIN_FLOW */
} ca_plugin_entry;

/* The exported entry point. Returns NULL when the plugin cannot serve this host's ABI (another
 * major); the host says so and skips the file. */
typedef const ca_plugin_entry* (*ca_plugin_entry_fn)(uint16_t host_abi_major,
                                                     uint16_t host_abi_minor);

#ifdef __cplusplus
}
#endif
#endif
