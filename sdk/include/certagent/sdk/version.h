/* certagent plugin SDK: version of the binary interface between the agent and its plugins.
 * A plugin built against ABI major M loads in an agent whose major is M; minors only add
 * (new fields at the end of size-prefixed structs, new function pointers at the end). */
#ifndef CERTAGENT_SDK_VERSION_H
#define CERTAGENT_SDK_VERSION_H

#define CERTAGENT_SDK_ABI_MAJOR 2
#define CERTAGENT_SDK_ABI_MINOR 1
#define CERTAGENT_SDK_VERSION "0.2.0"

#endif
