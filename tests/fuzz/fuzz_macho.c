/* fuzz_macho — the Mach-O loader (emu/macho.c, through emu_load and emu/loader.c):
 * header, load commands, layout, entry point, slide and rebase opcodes. The input is
 * the program file, its first four bytes always MH_MAGIC_64, so every input reaches
 * the load commands. */
#include "tests/fuzz/support.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t magic[4] = { 0xcf, 0xfa, 0xed, 0xfe };
    fz_load_bytes(data, size, magic);
    return 0;
}
