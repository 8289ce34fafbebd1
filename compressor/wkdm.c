/* compressor/wkdm.c — WKdm for 16 KB pages (format in wkdm.h): the portable loops,
 * the shortcuts, and the choice of the SSE4.1 loops (wkdm_x86.c) where they run.
 *
 * Speed comes from keeping both inner loops free of data-dependent branches: the
 * compressor classifies every word with flag arithmetic and writes each of its
 * candidate outputs unconditionally, advancing only the right cursor; the
 * decompressor validates the whole input first (tag counts must match the area
 * sizes exactly), then decodes every word with masks selected by its tag. The
 * packing of tags (2 bits) and indices (4 bits) works eight fields at a time in a
 * 64-bit register. */
#include <threads.h>

#include "compressor/wkdm_impl.h"

/* The dictionary entry for bits 17:10 of a word is ((bits * 173) >> 4) mod 16: every
 * entry serves 16 of the 256 rows. Among the multipliers that are cheap in SIMD,
 * 173 gave the best ratios on python3 and perl heaps (+5% over a linear mix of
 * the two nibbles) with no loss on synthetic heaps; see BENCHMARKS.md. */
const uint8_t wkdm_hash_slot[256] = {
     0, 10,  5,  0, 11,  6,  0, 11,  6,  1, 12,  6,  1, 12,  7,  2,
    13,  7,  2, 13,  8,  3, 13,  8,  3, 14,  9,  3, 14,  9,  4, 15,
    10,  4, 15, 10,  5,  0, 10,  5,  0, 11,  6,  0, 11,  6,  1, 12,
     7,  1, 12,  7,  2, 13,  7,  2, 13,  8,  3, 13,  8,  3, 14,  9,
     4, 14,  9,  4, 15, 10,  4, 15, 10,  5,  0, 10,  5,  0, 11,  6,
     1, 11,  6,  1, 12,  7,  1, 12,  7,  2, 13,  7,  2, 13,  8,  3,
    14,  8,  3, 14,  9,  4, 14,  9,  4, 15, 10,  4, 15, 10,  5,  0,
    11,  5,  0, 11,  6,  1, 11,  6,  1, 12,  7,  1, 12,  7,  2, 13,
     8,  2, 13,  8,  3, 14,  8,  3, 14,  9,  4, 14,  9,  4, 15, 10,
     5, 15, 10,  5,  0, 11,  5,  0, 11,  6,  1, 11,  6,  1, 12,  7,
     2, 12,  7,  2, 13,  8,  2, 13,  8,  3, 14,  8,  3, 14,  9,  4,
    15,  9,  4, 15, 10,  5, 15, 10,  5,  0, 11,  5,  0, 11,  6,  1,
    12,  6,  1, 12,  7,  2, 12,  7,  2, 13,  8,  2, 13,  8,  3, 14,
     9,  3, 14,  9,  4, 15,  9,  4, 15, 10,  5, 15, 10,  5,  0, 11,
     6,  0, 11,  6,  1, 12,  6,  1, 12,  7,  2, 12,  7,  2, 13,  8,
     3, 13,  8,  3, 14,  9,  3, 14,  9,  4, 15,  9,  4, 15, 10,  5,
};

static once_flag loops_once = ONCE_FLAG_INIT;
static enum wkdm_loops best_loops, loops;

static void loops_init(void)
{
#if WKDM_X86
    best_loops = wkdm_x86_best();
#else
    best_loops = WKDM_LOOPS_PORTABLE;
#endif
    loops = best_loops;
}

static enum wkdm_loops current_loops(void)
{
    call_once(&loops_once, loops_init);
    return loops;
}

enum wkdm_loops wkdm_set_loops(enum wkdm_loops limit)
{
    call_once(&loops_once, loops_init);
    loops = limit < best_loops ? limit : best_loops;
    return loops;
}

const char *wkdm_loops_name(enum wkdm_loops l)
{
    switch (l) {
    case WKDM_LOOPS_SSE41:
        return "SSE4.1";
    case WKDM_LOOPS_AVX512:
        return "AVX-512";
    default:
        return "portable C";
    }
}

/* Byte arrays of small fields are packed through 64-bit registers whose byte k is
 * array element k, whatever the host's byte order. */
