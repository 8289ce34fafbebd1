/* fuzz_elf — the ELF loader (emu/elf.c, through emu_load and emu/loader.c) and the
 * debugger's symbol reader (tools/repl_sym.c): the input is the program file, its
 * first four bytes always the ELF magic, so every input reaches elf.c. */
#include "tests/fuzz/support.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t magic[4] = { 0x7f, 'E', 'L', 'F' };
    fz_load_bytes(data, size, magic);
    return 0;
}
