/* entries: guest/programs/mach_entries.c built as a Mach-O; it must print what the ELF
 * build prints (tests/integration/test_entries.sh). */
#include "mach_entries.c"