static inline uint64_t load_le64(const uint8_t *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return load64(p);
#else
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
#endif
}

static inline void store_le64(uint8_t *p, uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(p, &v, 8);
#else
    for (int i = 0; i < 8; i++, v >>= 8)
        p[i] = (uint8_t)v;
#endif
}

/* Eight 2-bit fields, one per byte, to 16 bits, and back. */
static inline uint32_t pack8_tags(uint64_t x)
{
    x = (x | x >> 6) & 0x000f000f000f000full;
    x = (x | x >> 12) & 0x000000ff000000ffull;
    return (uint32_t)((x | x >> 24) & 0xffff);
}

static inline uint64_t unpack8_tags(uint64_t x)
{
    x = (x | x << 24) & 0x000000ff000000ffull;
    x = (x | x << 12) & 0x000f000f000f000full;
    return (x | x << 6) & 0x0303030303030303ull;
}

/* Eight 4-bit fields, one per byte, to 32 bits, and back. */
static inline uint32_t pack8_nibbles(uint64_t x)
{
    x = (x | x >> 4) & 0x00ff00ff00ff00ffull;
    x = (x | x >> 8) & 0x0000ffff0000ffffull;
    return (uint32_t)(x | x >> 16);
}

static inline uint64_t unpack8_nibbles(uint64_t x)
{
    x = (x | x << 16) & 0x0000ffff0000ffffull;
    x = (x | x << 8) & 0x00ff00ff00ff00ffull;
    return (x | x << 4) & 0x0f0f0f0f0f0f0f0full;
}

static inline size_t sparse_bytes(unsigned nonzero) { return (4 + 6 * (size_t)nonzero + 3) & ~(size_t)3; }

/* ---- single value -------------------------------------------------------- */

int wkdm_single(const void *page, uint32_t *value)
{
    const uint8_t *in = page;
    uint32_t v = load32(in);
    uint64_t pattern = v | (uint64_t)v << 32;
    /* Blocks, so that an ordinary page is rejected after its first 512 bytes. */
    for (unsigned b = 0; b < WKDM_PAGE_SIZE; b += 512) {
        uint64_t diff = 0;
        for (unsigned k = 0; k < 512; k += 8)
            diff |= load64(in + b + k) ^ pattern;
        if (diff)
            return 0;
    }
    *value = v;
    return 1;
}

void wkdm_fill(void *page, uint32_t value)
{
    uint8_t *p = page;
    for (unsigned i = 0; i < WKDM_PAGE_SIZE; i += 4)
        store32(p + i, value);
}

/* ---- sparse form ---------------------------------------------------------- */

static unsigned count_nonzero(const uint8_t *in)
{
    unsigned n = 0;
    for (unsigned i = 0; i < WKDM_PAGE_SIZE; i += 4)
        n += load32(in + i) != 0;
    return n;
}

static size_t sparse_encode(const uint8_t *in, unsigned nonzero, uint8_t *out)
{
    uint8_t *words = out + 4, *offsets = words + 4 * (size_t)nonzero;
    unsigned n = 0;
    store32(out, SPARSE_MAGIC | nonzero);
    for (unsigned i = 0; i < WKDM_PAGE_WORDS; i++) {
        uint32_t w = load32(in + 4 * i);
        if (w) {
            uint16_t off = (uint16_t)i;
            store32(words + 4 * n, w);
            memcpy(offsets + 2 * n, &off, 2);
            n++;
        }
    }
    size_t len = sparse_bytes(nonzero);
    memset(offsets + 2 * (size_t)n, 0, len - (size_t)(offsets + 2 * n - out));
    return len;
}

static int sparse_decode(const uint8_t *in, size_t len, uint8_t *page)
{
    unsigned n = load32(in) & ~MAGIC_MASK;
    if (n == 0 || n > WKDM_PAGE_WORDS || len != sparse_bytes(n))
        return -1;
    const uint8_t *words = in + 4, *offsets = words + 4 * (size_t)n;
    memset(page, 0, WKDM_PAGE_SIZE);
    int last = -1;
    for (unsigned k = 0; k < n; k++) {
        uint16_t off;
        memcpy(&off, offsets + 2 * k, 2);
        if (off >= WKDM_PAGE_WORDS || (int)off <= last)
            return -1;
        last = off;
        memcpy(page + 4 * (size_t)off, words + 4 * k, 4);
    }
    return 0;
}

