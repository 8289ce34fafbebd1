/* compress: writes more anonymous memory than the machine has, then reads every
 * byte back, forwards and backwards.
 * Usage: compress MB [heap|random [pause]]
 *  heap    pages as an app's heap looks after a while: most pages lightly used
 *          (a few records, then zeros), one in eight full of records (ids,
 *          flags, pointers, short strings). Compressible: machemu keeps it all in
 *          its compressor (test: -m 64M with 192 MB).
 *  random  pseudo-random bytes: incompressible. Under --platform ios the task is
 *          killed once the compressor is full; --platform macos swaps it out.
 *  pause   after writing, waits for a line on stdin before reading back (a test does
 *          something to the machine's swap file meanwhile).
 * The output does not depend on the RAM size or the page size. */
#include "guest_test.h"
#include <sys/mman.h>

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

static uint64_t word_of(int random, size_t b, size_t i)
{
    return random ? guest_mix(b * WORDS + i + 1) : heap_word(b, i);
}

static void fill(uint64_t *w, size_t blocks, int random)
{
    for (size_t b = 0; b < blocks; b++)
        for (size_t i = 0; i < WORDS; i++)
            w[b * WORDS + i] = word_of(random, b, i);
}

/* Checks every word, blocks in the order given; returns a checksum. */
static uint64_t verify(const uint64_t *w, size_t blocks, int random, int backwards)
{
    uint64_t sum = 0;
    for (size_t k = 0; k < blocks; k++) {
        size_t b = backwards ? blocks - 1 - k : k;
        for (size_t i = 0; i < WORDS; i++) {
            uint64_t v = w[b * WORDS + i];
            if (v != word_of(random, b, i)) {
                printf("block %zu word %zu: %#llx, want %#llx\n", b, i, (unsigned long long)v,
                       (unsigned long long)word_of(random, b, i));
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
    int random = argc > 2 && !strcmp(argv[2], "random");
    int pause = argc > 3 && !strcmp(argv[3], "pause");
    CHECK(1, mb > 0 && (argc < 3 || random || !strcmp(argv[2], "heap")) && (argc < 4 || pause));
    size_t blocks = (mb << 20) / BLOCK;
    uint64_t *w = mmap(NULL, mb << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
                       MAP_NORESERVE, -1, 0);
    CHECK_ERRNO(2, w != MAP_FAILED);
    fill(w, blocks, random);
    printf("compress: wrote %zu MB of %s data\n", mb, random ? "random" : "heap-like");
    if (pause) {
        char c;
        fflush(stdout);
        CHECK_ERRNO(4, read(0, &c, 1) == 1);
    }
    uint64_t a = verify(w, blocks, random, 0);
    verify(w, blocks, random, 1);
    printf("compress: read back intact twice, checksum %016llx\n", (unsigned long long)a);
    CHECK_ERRNO(5, munmap(w, mb << 20) == 0);
    return 0;
}
