// Compiled by check_include.cmake with the include flags of one target: the header named by
// WVP_PROBE_HEADER must resolve where the arrows allow it and must not where they forbid it.
#include WVP_PROBE_HEADER
