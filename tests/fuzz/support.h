/* tests/fuzz/support.h — what the fuzz targets share: small valid executables built in
 * memory (the seeds of the loader corpora, the debugger target's program) and files
 * made of a buffer's bytes, machines to load them on. */
#ifndef TESTS_FUZZ_SUPPORT_H
#define TESTS_FUZZ_SUPPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* A property of the code under test that must hold: a crash (so a finding) if not. */
#define FZ_CHECK(cond)                                                                 \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);     \
            abort();                                                                   \
        }                                                                              \
    } while (0)

/* Each runs: it touches four pages of zero fill 16 KB apart in a function with a frame,
 * then exits with status 0. */
enum fz_image {
    FZ_ELF_EXEC,                   /* ET_EXEC at 0x400000, bss, .symtab (_start, work, buf) */
    FZ_ELF_PIE,                    /* ET_DYN linked at 0 (slid to the PIE base) */
    FZ_ELF_COPY,                   /* 4 KB-aligned segments: copied, not mapped */
    FZ_MACHO_MAIN,                 /* __PAGEZERO, __TEXT, __DATA zero fill, LC_MAIN */
    FZ_MACHO_PIE,                  /* the same, MH_PIE, with rebase opcodes for __DATA */
    FZ_MACHO_THREAD,               /* LC_UNIXTHREAD instead of LC_MAIN */
    FZ_NIMAGES
};

/* Builds one into buf; its size, or 0 if cap is too small. */
size_t fz_image(enum fz_image which, uint8_t *buf, size_t cap);
/* "elf-exec", "macho-pie", ... */
const char *fz_image_name(enum fz_image which);

/* A file holding data[0, n) (a memfd), and a path that opens it ("/proc/self/fd/N",
 * into path of pathlen bytes). The fd, or -1. */
int fz_memfile(const void *data, size_t n, char *path, size_t pathlen);

/* --- machines (tests/fuzz/machine.c) -------------------------------------------- */
struct emu;
/* A new machine of 16 MB whose guest root is an empty directory of its own (removed at
 * exit); aborts if it cannot be made. */
struct emu *fz_machine(void);
/* Loads the program at path on a new machine, and its symbols as `machemu debug` does;
 * aborts if the machine's books do not balance after the load (or the refusal). The
 * program does not run: guest code may sleep for as long as it likes. */
void fz_load(const char *path);
/* fz_load of a file holding data[0, size) with magic over its first four bytes. */
void fz_load_bytes(const uint8_t *data, size_t size, const uint8_t magic[4]);

struct repl;
/* A debugging session (tools/repl.h) on a new machine with the elf-exec program
 * loaded and stopped before its first instruction, as `machemu debug` starts one. */
struct repl *fz_debug_session(void);
/* Ends it and destroys its machine. */
void fz_debug_end(struct repl *r);

#endif
