/* compress: writes more anonymous memory than the machine has, then reads every
 * byte back, forwards and backwards.
 * Usage: compress MB [heap|random|mixed] [low-swap|malloc|pieces|pause]
 *  heap    pages as an app's heap looks after a while: most pages lightly used
 *          (a few records, then zeros), one in eight full of records (ids,
 *          flags, pointers, short strings). Compressible: machemu keeps it all in
 *          its compressor (test: -m 64M with 192 MB).
 *  random  pseudo-random bytes: incompressible. Under --platform ios the task is
 *          killed once the compressor is full; --platform macos swaps it out.
 *  mixed   half and half: every other block random, the others heap-like.
 * low-swap: listens for NOTE_MEMORYSTATUS_LOW_SWAP and says when the first comes
 *          (--platform macos with a small --swap-size).
 * pause:   after writing, waits for a line on stdin before reading back (a test does
 *          something to the machine's swap file meanwhile).
 * The memory is one mmap (MAP_NORESERVE), or one malloc (malloc), or 8 MB mallocs
 * (pieces), as an app's allocator would get it.
 * The output does not depend on the RAM size or the page size. */
#include "guest_test.h"
#include <machemu/pressure.h>
#include <sys/mman.h>
#include <unistd.h>

#define BLOCK 16384u                    /* the unit of the pattern, not the page size */
#define WORDS (BLOCK / 8)

/* Word i of block b. */
static uint64_t heap_word(size_t b, size_t i)
{
    size_t used = (b % 8 == 0) ? WORDS : 48 + guest_mix(b) % 64;
    if (i >= used)
        return 0;
    switch (i % 4) {
    case 0: return (uint64_t)(b * 1024 + i / 4);                  /* an id */
    case 1: return 0x0000000100000002ull + (i & 0x30);            /* flags, refcount */
    case 2: return 0x0000aaaab0000000ull + b * BLOCK + i * 8;      /* a pointer */
    default: return 0x0079747265706f72ull;                         /* "roperty" */
    }
}

enum kind { HEAP, RANDOM, MIXED };

static volatile int low_swap_notes;

static void on_note(unsigned long note, void *ctx)
{
    static const char said[] = "compress: told that swap is low\n";
    (void)ctx;
    if (note == NOTE_MEMORYSTATUS_LOW_SWAP && low_swap_notes++ == 0)
        write(1, said, sizeof said - 1);       /* the handler may interrupt printf */
}

static uint64_t word_of(int kind, size_t b, size_t i)
{
    int random = kind == RANDOM || (kind == MIXED && b % 2);
    return random ? guest_mix(b * WORDS + i + 1) : heap_word(b, i);
}

#define PIECE (8ul << 20)

/* The buffers, and how many blocks each holds. */
static uint64_t **pieces;
static size_t npieces, per_piece;

static uint64_t *block(size_t b) { return pieces[b / per_piece] + (b % per_piece) * WORDS; }

static void allocate(size_t bytes, const char *how)
{
    size_t piece = !strcmp(how, "pieces") ? PIECE : bytes;
    npieces = (bytes + piece - 1) / piece;
    per_piece = piece / BLOCK;
    pieces = calloc(npieces, sizeof *pieces);
    CHECK_ERRNO(2, pieces != NULL);
    for (size_t k = 0; k < npieces; k++) {
        if (!strcmp(how, "mmap")) {
            void *m = mmap(NULL, piece, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
            pieces[k] = m == MAP_FAILED ? NULL : m;
        } else {
            pieces[k] = malloc(piece);
        }
        CHECK_ERRNO(2, pieces[k] != NULL);
    }
}

static void release(size_t bytes, const char *how)
{
    for (size_t k = 0; k < npieces; k++) {
        if (!strcmp(how, "mmap"))
            CHECK_ERRNO(5, munmap(pieces[k], bytes) == 0);
        else
            free(pieces[k]);
    }
    free(pieces);
}

static void fill(size_t blocks, int kind)
{
    for (size_t b = 0; b < blocks; b++)
        for (size_t i = 0; i < WORDS; i++)
            block(b)[i] = word_of(kind, b, i);
}

/* Checks every word, blocks in the order given; returns a checksum. */
static uint64_t verify(size_t blocks, int kind, int backwards)
{
    uint64_t sum = 0;
    for (size_t k = 0; k < blocks; k++) {
        size_t b = backwards ? blocks - 1 - k : k;
        for (size_t i = 0; i < WORDS; i++) {
            uint64_t v = block(b)[i];
            if (v != word_of(kind, b, i)) {
                printf("block %zu word %zu: %#llx, want %#llx\n", b, i, (unsigned long long)v,
                       (unsigned long long)word_of(kind, b, i));
                CHECK(3, 0);
            }
            sum = sum * 31 + v;
        }
    }
    return sum;
}

int main(int argc, char **argv)
{
    size_t mb = argc > 1 ? (size_t)atol(argv[1]) : 64;
    static const char *const names[] = { "heap", "random", "mixed" };
    static const char *const says[] = { "heap-like", "random", "half random, half heap-like" };
    int kind = HEAP;
    while (argc > 2 && kind < MIXED && strcmp(argv[2], names[kind]))
        kind++;
    CHECK(1, mb > 0 && (argc < 3 || !strcmp(argv[2], names[kind])));
    const char *how = "mmap";
    int pause = argc > 3 && !strcmp(argv[3], "pause");
    if (argc > 3 && !strcmp(argv[3], "low-swap"))
        CHECK(1, machemu_pressure_handler_set(NOTE_MEMORYSTATUS_LOW_SWAP, on_note, NULL) ==
                     KERN_SUCCESS);
    else if (argc > 3 && !pause)
        CHECK(1, !strcmp(how = argv[3], "malloc") || !strcmp(how, "pieces"));
    size_t blocks = (mb << 20) / BLOCK;
    allocate(mb << 20, how);
    fill(blocks, kind);
    printf("compress: wrote %zu MB of %s data\n", mb, says[kind]);
    if (pause) {
        char c;
        fflush(stdout);
        CHECK_ERRNO(4, read(0, &c, 1) == 1);
    }
    uint64_t a = verify(blocks, kind, 0);
    verify(blocks, kind, 1);
    printf("compress: read back intact twice, checksum %016llx\n", (unsigned long long)a);
    release(mb << 20, how);
    return 0;
}
