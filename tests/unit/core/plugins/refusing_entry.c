/* A plain C plugin built for ABI 3: its entry point refuses any other host major (returns
 * NULL), as abi.h asks. */
#include <certagent/sdk/abi.h>

CA_EXPORT const ca_plugin_entry* certagent_plugin_entry(uint16_t major, uint16_t minor) {
    (void)minor;
    if (major != 3) return 0;
    return 0; /* never reached here: this test host is ABI 2 */
}