/* ---- dense form: compression ---------------------------------------------- */

static inline bool zero_group(const uint8_t *p)
{
    return (load64(p) | load64(p + 8) | load64(p + 16) | load64(p + 24) | load64(p + 32) |
            load64(p + 40) | load64(p + 48) | load64(p + 56)) == 0;
}

/* The dictionary has a 17th entry that only ZERO words write, so that no word ever
 * has to load what a ZERO word stored. Lows keep the word's whole low half; packing
 * masks them. */
static void scan_block(const uint8_t *restrict in, unsigned from, struct dense_enc *restrict e)
{
    uint32_t *restrict dict = e->dict, *restrict miss = e->miss;
    uint8_t *restrict idx = e->idx;
    uint16_t *restrict low = e->low;
    unsigned nmiss = e->nmiss, nidx = e->nidx, nlow = e->nlow;
    for (unsigned g = from; g < from + BLOCK_WORDS; g += 16) {
        uint8_t tags[16];
        if (zero_group(in + 4 * g)) {
            store32(e->tagbits + g / 4, 0);
            continue;
        }
        for (unsigned i = 0; i < 16; i++) {
            uint32_t w = load32(in + 4 * (g + i));
            unsigned h = hash_of(w);
            uint32_t x = dict[h] ^ w;
            unsigned nonzero = w != 0;
            unsigned tag = (2 - ((x >> LOW_BITS) == 0) + 2 * (x == 0)) * nonzero;
            tags[i] = (uint8_t)tag;
            idx[nidx] = (uint8_t)h;
            nidx += tag & 1;                               /* PARTIAL or EXACT */
            low[nlow] = (uint16_t)w;
            nlow += tag == TAG_PARTIAL;
            miss[nmiss] = w;
            nmiss += tag == TAG_MISS;
            dict[nonzero ? h : 16] = w;
        }
        store32(e->tagbits + g / 4, pack8_tags(load_le64(tags)) | pack8_tags(load_le64(tags + 8)) << 16);
    }
    e->nmiss = nmiss, e->nidx = nidx, e->nlow = nlow;
}

/* Classifies the page; 0, or -1 once the dense output is known to exceed budget. */
static int dense_scan(const uint8_t *in, struct dense_enc *e, size_t budget)
{
    for (unsigned i = 0; i < 17; i++)
        e->dict[i] = 1;
    e->nmiss = e->nidx = e->nlow = 0;
    enum wkdm_loops loops_now = current_loops();
    for (unsigned b = 0; b < WKDM_PAGE_WORDS; b += BLOCK_WORDS) {
#if WKDM_X86
        if (loops_now == WKDM_LOOPS_AVX512)
            wkdm_avx512_scan_block(in, b, e);
        else if (loops_now == WKDM_LOOPS_SSE41)
            wkdm_x86_scan_block(in, b, e);
        else
#endif
            scan_block(in, b, e);
        if (dense_bytes(e->nmiss, e->nidx, e->nlow) > budget)
            return -1;
    }
    (void)loops_now;
    return 0;
}

static size_t dense_pack(struct dense_enc *e, uint8_t *out)
{
    uint32_t miss_end = FIXED_WORDS + e->nmiss;
    uint32_t idx_end = miss_end + (e->nidx + 7) / 8;
    uint32_t low_end = idx_end + (e->nlow + 2) / 3;
    store32(out, DENSE_MAGIC | miss_end);
    store32(out + 4, idx_end);
    store32(out + 8, low_end);
    uint8_t *p = out + 4 * HDR_WORDS;
    memcpy(p, e->tagbits, sizeof e->tagbits);
    p += sizeof e->tagbits;

    memcpy(p, e->miss, 4 * (size_t)e->nmiss);
    p += 4 * (size_t)e->nmiss;

    memset(e->idx + e->nidx, 0, 8);
    for (unsigned k = 0; k < e->nidx; k += 8, p += 4)
        store32(p, pack8_nibbles(load_le64(e->idx + k)));

    memset(e->low + e->nlow, 0, 3 * sizeof e->low[0]);
    for (unsigned k = 0; k < e->nlow; k += 3, p += 4)
        store32(p, (e->low[k] & LOW_MASK) | (uint32_t)(e->low[k + 1] & LOW_MASK) << 10 |
                       (uint32_t)(e->low[k + 2] & LOW_MASK) << 20);
    return (size_t)(p - out);
}

