/* nopie: pie.c linked with -Wl,-no_pie (the Makefile's MACHO_LDFLAGS): it must load at
 * its link address, 0x100000000, with no slide and nothing to rebase. */
#define NO_PIE 1
#include "pie.c"
