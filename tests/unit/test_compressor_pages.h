/* Synthetic 16 KB pages for the compressor's unit tests: every kind of page the
 * pool meets, made deterministically from a seed (no host files involved). */
#ifndef TEST_COMPRESSOR_PAGES_H
#define TEST_COMPRESSOR_PAGES_H

#include <stdint.h>
#include <string.h>

#define TP_PAGE 16384u

enum page_kind { PK_ZERO, PK_SINGLE, PK_SPARSE, PK_TEXT, PK_CODE, PK_HEAP, PK_RANDOM, PK_NKINDS };

static const char *const page_kind_names[PK_NKINDS] = {
    "zero", "single", "sparse", "text", "code", "heap", "random",
};

static inline uint64_t tp_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static inline void tp_put32(uint8_t *p, unsigned word, uint32_t v) { memcpy(p + 4 * word, &v, 4); }
static inline void tp_put64(uint8_t *p, unsigned off, uint64_t v) { memcpy(p + off, &v, 8); }

static void tp_text(uint8_t *p, uint64_t *s)
{
    static const char *const words[] = {
        "the", "page", "memory", "compressor", "segment", "of", "a", "to", "and", "is",
        "virtual", "fault", "object", "shadow", "copy", "on", "write", "kernel", "map", "entry",
    };
    unsigned n = 0, col = 0;
    while (n < TP_PAGE) {
        const char *w = words[tp_rand(s) % (sizeof words / sizeof words[0])];
        for (; *w && n < TP_PAGE; w++, col++)
            p[n++] = (uint8_t)*w;
        if (n < TP_PAGE)
            p[n++] = col > 70 ? '\n' : ' ';
        col = col > 70 ? 0 : col + 1;
    }
}

/* AArch64-like instruction words: a few common encodings, mostly with registers
 * and small immediates in the low bits, sometimes with wider fields. */
static void tp_code(uint8_t *p, uint64_t *s)
{
    static const uint32_t ops[] = {
        0xf9400000, 0xf9000000, 0xaa0003e0, 0x91000000, 0x94000000,
        0xd65f03c0, 0xa9bf7bfd, 0xb4000000, 0x52800000, 0xeb00001f,
    };
    for (unsigned i = 0; i < TP_PAGE / 4; i++) {
        uint64_t r = tp_rand(s);
        uint32_t op = ops[r % (sizeof ops / sizeof ops[0])];
        uint32_t fields = (uint32_t)(r >> 16) & ((r >> 60) < 12 ? 0x3ff : 0x3fffff);
        tp_put32(p, i, op | fields);
    }
}

/* A malloc-like heap: 16-byte-aligned blocks of pointers into one region, small
 * integers, doubles, short strings and zero padding. */
static void tp_heap(uint8_t *p, uint64_t *s)
{
    memset(p, 0, TP_PAGE);
    const uint64_t base = 0x000000010a000000ull + ((*s & 0xff) << 20);
    for (unsigned off = 0; off + 16 <= TP_PAGE; off += 16) {
        uint64_t r = tp_rand(s);
        switch (r % 6) {
        case 0:
        case 1:
            tp_put64(p, off, base + ((r >> 8) & 0xfffff0));
            tp_put64(p, off + 8, base + ((r >> 32) & 0xfffff0));
            break;
        case 2:
            tp_put64(p, off, (r >> 40) & 0x3ff);
            tp_put64(p, off + 8, base + ((r >> 8) & 0xffff0));
            break;
        case 3:
            memcpy(p + off, "name_obj", 8);
            tp_put64(p, off + 8, r >> 56);
            break;
        case 4: {
            double d = (double)(r >> 44) / 64.0;
            memcpy(p + off, &d, 8);
            break;
        }
        default:
            break;                                  /* free space */
        }
    }
}

static void make_page(enum page_kind k, uint64_t seed, uint8_t *p)
{
    uint64_t s = seed * 0x9e3779b97f4a7c15ull + 0x1234567;
    if (!s)
        s = 1;
    switch (k) {
    case PK_ZERO:
        memset(p, 0, TP_PAGE);
        break;
    case PK_SINGLE: {
        uint32_t v = (uint32_t)tp_rand(&s) | 1;
        for (unsigned i = 0; i < TP_PAGE / 4; i++)
            tp_put32(p, i, v);
        break;
    }
    case PK_SPARSE: {
        memset(p, 0, TP_PAGE);
        unsigned n = 1 + (unsigned)(tp_rand(&s) % 60);
        for (unsigned k2 = 0; k2 < n; k2++)
            tp_put32(p, (unsigned)(tp_rand(&s) % (TP_PAGE / 4)), (uint32_t)tp_rand(&s) | 1);
        break;
    }
    case PK_TEXT:
        tp_text(p, &s);
        break;
    case PK_CODE:
        tp_code(p, &s);
        break;
    case PK_HEAP:
        tp_heap(p, &s);
        break;
    default:
        for (unsigned i = 0; i < TP_PAGE; i += 8)
            tp_put64(p, i, tp_rand(&s));
        break;
    }
}

#endif