int wkdm_compress(const void *page, void *out, size_t budget, uint32_t *single)
{
    const uint8_t *in = page;
    if (wkdm_single(in, single))
        return 0;
    struct dense_enc e;
    if (dense_scan(in, &e, budget) < 0) {
        unsigned nonzero = count_nonzero(in);
        if (sparse_bytes(nonzero) > budget)
            return -1;
        return (int)sparse_encode(in, nonzero, out);
    }
    unsigned nonzero = e.nmiss + e.nidx;              /* every other word is ZERO */
    if (sparse_bytes(nonzero) < dense_bytes(e.nmiss, e.nidx, e.nlow))
        return (int)sparse_encode(in, nonzero, out);
    return (int)dense_pack(&e, out);
}

/* ---- dense form: decompression -------------------------------------------- */

struct dense_dec {
    uint8_t tags[WKDM_PAGE_WORDS];
    uint8_t idx[WKDM_PAGE_WORDS + PAD];
    uint16_t low[WKDM_PAGE_WORDS + PAD];
    uint32_t miss[WKDM_PAGE_WORDS + 1];
};

/* Reads the header; 0, or -1 if the areas cannot be those of a len-byte input. */
static int dense_header(const uint8_t *in, size_t len, struct dense_view *v)
{
    v->miss_end = load32(in) & ~MAGIC_MASK;
    v->idx_end = load32(in + 4);
    v->low_end = load32(in + 8);
    if (len < WKDM_DENSE_MIN || v->low_end != len / 4 || v->idx_end > v->low_end ||
        v->miss_end > v->idx_end || v->miss_end < FIXED_WORDS)
        return -1;
    return 0;
}

/* Sum of the 8 byte lanes of x (each lane < 256, sum < 65536). */
static inline unsigned lane_sum(uint64_t x)
{
    x = (x & 0x00ff00ff00ff00ffull) + (x >> 8 & 0x00ff00ff00ff00ffull);
    return (unsigned)((x * 0x0001000100010001ull) >> 48);
}

/* Unpacks the tags and counts MISS, PARTIAL and (PARTIAL or EXACT) tags. */
static void unpack_tags(const uint8_t *in, struct dense_dec *d, struct dense_view *v)
{
    const uint64_t ones = 0x0101010101010101ull;
    unsigned nmiss = 0, nidx = 0, nlow = 0;
    for (unsigned base = 0; base < WKDM_PAGE_WORDS; base += 1024) {
        uint64_t miss = 0, idx = 0, low = 0;      /* byte lanes count to at most 128 */
        for (unsigned k = base; k < base + 1024; k += 16) {
            uint32_t w = load32(in + 4 * HDR_WORDS + k / 4);
            uint64_t a = unpack8_tags(w & 0xffff), b = unpack8_tags(w >> 16);
            store_le64(d->tags + k, a);
            store_le64(d->tags + k + 8, b);
            miss += (a >> 1 & ~a & ones) + (b >> 1 & ~b & ones);
            idx += (a & ones) + (b & ones);
            low += (a & ~(a >> 1) & ones) + (b & ~(b >> 1) & ones);
        }
        nmiss += lane_sum(miss), nidx += lane_sum(idx), nlow += lane_sum(low);
    }
    v->nmiss = nmiss, v->nidx = nidx, v->nlow = nlow;
}

/* Unpacks the tags, checks them against the areas and unpacks every area; 0 or -1. */
static int dense_unpack(const uint8_t *in, struct dense_view *v, struct dense_dec *d)
{
    unpack_tags(in, d, v);
    if (!dense_areas_match(v))
        return -1;
    memcpy(d->miss, in + 4 * (size_t)FIXED_WORDS, 4 * (size_t)v->nmiss);
    d->miss[v->nmiss] = 0;
    const uint8_t *p = in + 4 * (size_t)v->miss_end;
    for (unsigned k = 0; k < v->nidx; k += 8, p += 4)
        store_le64(d->idx + k, unpack8_nibbles(load32(p)));
    d->idx[v->nidx] = 0;
    d->low[v->nlow] = 0;
    for (unsigned k = 0; k < v->nlow; k += 3, p += 4) {
        uint32_t w = load32(p);
        d->low[k] = w & LOW_MASK;
        d->low[k + 1] = w >> 10 & LOW_MASK;
        d->low[k + 2] = w >> 20 & LOW_MASK;
    }
    return 0;
}

