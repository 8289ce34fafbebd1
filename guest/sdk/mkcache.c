/* guest/sdk/mkcache.c — builds the shared cache the machine maps into every task.
 *
 *   mkcache OUT IMAGE STUBS LIB...
 *
 * IMAGE is the SDK's Mach-O libc and libmach, linked by ld64.lld as one dylib at address
 * 0 with the first section of its __DATA aligned to 64 MB. As dyld's cache builder
 * does, mkcache places it at a fixed address and applies its rebases, so that it runs
 * where it lies with no dyld: its header, __TEXT and __DATA_CONST at IMAGE_BASE in the
 * cache's __TEXT mapping, its __DATA 64 MB further, in the cache's __DATA mapping (which
 * each task gets copy-on-write, so the libraries' state is per task). Into STUBS goes an
 * assembly file for programs to link against: for each exported function a veneer of
 * four instructions (three moves and a br) that branches to the function's address
 * through x16 (AAPCS64's intra-procedure scratch register, which dyld's stubs use too),
 * for each exported variable an absolute symbol, and a section __TEXT,__shared_cache
 * holding the cache's UUID, by which the loader knows the cache the program needs.
 *
 * The file starts with a header laid out as dyld's (dyld_cache_header: a 16-byte
 * magic, then mappingOffset and mappingCount; dyld_cache_mapping_info records of
 * address, size, file offset, max and initial protection; the UUID at offset 0x58, a
 * hash of the placed image). Three mappings, as an arm64 iOS cache has them:
 *   __TEXT      r-x  at 0x180000000: the header, the image, the other libraries given
 *                    (raw bytes: the ELF libmach.a), then more code-like bytes (the
 *                    libraries again, each copy perturbed so that no two pages are
 *                    alike) up to TEXT_SIZE;
 *   __LINKEDIT  r--  right after: a symbol string table and a table of offsets;
 *   __DATA      rw-  at the next 32 MB boundary (the read-only part is nested in
 *                    32 MB twigs): the image's __DATA among pointers into __TEXT,
 *                    counters and zeros.
 * The output is the same for the same inputs. */
#include <errno.h>
#include <stdbool.h>
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
#define UUID_OFFSET   0x58
#define IMAGE_BASE    (BASE + PAGE)
#define IMAGE_DATA_GAP (64ull << 20)   /* the image's __DATA lies this far from its start */

struct mapping { uint64_t address, size, file_offset; uint32_t max_prot, init_prot; };

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t get64(const uint8_t *p) { return get32(p) | (uint64_t)get32(p + 4) << 32; }
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

/* --- the image ------------------------------------------------------------------ */

#define MH_MAGIC_64      0xfeedfacfu
#define MH_DYLIB         6u
#define LC_SEGMENT_64    0x19u
#define LC_SYMTAB        0x2u
#define LC_DYLD_INFO     0x22u
#define LC_DYLD_INFO_ONLY 0x80000022u
#define MAX_SECTIONS     64
#define N_EXT            0x01
#define N_PEXT           0x10
#define N_TYPE           0x0e
#define N_SECT           0x0e
#define S_ATTR_PURE_INSTRUCTIONS 0x80000000u

struct section { char seg[17], name[17]; uint64_t addr, size; uint32_t offset, flags; };

static bool zerofill(const struct section *s)
{
    uint8_t type = s->flags & 0xff;
    return type == 0x1 || type == 0xc || type == 0x12;   /* S_ZEROFILL, S_GB_, S_THREAD_LOCAL_ */
}

struct image {
    const char *path;
    uint8_t *buf;
    size_t len;
    uint64_t segaddr[16];
    int nseg;
    struct section sect[MAX_SECTIONS];
    int nsect;
    uint32_t symoff, nsyms, stroff, strsize, rebase_off, rebase_size, binds;
    uint64_t text_end, data_end;   /* cache addresses past the image's bytes */
};

/* Where address ADDR (LEN bytes) lies in the cache file's bytes, or NULL. */
struct cache { uint8_t *out; uint64_t data_addr; };
static uint8_t *cache_at(const struct cache *c, uint64_t addr, uint64_t len)
{
    if (addr >= BASE && addr + len <= BASE + TEXT_SIZE)
        return c->out + (addr - BASE);
    if (addr >= c->data_addr && addr + len <= c->data_addr + DATA_SIZE)
        return c->out + TEXT_SIZE + LINKEDIT_SIZE + (addr - c->data_addr);
    return NULL;
}

static int image_bad(const struct image *im, const char *why)
{
    fprintf(stderr, "mkcache: %s: %s\n", im->path, why);
    return -1;
}

