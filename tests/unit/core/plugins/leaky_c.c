/* A plain C plugin that subscribes to events and schedules a timer in create() and never
 * releases them: the host must, before it unloads the library (a callback into an unmapped
 * library would crash). */
#include <certagent/sdk/abi.h>

static void on_event(void* user, const char* event_json) { (void)user; (void)event_json; }
static void on_timer(void* user, uint64_t id) { (void)user; (void)id; }

static ca_status create(const ca_host* host, void** out, char* err, size_t len) {
    (void)err; (void)len;
    const ca_events_v1* events = (const ca_events_v1*)host->get_extension(host->ctx, CA_EXT_EVENTS);
    const ca_timers_v1* timers = (const ca_timers_v1*)host->get_extension(host->ctx, CA_EXT_TIMERS);
    uint64_t id = 0;
    if (!events || !timers) return CA_ERR_UNSUPPORTED;
    events->subscribe(host->ctx, "TestPing", on_event, 0, &id);
    timers->schedule_at(host->ctx, host->now_ms(host->ctx) + 300, on_timer, 0, &id);
    *out = (void*)host;
    return CA_OK;
}
static void destroy(void* instance) { (void)instance; }
static ca_status menu(void* i, const char* c, ca_sink_fn s, void* u) {
    (void)i; (void)c;
    s(u, "[]", 2);
    return CA_OK;
}
static ca_status run(void* i, const char* id, const char* a, ca_sink_fn s, void* u) {
    (void)i; (void)id; (void)a;
    s(u, "{}", 2);
    return CA_OK;
}
static const ca_flow_vtable flow = {sizeof(ca_flow_vtable), menu, run};
static const ca_plugin_entry entry = {
    sizeof(ca_plugin_entry),
    {sizeof(ca_plugin_info), CERTAGENT_SDK_ABI_MAJOR, CERTAGENT_SDK_ABI_MINOR, CA_PLUGIN_FLOW,
     "test-leaky-c", "1.0", "Leaves its subscription and timer behind"},
    create, destroy, 0, &flow};

CA_EXPORT const ca_plugin_entry* certagent_plugin_entry(uint16_t major, uint16_t minor) {
    (void)minor;
    return major == CERTAGENT_SDK_ABI_MAJOR ? &entry : 0;
}
