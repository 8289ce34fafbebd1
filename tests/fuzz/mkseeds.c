/* tests/fuzz/mkseeds.c — writes the generated seeds of the corpora (`make fuzz-seeds`):
 * DIR/elf/gen-elf-* and DIR/macho/gen-macho-* (support.c's programs), DIR/wkdm/gen-*
 * and DIR/lz4/gen-* (pages of a few kinds, compressed). */
#include <stdio.h>
#include <string.h>

#include "compressor/compressor.h"
#include "compressor/wkdm.h"
#include "tests/fuzz/support.h"

static const char *dir;

static int write_seed(const char *sub, const char *name, const void *p, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s/gen-%s", dir, sub, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "mkseeds: cannot write %s\n", path);
        return -1;
    }
    printf("%s: %zu bytes\n", path, n);
    return 0;
}

enum page_kind { SPARSE, POINTERS, TEXT, COUNTERS, NKINDS };

static void make_page(enum page_kind kind, uint32_t *w)
{
    uint64_t x = 0x9e3779b97f4a7c15ull * (kind + 1);
    memset(w, 0, WKDM_PAGE_SIZE);
    for (unsigned i = 0; i < WKDM_PAGE_WORDS; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        switch (kind) {
        case SPARSE:               /* a few words set: the sparse form */
            if (i % 97 == 5)
                w[i] = (uint32_t)x;
            break;
        case POINTERS:             /* heap pointers and small values: partial matches */
            w[i] = i % 2 ? 0x10a400000u + (uint32_t)(x & 0x3ff0) : (uint32_t)(x % 5);
            break;
        case TEXT: {               /* ASCII words from a small vocabulary */
            static const char vocab[8][5] = { "the ", "page", "s ar", "e co", "mpre",
                                              "ssed", " in ", "16KB" };
            memcpy(&w[i], vocab[x % 8], 4);
            break;
        }
        default:                   /* counters and repeats: exact matches, misses */
            w[i] = i % 7 ? i / 7 : (uint32_t)x;
            break;
        }
    }
}

static int compressed_seeds(void)
{
    static const char *const names[NKINDS] = { "sparse", "pointers", "text", "counters" };
    static uint32_t page[WKDM_PAGE_WORDS];
    static uint8_t out[WKDM_MAX_OUT];
    for (int k = 0; k < NKINDS; k++) {
        uint32_t single;
        make_page((enum page_kind)k, page);
        int n = wkdm_compress(page, out, sizeof out, &single);
        if (n > 0 && write_seed("wkdm", names[k], out, (size_t)n) < 0)
            return -1;
        struct compressor_encoding enc;
        compressor_encode(COMPRESSOR_CODEC_LZ4, page, out, &enc);
        if (enc.form == COMPRESSOR_FORM_LZ4 && write_seed("lz4", names[k], out, enc.size) < 0)
            return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: mkseeds CORPUS-DIR\n");
        return 2;
    }
    dir = argv[1];
    for (int i = 0; i < FZ_NIMAGES; i++) {
        static uint8_t buf[4096];
        size_t n = fz_image((enum fz_image)i, buf, sizeof buf);
        const char *name = fz_image_name((enum fz_image)i);
        if (!n || write_seed(strncmp(name, "elf", 3) ? "macho" : "elf", name, buf, n) < 0)
            return 1;
    }
    return compressed_seeds() < 0;
}