static bool in_file(const struct image *im, uint64_t off, uint64_t len)
{
    return off <= im->len && len <= im->len - off;
}

static int parse_segment(struct image *im, const uint8_t *c, uint32_t size)
{
    uint32_t nsects = size >= 72 ? get32(c + 64) : 0;
    if (size < 72 || nsects > (size - 72) / 80 || im->nseg == 16 ||
        im->nsect + (int)nsects > MAX_SECTIONS)
        return image_bad(im, "bad LC_SEGMENT_64");
    im->segaddr[im->nseg++] = get64(c + 24);
    for (uint32_t i = 0; i < nsects; i++) {
        const uint8_t *r = c + 72 + 80 * i;
        struct section *s = &im->sect[im->nsect++];
        memcpy(s->name, r, 16);
        memcpy(s->seg, r + 16, 16);
        s->addr = get64(r + 32);
        s->size = get64(r + 40);
        s->offset = get32(r + 48);
        s->flags = get32(r + 64);
        if (!zerofill(s) && !in_file(im, s->offset, s->size))
            return image_bad(im, "a section lies past the end of the file");
    }
    return 0;
}

static int parse_image(struct image *im)
{
    if (im->len < 32 || get32(im->buf) != MH_MAGIC_64 || get32(im->buf + 12) != MH_DYLIB)
        return image_bad(im, "not a 64-bit Mach-O dylib");
    uint32_t ncmds = get32(im->buf + 16), sizeofcmds = get32(im->buf + 20);
    if (!in_file(im, 32, sizeofcmds))
        return image_bad(im, "load commands past the end of the file");
    for (uint32_t i = 0, at = 32; i < ncmds; i++) {
        uint32_t cmd = get32(im->buf + at), size = get32(im->buf + at + 4);
        if (size < 8 || at + size > 32 + sizeofcmds)
            return image_bad(im, "bad load command size");
        const uint8_t *c = im->buf + at;
        if (cmd == LC_SEGMENT_64 && parse_segment(im, c, size) < 0)
            return -1;
        if (cmd == LC_SYMTAB && size >= 24) {
            im->symoff = get32(c + 8), im->nsyms = get32(c + 12);
            im->stroff = get32(c + 16), im->strsize = get32(c + 20);
        }
        if ((cmd == LC_DYLD_INFO || cmd == LC_DYLD_INFO_ONLY) && size >= 48) {
            im->rebase_off = get32(c + 8), im->rebase_size = get32(c + 12);
            im->binds = get32(c + 20) | get32(c + 28) | get32(c + 36);
        }
        at += size;
    }
    if (im->binds)
        return image_bad(im, "imports symbols (bind information): link it with everything it needs");
    if (!in_file(im, im->symoff, (uint64_t)im->nsyms * 16) || !in_file(im, im->stroff, im->strsize) ||
        !in_file(im, im->rebase_off, im->rebase_size))
        return image_bad(im, "symbol or rebase table past the end of the file");
    return 0;
}

/* The header and every section at IMAGE_BASE + its address; each must land in a mapping. */
static int place_image(struct image *im, const struct cache *c)
{
    uint32_t hdr = 32 + get32(im->buf + 20);
    memcpy(c->out + (IMAGE_BASE - BASE), im->buf, hdr);
    im->text_end = IMAGE_BASE + hdr;
    im->data_end = c->data_addr;
    for (int i = 0; i < im->nsect; i++) {
        const struct section *s = &im->sect[i];
        uint64_t at = IMAGE_BASE + s->addr;
        uint8_t *to = cache_at(c, at, s->size);
        if (!to) {
            fprintf(stderr, "mkcache: %s: section %s,%s at 0x%llx is in no mapping of the cache\n",
                    im->path, s->seg, s->name, (unsigned long long)at);
            return -1;
        }
        if (zerofill(s))
            memset(to, 0, s->size);
        else
            memcpy(to, im->buf + s->offset, s->size);
        uint64_t *end = at >= c->data_addr ? &im->data_end : &im->text_end;
        if (at + s->size > *end)
            *end = at + s->size;
    }
    return 0;
}

static uint64_t uleb(const struct image *im, uint32_t *at, uint32_t end)
{
    uint64_t v = 0;
    for (int shift = 0; *at < end && shift < 64; shift += 7) {
        uint8_t b = im->buf[(*at)++];
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
    }
    return v;
}

