/* tests/fuzz/machine.c — machines for the fuzz targets that need one. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu/debug.h"
#include "emu/emu.h"
#include "emu/inspect.h"
#include "tests/fuzz/support.h"
#include "tools/repl.h"

static char root[64];

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(path);
}

static void remove_root(void)
{
    nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *guest_root(void)
{
    if (!root[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(root, sizeof root, "%s/machemu-fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(root)) {
            perror("fuzz: mkdtemp");
            abort();
        }
        atexit(remove_root);
    }
    return root;
}

struct emu *fz_machine(void)
{
    char err[256];
    struct emu_options opt = { .mem_size = 16 << 20, .root = guest_root(), .tlb_sets = 64,
                               .tlb_ways = 4, .codec = COMPRESSOR_CODEC_HYBRID };
    struct emu *emu = emu_create(&opt, err, sizeof err);
    if (!emu) {
        fprintf(stderr, "fuzz: emu_create: %s\n", err);
        abort();
    }
    return emu;
}

/* Whatever the loader did or undid, every frame must be accounted for. */
static void check_books(struct emu *emu, const char *when)
{
    char why[256];
    if (!inspect_books_balance(emu, why, sizeof why)) {
        fprintf(stderr, "fuzz: the books do not balance %s: %s\n", when, why);
        abort();
    }
}

void fz_load(const char *path)
{
    char err[256];
    char *argv[] = { "prog", "arg", NULL }, *envp[] = { "HOME=/", NULL };
    struct emu *emu = fz_machine();
    int rc = emu_load(emu, path, 2, argv, envp, err, sizeof err);
    check_books(emu, rc == 0 ? "after a load" : "after a refused load");
    struct symtab *syms = sym_load(path);
    if (syms) {
        char name[96];
        uint64_t addr;
        for (uint64_t a = 0x400000; a < 0x400400; a += 0x40)
            sym_describe(syms, a, name, sizeof name);
        if (sym_lookup(syms, "_start", &addr))
            sym_describe(syms, addr, name, sizeof name);
        sym_free(syms);
    }
    emu_destroy(emu);
}

void fz_load_bytes(const uint8_t *data, size_t size, const uint8_t magic[4])
{
    size_t n = size < 4 ? 4 : size;
    uint8_t *file = malloc(n);
    if (!file)
        return;
    memcpy(file, data, size);
    memcpy(file, magic, 4);
    char path[64];
    int fd = fz_memfile(file, n, path, sizeof path);
    free(file);
    if (fd < 0)
        return;
    fz_load(path);
    close(fd);
}

struct repl *fz_debug_session(void)
{
    static char program[64];
    char err[256];
    if (!program[0]) {
        static uint8_t image[4096];
        size_t n = fz_image(FZ_ELF_EXEC, image, sizeof image);
        FZ_CHECK(n > 0 && fz_memfile(image, n, program, sizeof program) >= 0);
    }
    char *argv[] = { program, NULL }, *envp[] = { NULL };
    struct emu *emu = fz_machine();
    FZ_CHECK(emu_load(emu, program, 1, argv, envp, err, sizeof err) == 0);
    FZ_CHECK(dbg_attach(emu, err, sizeof err) == 0);
    struct repl *r = repl_create(emu, program);
    FZ_CHECK(r);
    return r;
}

void fz_debug_end(struct repl *r)
{
    struct emu *emu = repl_emu(r);
    repl_destroy(r);
    emu_destroy(emu);
}
