/* A plain C plugin that claims ABI major 99 in its entry: the host must refuse it before
 * calling create. */
#include <certagent/sdk/abi.h>

static ca_status create(const ca_host* host, void** out, char* err, size_t len) {
    (void)host; (void)err; (void)len;
    *out = (void*)1;
    return CA_OK;
}
static void destroy(void* instance) { (void)instance; }
static ca_status menu(void* i, const char* c, ca_sink_fn s, void* u) {
    (void)i; (void)c; (void)s; (void)u;
    return CA_OK;
}
static ca_status run(void* i, const char* id, const char* a, ca_sink_fn s, void* u) {
    (void)i; (void)id; (void)a; (void)s; (void)u;
    return CA_OK;
}
static const ca_flow_vtable flow = {sizeof(ca_flow_vtable), menu, run};
static const ca_plugin_entry entry = {
    sizeof(ca_plugin_entry),
    {sizeof(ca_plugin_info), 99, 0, CA_PLUGIN_FLOW, "test-future", "1.0", "From the future"},
    create, destroy, 0, &flow};

CA_EXPORT const ca_plugin_entry* certagent_plugin_entry(uint16_t major, uint16_t minor) {
    (void)major; (void)minor;
    return &entry;
}