static int rebase_at(const struct image *im, const struct cache *c, int seg, uint64_t off)
{
    uint8_t *p = seg < im->nseg ? cache_at(c, IMAGE_BASE + im->segaddr[seg] + off, 8) : NULL;
    if (!p)
        return image_bad(im, "a rebase lies outside the cache's mappings");
    put64(p, get64(p) + IMAGE_BASE);
    return 0;
}

/* The rebase opcodes of LC_DYLD_INFO: every pointer moves by IMAGE_BASE, as the whole
 * image does. */
static int apply_rebases(const struct image *im, const struct cache *c)
{
    uint32_t at = im->rebase_off, end = im->rebase_off + im->rebase_size;
    int seg = 0;
    uint64_t off = 0;
    while (at < end) {
        uint8_t op = im->buf[at] & 0xf0, imm = im->buf[at] & 0x0f;
        uint64_t n = 0, skip = 0;
        at++;
        switch (op) {
        case 0x00: return 0;                                            /* DONE */
        case 0x10: if (imm != 1) return image_bad(im, "rebase of a non-pointer"); continue;
        case 0x20: seg = imm; off = uleb(im, &at, end); continue;       /* SET_SEGMENT_AND_OFFSET */
        case 0x30: off += uleb(im, &at, end); continue;                 /* ADD_ADDR_ULEB */
        case 0x40: off += imm * 8ull; continue;                         /* ADD_ADDR_IMM_SCALED */
        case 0x50: n = imm; break;                                      /* DO_REBASE_IMM_TIMES */
        case 0x60: n = uleb(im, &at, end); break;                       /* DO_REBASE_ULEB_TIMES */
        case 0x70: n = 1; skip = uleb(im, &at, end); break;             /* DO_REBASE_ADD_ADDR_ULEB */
        case 0x80: n = uleb(im, &at, end); skip = uleb(im, &at, end); break;
        default: return image_bad(im, "unknown rebase opcode");
        }
        if (n > (1u << 24))
            return image_bad(im, "absurd rebase count");
        for (; n; n--, off += 8 + skip)
            if (rebase_at(im, c, seg, off) < 0)
                return -1;
    }
    return 0;
}

/* The UUID: two FNV-1a hashes of the placed image, so that a program linked against
 * one build of the cache is refused by another. */
static void image_uuid(const struct image *im, const struct cache *c, uint8_t uuid[16])
{
    uint64_t h[2] = { 0xcbf29ce484222325ull, 0x84222325cbf29ce4ull };
    for (int k = 0; k < 2; k++) {
        for (uint64_t a = IMAGE_BASE; a < im->text_end; a++)
            h[k] = (h[k] ^ *cache_at(c, a, 1)) * 0x100000001b3ull;
        for (uint64_t a = c->data_addr; a < im->data_end; a++)
            h[k] = (h[k] ^ *cache_at(c, a, 1) ^ (uint8_t)k) * 0x100000001b3ull;
    }
    put64(uuid, h[0]);
    put64(uuid + 8, h[1]);
}

static bool is_code(const struct image *im, uint8_t n_sect)
{
    return n_sect >= 1 && n_sect <= im->nsect && im->sect[n_sect - 1].flags & S_ATTR_PURE_INSTRUCTIONS;
}

/* The stubs file programs link against (see the top of this file). */
static int write_stubs(const struct image *im, const char *path, const uint8_t uuid[16])
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "// Generated by mkcache: the shared cache's exports, for machemu-cc --macho.\n"
               "\t.section __TEXT,__shared_cache\n\t.no_dead_strip __shared_cache_uuid\n"
               "__shared_cache_uuid:\n\t.quad 0x%016llx, 0x%016llx\n"
               "\t.section __TEXT,__text,regular,pure_instructions\n",
            (unsigned long long)get64(uuid), (unsigned long long)get64(uuid + 8));
    for (uint32_t i = 0; i < im->nsyms; i++) {
        const uint8_t *n = im->buf + im->symoff + 16ull * i;
        uint32_t strx = get32(n);
        uint8_t type = n[4];
        if (!(type & N_EXT) || (type & N_PEXT) || (type & N_TYPE) != N_SECT || strx >= im->strsize ||
            !memchr(im->buf + im->stroff + strx, 0, im->strsize - strx))
            continue;
        const char *name = (const char *)im->buf + im->stroff + strx;
        uint64_t addr = IMAGE_BASE + get64(n + 8);
        if (!is_code(im, n[5])) {
            fprintf(f, "\t.globl %s\n%s = 0x%llx\n", name, name, (unsigned long long)addr);
            continue;
        }
        /* Weak and private: a program's own definition of the name wins, as it would
         * over a dylib's, and no binding is asked of a dyld that is not there. */
        fprintf(f, "\t.globl %s\n\t.private_extern %s\n\t.weak_definition %s\n\t.p2align 2\n%s:\n",
                name, name, name, name);
        for (int k = 0; k < 3; k++)        /* user addresses have 47 bits */
            fprintf(f, "\t%s x16, #0x%llx%s\n", k ? "movk" : "movz",
                    (unsigned long long)(addr >> 16 * k & 0xffff),
                    k == 1 ? ", lsl #16" : k == 2 ? ", lsl #32" : "");
        fprintf(f, "\tbr x16\n");
    }
    return fclose(f);
}

