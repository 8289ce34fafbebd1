/* guest/sdk/mkcache.c — builds the shared cache the machine maps into every task.
 *
 *   mkcache OUT LIB...
 *
 * The file starts with a header laid out as dyld's (dyld_cache_header: a 16-byte
 * magic, then mappingOffset and mappingCount; dyld_cache_mapping_info records of
 * address, size, file offset, max and initial protection). Three mappings, as an
 * arm64 iOS cache has them:
 *   __TEXT      r-x  at 0x180000000: the header, the guest libraries given, then more
 *                    code-like bytes (the libraries again, each copy perturbed so that
 *                    no two pages are alike) up to TEXT_SIZE;
 *   __LINKEDIT  r--  right after: a symbol string table and a table of offsets;
 *   __DATA      rw-  at the next 32 MB boundary (the read-only part is nested in
 *                    32 MB twigs): pointers into __TEXT, counters and zeros.
 * The output is the same for the same inputs. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE          16384ull
#define BASE          0x180000000ull
#define TWIG          (32ull << 20)
#define TEXT_SIZE     (40ull << 20)
#define LINKEDIT_SIZE (8ull << 20)
#define DATA_SIZE     (2ull << 20)
#define HEADER_SIZE   0x400
#define MAPPING_OFFSET 0x200

struct mapping { uint64_t address, size, file_offset; uint32_t max_prot, init_prot; };

static void put64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> 8 * i); }
static void put32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> 8 * i); }

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n == cap && !(buf = realloc(buf, cap = cap ? cap * 2 : 1 << 16)))
            break;
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got);
    fclose(f);
    *len = n;
    return buf;
}

/* Code-like bytes: the libraries over and over, each copy's words xored with the
 * copy's number so that pages differ as different libraries' would. */
static void fill_text(uint8_t *text, uint64_t from, uint8_t **lib, size_t *len, int nlib)
{
    uint64_t at = from;
    for (uint32_t copy = 1; at < TEXT_SIZE; copy++)
        for (int i = 0; i < nlib && at < TEXT_SIZE; i++) {
            for (size_t j = 0; j + 4 <= len[i] && at + 4 <= TEXT_SIZE; j += 4, at += 4) {
                uint32_t w = (uint32_t)lib[i][j] | (uint32_t)lib[i][j + 1] << 8 |
                             (uint32_t)lib[i][j + 2] << 16 | (uint32_t)lib[i][j + 3] << 24;
                put32(text + at, copy > 1 ? w ^ (copy * 0x9e3779b9u) : w);
            }
        }
}

static void fill_linkedit(uint8_t *le)
{
    static const char *const words[] = { "objc", "msgSend", "malloc", "zone", "dispatch",
        "queue", "CF", "String", "Array", "xpc", "connection", "os", "log", "pthread",
        "mach", "vm", "allocate", "UI", "View", "layer", "Core", "Animation", "Foundation" };
    uint64_t at = 0, n = 0;
    while (at + 64 < LINKEDIT_SIZE / 2) {
        int len = snprintf((char *)le + at, 64, "_%s%s_%llu", words[n % 23],
                           words[(n * 7 + 3) % 23], (unsigned long long)n);
        at += (uint64_t)len + 1;
        n++;
    }
    for (uint64_t i = 0, off = LINKEDIT_SIZE / 2; off + 8 <= LINKEDIT_SIZE; i++, off += 8)
        put64(le + off, (i * 40503u) % (LINKEDIT_SIZE / 2));
}

static void fill_data(uint8_t *data)
{
    for (uint64_t off = 0; off + 8 <= DATA_SIZE; off += 8) {
        uint64_t slot = off / 8;
        uint64_t v = slot % 4 == 3 ? 0 : slot % 4 == 2 ? slot & 0xff
                   : BASE + HEADER_SIZE + (slot * 2654435761u) % (TEXT_SIZE - HEADER_SIZE);
        put64(data + off, v);
    }
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: mkcache OUT LIB...\n");
        return 2;
    }
    int nlib = argc - 2;
    uint8_t **lib = calloc((size_t)nlib, sizeof *lib);
    size_t *len = calloc((size_t)nlib, sizeof *len), total = HEADER_SIZE;
    for (int i = 0; i < nlib; i++) {
        if (!(lib[i] = slurp(argv[2 + i], &len[i])) || len[i] < 4) {
            fprintf(stderr, "mkcache: %s: %s\n", argv[2 + i], lib[i] ? "too short" : strerror(errno));
            return 1;
        }
        total += len[i];
    }
    if (total > TEXT_SIZE) {
        fprintf(stderr, "mkcache: the libraries do not fit in %llu MB\n",
                (unsigned long long)(TEXT_SIZE >> 20));
        return 1;
    }
    const uint64_t data_addr = (BASE + TEXT_SIZE + LINKEDIT_SIZE + TWIG - 1) & ~(TWIG - 1);
    const struct mapping map[] = {
        { BASE, TEXT_SIZE, 0, 5, 5 },
        { BASE + TEXT_SIZE, LINKEDIT_SIZE, TEXT_SIZE, 1, 1 },
        { data_addr, DATA_SIZE, TEXT_SIZE + LINKEDIT_SIZE, 3, 3 },
    };
    uint64_t size = TEXT_SIZE + LINKEDIT_SIZE + DATA_SIZE;
    uint8_t *out = calloc(1, size);
    if (!out || !lib || !len) {
        fprintf(stderr, "mkcache: out of memory\n");
        return 1;
    }
    memcpy(out, "dyld_v1   arm64", 16);
    put32(out + 16, MAPPING_OFFSET);
    put32(out + 20, 3);
    for (int i = 0; i < 3; i++) {
        uint8_t *m = out + MAPPING_OFFSET + 32 * i;
        put64(m, map[i].address);
        put64(m + 8, map[i].size);
        put64(m + 16, map[i].file_offset);
        put32(m + 24, map[i].max_prot);
        put32(m + 28, map[i].init_prot);
    }
    uint64_t at = HEADER_SIZE;
    for (int i = 0; i < nlib; i++) {
        memcpy(out + at, lib[i], len[i]);
        at += len[i];
    }
    fill_text(out, (at + 3) & ~3ull, lib, len, nlib);
    fill_linkedit(out + TEXT_SIZE);
    fill_data(out + TEXT_SIZE + LINKEDIT_SIZE);
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", argv[1]);
    FILE *f = fopen(tmp, "wb");
    if (!f || fwrite(out, 1, size, f) != size || fclose(f) != 0 || rename(tmp, argv[1]) != 0) {
        fprintf(stderr, "mkcache: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    return 0;
}
