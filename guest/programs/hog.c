/* hog: holds more memory than the machine has through malloc, then checks every word.
 * Usage: hog MB [one|pieces] [heap|random]
 *  one     one malloc of MB (the default): on iOS nothing refuses it for its size
 *  pieces  8 MB mallocs until MB are held
 *  heap    compressible data, as compress.c writes it (the default)
 *  random  pseudo-random bytes: the compressor gains nothing
 * It writes everything, then reads every word back twice (forwards, then backwards),
 * and exits 0 with a checksum that depends on MB and the data only. */
#include "guest_test.h"

#define PIECE (8u << 20)
#define BLOCK 16384u                    /* the unit of the pattern, not the page size */
#define WORDS (BLOCK / 8)

/* Word i of block b, as in compress.c: most blocks a few records then zeros, one in
 * eight full of records. */
static uint64_t heap_word(size_t b, size_t i)
{
    size_t used = (b % 8 == 0) ? WORDS : 48 + guest_mix(b) % 64;
    if (i >= used)
        return 0;
    switch (i % 4) {
    case 0: return (uint64_t)(b * 1024 + i / 4);
    case 1: return 0x0000000100000002ull + (i & 0x30);
    case 2: return 0x0000aaaab0000000ull + b * BLOCK + i * 8;
    default: return 0x0079747265706f72ull;
    }
}

static int random_data;

static uint64_t word_of(size_t b, size_t i)
{
    return random_data ? guest_mix(b * WORDS + i + 1) : heap_word(b, i);
}

struct hold {
    uint64_t **piece;                   /* each PIECE bytes, or one of all of it */
    size_t npieces, piece_blocks, blocks;
};

static uint64_t *block_at(const struct hold *h, size_t b)
{
    return h->piece[b / h->piece_blocks] + (b % h->piece_blocks) * WORDS;
}

static uint64_t verify(const struct hold *h, int backwards)
{
    uint64_t sum = 0;
    for (size_t k = 0; k < h->blocks; k++) {
        size_t b = backwards ? h->blocks - 1 - k : k;
        const uint64_t *w = block_at(h, b);
        for (size_t i = 0; i < WORDS; i++) {
            if (w[i] != word_of(b, i)) {
                printf("hog: block %zu word %zu: %#llx, want %#llx\n", b, i,
                       (unsigned long long)w[i], (unsigned long long)word_of(b, i));
                CHECK(4, 0);
            }
            sum = sum * 31 + w[i];
        }
    }
    return sum;
}

int main(int argc, char **argv)
{
    size_t mb = argc > 1 ? (size_t)atol(argv[1]) : 64;
    int pieces = argc > 2 && !strcmp(argv[2], "pieces");
    random_data = argc > 3 && !strcmp(argv[3], "random");
    CHECK(1, mb > 0 && mb % 8 == 0);
    CHECK(1, argc < 3 || pieces || !strcmp(argv[2], "one"));
    CHECK(1, argc < 4 || random_data || !strcmp(argv[3], "heap"));
    struct hold h = { .blocks = (mb << 20) / BLOCK };
    h.npieces = pieces ? (mb << 20) / PIECE : 1;
    h.piece_blocks = h.blocks / h.npieces;
    h.piece = calloc(h.npieces, sizeof *h.piece);
    CHECK(2, h.piece != NULL);
    for (size_t p = 0; p < h.npieces; p++) {
        h.piece[p] = malloc(h.piece_blocks * BLOCK);
        if (!h.piece[p]) {
            printf("hog: malloc of %zu MB failed after %zu MB\n", h.piece_blocks * BLOCK >> 20,
                   p * (h.piece_blocks * BLOCK >> 20));
            return 3;
        }
    }
    for (size_t b = 0; b < h.blocks; b++)
        for (size_t i = 0; i < WORDS; i++)
            block_at(&h, b)[i] = word_of(b, i);
    printf("hog: wrote %zu MB of %s data in %s\n", mb, random_data ? "random" : "heap-like",
           pieces ? "8 MB mallocs" : "one malloc");
    fflush(stdout);
    uint64_t a = verify(&h, 0);
    verify(&h, 1);                      /* every word again, in the other order */
    printf("hog: every word intact, checksum %016llx\n", (unsigned long long)a);
    for (size_t p = 0; p < h.npieces; p++)
        free(h.piece[p]);
    free(h.piece);
    return 0;
}