/* What a tag makes of a word: (its entry & keep) | (low bits & low) | (MISS word &
 * miss); the entry it writes, ORed with `sink` (EXACT and ZERO words write 16-31,
 * which nothing reads, so that runs of EXACT words on one entry are not a chain of
 * store-to-load forwards); how far it moves each stream. */
struct tag_action {
    uint32_t keep, low, miss;
    uint8_t sink, miss_step, idx_step, low_step;
};

static const struct tag_action tag_actions[4] = {
    [TAG_ZERO] = { 0, 0, 0, 16, 0, 0, 0 },
    [TAG_PARTIAL] = { ~LOW_MASK, LOW_MASK, 0, 0, 0, 1, 1 },
    [TAG_MISS] = { 0, 0, ~0u, 0, 1, 0, 0 },
    [TAG_EXACT] = { ~0u, 0, 0, 16, 0, 1, 0 },
};

/* Selects are written as masks: with ?: the compiler may branch on the tag, which
 * mispredicts on every other word. */
static void dense_decode(const struct dense_dec *restrict d, uint8_t *restrict page)
{
    uint32_t dict[32];
    for (unsigned i = 0; i < 32; i++)
        dict[i] = 1;
    const uint32_t *mp = d->miss;
    const uint8_t *ip = d->idx, *tp = d->tags, *end = d->tags + WKDM_PAGE_WORDS;
    const uint16_t *lp = d->low;
    for (uint8_t *out = page; tp < end; ) {
        if ((load64(tp) | load64(tp + 8)) == 0) {
            memset(out, 0, 64);
            tp += 16, out += 64;
            continue;
        }
        for (const uint8_t *group_end = tp + 16; tp < group_end; tp++, out += 4) {
            const struct tag_action *a = &tag_actions[*tp];
            uint32_t m = *mp;
            unsigned x = *ip;
            unsigned h = x ^ ((x ^ hash_of(m)) & a->miss);
            uint32_t v = (dict[h] & a->keep) | (*lp & a->low) | (m & a->miss);
            dict[h | a->sink] = v;
            store32(out, v);
            mp += a->miss_step;
            ip += a->idx_step;
            lp += a->low_step;
        }
    }
}

static int dense_decompress(const uint8_t *in, size_t len, uint8_t *page)
{
    struct dense_view v;
    if (dense_header(in, len, &v) < 0)
        return -1;
    /* All of it at once: the passes below read its areas one after another. */
    for (size_t off = 64; off < len; off += 64)
        __builtin_prefetch(in + off);
#if WKDM_X86
    enum wkdm_loops l = current_loops();
    if (l != WKDM_LOOPS_PORTABLE)
        return wkdm_x86_decode(in, &v, page, l == WKDM_LOOPS_AVX512);
#endif
    struct dense_dec d;
    if (dense_unpack(in, &v, &d) < 0)
        return -1;
    dense_decode(&d, page);
    return 0;
}

enum wkdm_form wkdm_form_of(const void *in, size_t len)
{
    if (len < 4 || len % 4)
        return WKDM_FORM_INVALID;
    uint32_t magic = load32(in) & MAGIC_MASK;
    if (magic == DENSE_MAGIC && len >= WKDM_DENSE_MIN)
        return WKDM_FORM_DENSE;
    if (magic == SPARSE_MAGIC)
        return WKDM_FORM_SPARSE;
    return WKDM_FORM_INVALID;
}

int wkdm_decompress(const void *in, size_t len, void *page)
{
    switch (wkdm_form_of(in, len)) {
    case WKDM_FORM_DENSE:
        return dense_decompress(in, len, page);
    case WKDM_FORM_SPARSE:
        return sparse_decode(in, len, page);
    default:
        return -1;
    }
}
