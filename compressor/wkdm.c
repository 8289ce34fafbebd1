/* compressor/wkdm.c — WKdm for 16 KB pages (format in wkdm.h): the portable loops,
 * XNU's rules for the form, the budget and the early abort, and the choice of the
 * x86 loops where they run.
 *
 * Speed comes from keeping both inner loops free of data-dependent branches: the
 * compressor classifies every word with flag arithmetic and writes each of its
 * candidate outputs unconditionally, advancing only the right cursor; the
 * decompressor validates the whole input first (tag counts must match the area
 * sizes exactly), then decodes every word with masks selected by its tag. */
#include <stdio.h>
#include <threads.h>
#include <time.h>

#include "compressor/wkdm_impl.h"

/* XNU's dictionary slot for bits 17:10 of a word (WKdmData.s keeps byte offsets,
 * four times these). */
const uint8_t wkdm_hash_slot[256] = {
     0, 13,  2, 14,  4,  3,  7,  5,  1,  9, 12,  6, 11, 10,  8, 15,
     2,  3,  7,  5,  1, 15,  4,  9,  6, 12, 11,  8, 13, 14, 10,  3,
     2, 12,  4, 13, 15,  7, 14,  8,  5,  6,  9, 10, 11,  1,  2, 10,
    15,  8,  5, 11,  1,  9, 13,  6,  4, 14, 12,  3,  7,  4,  2, 10,
     9,  7,  8,  3,  1, 11, 13,  5,  6, 12, 15, 14, 10, 12,  2,  8,
     7,  9,  1, 11,  5, 14, 15,  6, 13,  4,  3,  3,  1, 12,  5,  2,
    13,  4, 15,  6,  9, 11,  7, 14, 10,  8,  9,  5,  6, 15, 10, 11,
    13,  4,  8,  1, 12,  2,  7, 14,  3,  7,  8, 10, 13,  9,  4,  5,
    12,  2,  1, 15,  6, 14, 11,  3,  2,  9,  6,  7,  4, 15,  5, 14,
     8, 10, 12,  3,  1, 11, 13, 11, 10,  3, 14,  2,  9,  6, 15,  7,
    12,  1,  8,  5,  4, 13, 15,  3,  6,  9,  2,  1,  4, 14, 12, 11,
    10, 13,  8,  5,  7,  8,  3,  9,  7,  6, 14, 10,  4, 13, 11,  1,
     5, 15,  2, 12, 12, 13,  3,  5,  8, 11,  9,  7,  1, 10,  6,  2,
    14, 15,  4,  9,  8,  2, 10,  1, 13,  6, 11,  5,  3,  7, 12, 14,
     4, 15,  1, 13, 15, 12,  5,  4, 14, 11,  6,  2, 10,  3,  8,  7,
     9,  6,  8,  3,  1,  5,  4, 15,  9,  7,  2, 13, 10, 12, 11, 14,
};

/* XNU's early abort: a check after this many words, and the most bytes the misses,
 * indices and low bits of those words may take (its estimate, see dense_estimate). */
#define CHECKPOINT_WORDS 416u
#define CHECKPOINT_LIMIT 1600u

static const char *const loops_names[WKDM_NLOOPS] = {
    [WKDM_LOOPS_PORTABLE] = "portable",
    [WKDM_LOOPS_SSE41] = "sse4.1",
    [WKDM_LOOPS_AVX2] = "avx2",
    [WKDM_LOOPS_AVX512] = "avx512",
};

static once_flag loops_once = ONCE_FLAG_INIT;
static enum wkdm_loops loops;

bool wkdm_loops_usable(enum wkdm_loops l)
{
    switch (l) {
    case WKDM_LOOPS_PORTABLE:
        return true;
#if WKDM_X86
    case WKDM_LOOPS_SSE41:
        return wkdm_sse41_usable();
    case WKDM_LOOPS_AVX2:
        return wkdm_avx2_usable();
    case WKDM_LOOPS_AVX512:
        return wkdm_avx512_usable();
#endif
    default:
        return false;
    }
}

static enum wkdm_loops measure_loops(void);

static void loops_init(void)
{
    loops = measure_loops();
}

enum wkdm_loops wkdm_loops_current(void)
{
    call_once(&loops_once, loops_init);
    return loops;
}

enum wkdm_loops wkdm_set_loops(enum wkdm_loops limit)
{
    call_once(&loops_once, loops_init);
    int l = limit < WKDM_NLOOPS ? (int)limit : WKDM_NLOOPS - 1;
    while (l > 0 && !wkdm_loops_usable((enum wkdm_loops)l))
        l--;
    loops = (enum wkdm_loops)l;
    return loops;
}