static void write_header(const struct cache *c)
{
    const struct mapping map[] = {
        { BASE, TEXT_SIZE, 0, 5, 5 },
        { BASE + TEXT_SIZE, LINKEDIT_SIZE, TEXT_SIZE, 1, 1 },
        { c->data_addr, DATA_SIZE, TEXT_SIZE + LINKEDIT_SIZE, 3, 3 },
    };
    memcpy(c->out, "dyld_v1   arm64", 16);
    put32(c->out + 16, MAPPING_OFFSET);
    put32(c->out + 20, 3);
    for (int i = 0; i < 3; i++) {
        uint8_t *m = c->out + MAPPING_OFFSET + 32 * i;
        put64(m, map[i].address);
        put64(m + 8, map[i].size);
        put64(m + 16, map[i].file_offset);
        put32(m + 24, map[i].max_prot);
        put32(m + 28, map[i].init_prot);
    }
}

/* The raw libraries path[1..n-1] into __TEXT from *at on; lib[0] is already set. */
static int copy_libs(const struct cache *c, uint64_t *at, char **path, uint8_t **lib,
                     size_t *len, int n)
{
    for (int i = 1; i < n; i++) {
        if (!(lib[i] = slurp(path[i], &len[i])) || len[i] < 4) {
            fprintf(stderr, "mkcache: %s: %s\n", path[i], lib[i] ? "too short" : strerror(errno));
            return -1;
        }
        if (len[i] > TEXT_SIZE - *at) {
            fprintf(stderr, "mkcache: the libraries do not fit in %llu MB\n",
                    (unsigned long long)(TEXT_SIZE >> 20));
            return -1;
        }
        memcpy(c->out + *at, lib[i], len[i]);
        *at += len[i];
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: mkcache OUT IMAGE STUBS LIB...\n");
        return 2;
    }
    int nlib = argc - 3;           /* lib[0]: the image's placed text, for the padding */
    uint8_t **lib = calloc((size_t)nlib, sizeof *lib);
    size_t *len = calloc((size_t)nlib, sizeof *len);
    struct image im = { .path = argv[2] };
    uint64_t size = TEXT_SIZE + LINKEDIT_SIZE + DATA_SIZE;
    struct cache c = { .out = calloc(1, size),
                       .data_addr = (BASE + TEXT_SIZE + LINKEDIT_SIZE + TWIG - 1) & ~(TWIG - 1) };
    if (!c.out || !lib || !len) {
        fprintf(stderr, "mkcache: out of memory\n");
        return 1;
    }
    if (!(im.buf = slurp(im.path, &im.len))) {
        fprintf(stderr, "mkcache: %s: %s\n", im.path, strerror(errno));
        return 1;
    }
    write_header(&c);
    fill_linkedit(c.out + TEXT_SIZE);
    fill_data(c.out + TEXT_SIZE + LINKEDIT_SIZE);
    if (parse_image(&im) < 0 || place_image(&im, &c) < 0 || apply_rebases(&im, &c) < 0)
        return 1;
    lib[0] = c.out + (IMAGE_BASE - BASE);
    len[0] = im.text_end - IMAGE_BASE;
    uint64_t at = (im.text_end - BASE + 15) & ~15ull;
    if (copy_libs(&c, &at, argv + 3, lib, len, nlib) < 0)
        return 1;
    fill_text(c.out, (at + 3) & ~3ull, lib, len, nlib);
    uint8_t uuid[16];
    image_uuid(&im, &c, uuid);
    memcpy(c.out + UUID_OFFSET, uuid, sizeof uuid);
    if (write_stubs(&im, argv[3], uuid) != 0) {
        fprintf(stderr, "mkcache: %s: %s\n", argv[3], strerror(errno));
        return 1;
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", argv[1]);
    FILE *f = fopen(tmp, "wb");
    if (!f || fwrite(c.out, 1, size, f) != size || fclose(f) != 0 || rename(tmp, argv[1]) != 0) {
        fprintf(stderr, "mkcache: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    return 0;
}