const char *wkdm_loops_name(enum wkdm_loops l)
{
    return (unsigned)l < WKDM_NLOOPS ? loops_names[l] : "?";
}

int wkdm_loops_parse(const char *name, enum wkdm_loops *l)
{
    for (int i = 0; i < WKDM_NLOOPS; i++)
        if (strcmp(name, loops_names[i]) == 0) {
            *l = (enum wkdm_loops)i;
            return 0;
        }
    return -1;
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

/* Eight 2-bit fields, one per byte, to 16 bits in order, and back. */
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

/* Eight 4-bit fields, one per byte, to a word of the format (fields 0-3 in the low
 * nibbles of its bytes, 4-7 in the high ones), and back. */
static inline uint32_t pack8_nibbles(uint64_t x) { return (uint32_t)(x | x >> 28); }

static inline uint64_t unpack8_nibbles(uint32_t w)
{
    return (uint64_t)(w & 0x0f0f0f0fu) | (uint64_t)(w >> 4 & 0x0f0f0f0fu) << 32;
}

static inline size_t sparse_bytes(unsigned nonzero) { return 4 + 6 * (size_t)nonzero; }

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

static inline bool zero_group(const uint8_t *p);

/* Pages take this form when mostly zero: whole zero groups are passed over at once. */
static size_t sparse_encode(const uint8_t *in, uint8_t *out)
{
    uint8_t *p = out + 4;
    store32(out, WKDM_SPARSE_MAGIC);
    for (unsigned group = 0; group < WKDM_PAGE_SIZE; group += 64) {
        if (zero_group(in + group))
            continue;
        for (unsigned off = group; off < group + 64; off += 4) {
            uint32_t w = load32(in + off);
            if (w) {
                uint16_t at = (uint16_t)off;
                store32(p, w);
                memcpy(p + 4, &at, 2);
                p += 6;
            }
        }
    }
    return (size_t)(p - out);
}

/* Offsets must be word-aligned and increasing, words non-zero: what an encoder writes. */
static int sparse_decode(const uint8_t *in, size_t len, uint8_t *page)
{
    if (len < sparse_bytes(1) || (len - 4) % 6)
        return -1;
    memset(page, 0, WKDM_PAGE_SIZE);
    int last = -1;
    for (const uint8_t *p = in + 4; p < in + len; p += 6) {
        uint32_t w = load32(p);
        uint16_t off;
        memcpy(&off, p + 4, 2);
        if (w == 0 || off % 4 || off >= WKDM_PAGE_SIZE || (int)off <= last)
            return -1;
        last = off;
        store32(page + off, w);
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
static void scan_words(const uint8_t *restrict in, unsigned from, unsigned count, struct dense_enc *restrict e)
{
    uint32_t *restrict dict = e->dict, *restrict miss = e->miss;
    uint8_t *restrict idx = e->idx;
    uint16_t *restrict low = e->low;
    unsigned nmiss = e->nmiss, nidx = e->nidx, nlow = e->nlow;
    for (unsigned g = from; g < from + count; g += 16) {
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

static void scan_range(const uint8_t *in, unsigned from, unsigned count, struct dense_enc *e, enum wkdm_loops l)
{
    switch (l) {
#if WKDM_X86
    case WKDM_LOOPS_AVX512:
        wkdm_avx512_scan(in, from, count, e);
        return;
    case WKDM_LOOPS_AVX2:
        wkdm_avx2_scan(in, from, count, e);
        return;
    case WKDM_LOOPS_SSE41:
        wkdm_sse41_scan(in, from, count, e);
        return;
#endif
    default:
        scan_words(in, from, count, e);
    }
}

/* XNU's estimate of the bytes the misses, indices and low bits take (2/3 of a
 * PARTIAL's two bytes as 1365/2048, rounded down once). */
static inline size_t dense_estimate(const struct dense_enc *e)
{
    return 4 * (size_t)e->nmiss + (2 * (size_t)e->nlow * 1365 >> 11) + e->nidx / 2;
}

/* Every MISS must leave room in the budget as it is found. */
static inline bool misses_over_budget(const struct dense_enc *e, size_t budget)
{
    return e->nmiss && WKDM_DENSE_MIN + 4 * (uint64_t)e->nmiss >= budget;
}

/* Classifies the page: 0, or -1 at the early abort or once the misses exceed the
 * budget. */
static int dense_scan(const uint8_t *in, struct dense_enc *e, size_t budget, enum wkdm_loops l)
{
    memset(e->dict, 0, sizeof e->dict);
    e->nmiss = e->nidx = e->nlow = 0;
    scan_range(in, 0, CHECKPOINT_WORDS, e, l);
    if (dense_estimate(e) > CHECKPOINT_LIMIT || misses_over_budget(e, budget))
        return -1;
    for (unsigned from = CHECKPOINT_WORDS, n; from < WKDM_PAGE_WORDS; from += n) {
        n = WKDM_PAGE_WORDS - from < BLOCK_WORDS ? WKDM_PAGE_WORDS - from : BLOCK_WORDS;
        scan_range(in, from, n, e, l);
        if (misses_over_budget(e, budget))
            return -1;
    }
    return 0;
}

/* XNU charges the index words (fit when nothing is left over) and then each low-bits
 * word (fit only while something is left over). */
static bool dense_fits(const struct dense_enc *e, size_t budget)
{
    int64_t left = (int64_t)budget - (int64_t)dense_bytes(e->nmiss, e->nidx, 0);
    if (left < 0)
        return false;
    unsigned low_words = (e->nlow + 2) / 3;
    return low_words == 0 || left - 4 * (int64_t)low_words > 0;
}

static size_t dense_pack(struct dense_enc *e, uint8_t *out)
{
    uint32_t miss_end = FIXED_WORDS + e->nmiss;
    uint32_t idx_end = miss_end + (e->nidx + 7) / 8;
    uint32_t low_end = idx_end + (e->nlow + 2) / 3;
    store32(out, miss_end);
    store32(out + 4, idx_end);
    store32(out + 8, low_end);
    uint8_t *p = out + 4 * HDR_WORDS;
    for (unsigned k = 0; k < TAG_WORDS; k++, p += 4)
        store32(p, tags_transpose(load32(e->tagbits + 4 * k)));

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

static int compress_with(const uint8_t *in, uint8_t *out, size_t budget, uint32_t *single, enum wkdm_loops l)
{
    if (wkdm_single(in, single)) {
        /* XNU meets such a page's one MISS (a value over 10 bits) with the budget. */
        if (*single >> LOW_BITS && budget <= WKDM_DENSE_MIN + 4)
            return -1;
        return 0;
    }
    struct dense_enc e;
    if (dense_scan(in, &e, budget, l) < 0)
        return -1;
    size_t sparse = sparse_bytes(e.nmiss + e.nidx);  /* every other word is ZERO */
    if (WKDM_DENSE_MIN + dense_estimate(&e) >= sparse)
        return sparse > budget ? -1 : (int)sparse_encode(in, out);
    if (!dense_fits(&e, budget))
        return -1;
    return (int)dense_pack(&e, out);
}

int wkdm_compress(const void *page, void *out, size_t budget, uint32_t *single)
{
    return compress_with(page, out, budget, single, wkdm_loops_current());
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
    v->miss_end = load32(in);
    v->idx_end = load32(in + 4);
    v->low_end = load32(in + 8);
    if (len < WKDM_DENSE_MIN || len % 4 || v->low_end != len / 4 || v->idx_end > v->low_end ||
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

/* Unpacks the tags (in page order) and counts MISS, PARTIAL and (PARTIAL or EXACT). */
static void unpack_tags(const uint32_t *tagw, struct dense_dec *d, struct dense_view *v)
{
    const uint64_t ones = 0x0101010101010101ull;
    unsigned nmiss = 0, nidx = 0, nlow = 0;
    for (unsigned base = 0; base < WKDM_PAGE_WORDS; base += 1024) {
        uint64_t miss = 0, idx = 0, low = 0;      /* byte lanes count to at most 128 */
        for (unsigned k = base; k < base + 1024; k += 16) {
            uint32_t w = tagw[k / 16];
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
static int dense_unpack(const uint8_t *in, const uint32_t *tagw, struct dense_view *v, struct dense_dec *d)
{
    unpack_tags(tagw, d, v);
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
    uint32_t dict[32] = { 0 };
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

static int dense_decompress(const uint8_t *in, size_t len, uint8_t *page, enum wkdm_loops l)
{
    struct dense_view v;
    if (dense_header(in, len, &v) < 0)
        return -1;
    /* All of it at once: the passes below read its areas one after another. */
    for (size_t off = 64; off < len; off += 64)
        __builtin_prefetch(in + off);
    uint32_t tags[TAG_WORDS];
    for (unsigned k = 0; k < TAG_WORDS; k++)
        tags[k] = tags_transpose(load32(in + 4 * (HDR_WORDS + k)));
    switch (l) {
#if WKDM_X86
    case WKDM_LOOPS_AVX512:
        return wkdm_avx512_decode(in, tags, &v, page);
    case WKDM_LOOPS_AVX2:
        return wkdm_avx2_decode(in, tags, &v, page);
    case WKDM_LOOPS_SSE41:
        return wkdm_sse41_decode(in, tags, &v, page);
#endif
    default: {
        struct dense_dec d;
        if (dense_unpack(in, tags, &v, &d) < 0)
            return -1;
        dense_decode(&d, page);
        return 0;
    }
    }
}

enum wkdm_form wkdm_form_of(const void *in, size_t len)
{
    if (len < 4)
        return WKDM_FORM_INVALID;
    if (load32(in) == WKDM_SPARSE_MAGIC)
        return WKDM_FORM_SPARSE;
    if (len >= WKDM_DENSE_MIN && len % 4 == 0)
        return WKDM_FORM_DENSE;
    return WKDM_FORM_INVALID;
}

static int decompress_with(const uint8_t *in, size_t len, uint8_t *page, enum wkdm_loops l)
{
    switch (wkdm_form_of(in, len)) {
    case WKDM_FORM_DENSE:
        return dense_decompress(in, len, page, l);
    case WKDM_FORM_SPARSE:
        return sparse_decode(in, len, page);
    default:
        return -1;
    }
}

int wkdm_decompress(const void *in, size_t len, void *page)
{
    return decompress_with(in, len, page, wkdm_loops_current());
}

/* ---- the loops for this host ------------------------------------------------ */

/* Heap-like probe pages: pointers into one region, small integers, zeros. */
static void probe_page(uint8_t *p, uint64_t seed)
{
    uint64_t s = seed * 0x9e3779b97f4a7c15ull | 1;
    for (unsigned i = 0; i < WKDM_PAGE_SIZE; i += 8) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        uint64_t v = s % 4 == 0 ? 0x000000010a000000ull + (s >> 40 & 0xffff0)
                   : s % 4 == 1 ? s >> 58
                   : 0;
        memcpy(p + i, &v, 8);
    }
}

#define PROBE_PAGES 4
#define PROBE_ROUNDS 3

static uint64_t now_ns(void)
{
    struct timespec t;
    timespec_get(&t, TIME_UTC);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Nanoseconds to compress and decompress the probe pages with l, best of the rounds. */
static uint64_t probe_time(const uint8_t *pages, enum wkdm_loops l)
{
    static uint8_t out[WKDM_MAX_OUT], back[WKDM_PAGE_SIZE];
    uint64_t best = UINT64_MAX;
    for (unsigned r = 0; r < PROBE_ROUNDS; r++) {
        uint64_t t0 = now_ns();
        for (unsigned k = 0; k < PROBE_PAGES; k++) {
            uint32_t v;
            int n = compress_with(pages + k * WKDM_PAGE_SIZE, out, sizeof out, &v, l);
            if (n > 0)
                decompress_with(out, (size_t)n, back, l);
        }
        uint64_t t = now_ns() - t0;
        best = t < best ? t : best;
    }
    return best;
}

static char choice[160];

/* The fastest loops this CPU runs, by the clock: which wins differs between CPUs that
 * run them all (AVX-512 conflict detection is slow on some Intel cores). */
static enum wkdm_loops measure_loops(void)
{
    static uint8_t pages[PROBE_PAGES * WKDM_PAGE_SIZE];
    for (unsigned k = 0; k < PROBE_PAGES; k++)
        probe_page(pages + k * WKDM_PAGE_SIZE, k + 1);
    enum wkdm_loops best = WKDM_LOOPS_PORTABLE;
    uint64_t best_ns = UINT64_MAX;
    size_t at = (size_t)snprintf(choice, sizeof choice, "measured at start-up, us per %u pages:", PROBE_PAGES);
    for (int l = WKDM_LOOPS_PORTABLE; l < WKDM_NLOOPS; l++) {
        if (!wkdm_loops_usable((enum wkdm_loops)l))
            continue;
        uint64_t ns = probe_time(pages, (enum wkdm_loops)l);
        if (at < sizeof choice)
            at += (size_t)snprintf(choice + at, sizeof choice - at, " %s %.1f", loops_names[l], (double)ns / 1000);
        if (ns < best_ns)
            best = (enum wkdm_loops)l, best_ns = ns;
    }
    return best;
}

const char *wkdm_loops_choice(void)
{
    call_once(&loops_once, loops_init);
    return choice;
}
