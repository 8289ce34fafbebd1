/* compressor/wkdm_impl.h — internal to compressor/ (not part of its contract): what
 * the portable WKdm loops (wkdm.c) and the x86 ones (wkdm_x86.c SSE4.1, wkdm_avx2.c,
 * wkdm_avx512.c) share. */
#ifndef COMPRESSOR_WKDM_IMPL_H
#define COMPRESSOR_WKDM_IMPL_H

#include <stdbool.h>
#include <string.h>

#include "compressor/wkdm.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define WKDM_X86 1
#else
#define WKDM_X86 0
#endif

enum { TAG_ZERO, TAG_PARTIAL, TAG_MISS, TAG_EXACT };

#define LOW_BITS     10
#define LOW_MASK     0x3ffu
#define HDR_WORDS    3u
#define TAG_WORDS    (WKDM_PAGE_WORDS / 16)
#define FIXED_WORDS  (HDR_WORDS + TAG_WORDS)          /* where the miss area starts */
#define BLOCK_WORDS  512u                              /* most words one scan call takes */
#define PAD          16u                               /* slack for unconditional stores */

static inline unsigned hash_of(uint32_t w) { return wkdm_hash_slot[(w >> LOW_BITS) & 0xff]; }

static inline uint32_t load32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline void store32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline uint64_t load64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* The loops keep 16 tags per word in page order (tag i at bit 2i); the format
 * interleaves them (tag i at bit 8(i%4) + 2(i/4)). Each layout is the other's
 * transpose as a 4x4 matrix of 2-bit fields, so one function goes both ways. */
static inline uint32_t tags_transpose(uint32_t x)
{
    uint32_t t = (x ^ (x >> 6)) & 0x00cc00ccu;
    x ^= t ^ (t << 6);
    t = (x ^ (x >> 12)) & 0x0000f0f0u;
    return x ^ t ^ (t << 12);
}

static inline size_t dense_bytes(unsigned nmiss, unsigned nidx, unsigned nlow)
{
    return 4 * ((size_t)FIXED_WORDS + nmiss + (nidx + 7) / 8 + (nlow + 2) / 3);
}

/* A page classified for the dense form, before packing. Tags are in page order
 * (see tags_transpose); misses, indices (one per byte) and low bits (in the low 10
 * bits of each element) are in page order. */
struct dense_enc {
    uint32_t dict[17];             /* entry 16 takes the ZERO words' stores */
    unsigned nmiss, nidx, nlow;
    uint8_t tagbits[4 * TAG_WORDS];
    uint8_t idx[WKDM_PAGE_WORDS + PAD];
    uint16_t low[WKDM_PAGE_WORDS + PAD];
    uint32_t miss[WKDM_PAGE_WORDS + PAD];
    uint32_t prev[BLOCK_WORDS];    /* scratch of the SIMD loops */
    uint8_t slot[BLOCK_WORDS + PAD];
};

/* The areas of a dense input, from its header (checked against the length only). */
struct dense_view {
    uint32_t miss_end, idx_end, low_end;           /* in words */
    unsigned nmiss, nidx, nlow;                    /* as counted from the tags */
};

/* Whether the counts agree with the area sizes. */
static inline bool dense_areas_match(const struct dense_view *v)
{
    return v->miss_end - FIXED_WORDS == v->nmiss && v->idx_end - v->miss_end == (v->nidx + 7) / 8 &&
           v->low_end - v->idx_end == (v->nlow + 2) / 3;
}

/* Counts the tags (in page order) of each kind into v. */
static inline void count_tags(const uint32_t *tags, struct dense_view *v)
{
    const uint64_t evens = 0x5555555555555555ull;
    unsigned nmiss = 0, nidx = 0, nlow = 0;
    for (unsigned k = 0; k < TAG_WORDS; k += 2) {
        uint64_t t = tags[k] | (uint64_t)tags[k + 1] << 32, lo = t & evens, hi = t >> 1 & evens;
        nidx += (unsigned)__builtin_popcountll(lo);
        nmiss += (unsigned)__builtin_popcountll(hi & ~lo);
        nlow += (unsigned)__builtin_popcountll(lo & ~hi);
    }
    v->nmiss = nmiss, v->nidx = nidx, v->nlow = nlow;
}

/* The SIMD decoders' plan, shared by the SSE4.1 and AVX2 loops (wkdm_dec.c): the areas
 * unpacked one entry a word, then for each word the dictionary slot it loads (its
 * entry, + D_CLEARED for PARTIAL's high bits, D_ZERO for nothing) and the one it
 * stores (its entry, or the sink D_SINK for words that change no entry). */
enum { D_CLEARED = 16, D_ZERO = 32, D_SINK = 33, D_SIZE = D_SINK + 16 + 1 };
struct wkdm_dec_bufs {
    uint32_t miss[WKDM_PAGE_WORDS + PAD];
    uint8_t miss_slot[WKDM_PAGE_WORDS + PAD];      /* the entry of each MISS word */
    uint8_t idx[WKDM_PAGE_WORDS + PAD];
    uint16_t low[WKDM_PAGE_WORDS + PAD];
    uint8_t load[WKDM_PAGE_WORDS], store[WKDM_PAGE_WORDS];
};
void wkdm_unpack_areas(const uint8_t *in, const struct dense_view *v, struct wkdm_dec_bufs *b);
/* With each word's own bits in the page: ORs in what it loads, stores the result. A
 * group of 16 ZERO words (a zero tag word) is already in the page and touches no entry. */
void wkdm_resolve_words(const uint32_t *tags, const struct wkdm_dec_bufs *restrict b,
                        uint8_t *restrict page);

/* The scan loops classify words [from, from + count) into e (count a multiple of 16,
 * at most BLOCK_WORDS); the decoders count the tags (given in page order), check
 * them against v's areas and decode: 0, or -1 if they disagree. */
#if WKDM_X86
bool wkdm_sse41_usable(void);
void wkdm_sse41_scan(const uint8_t *in, unsigned from, unsigned count, struct dense_enc *e);
int wkdm_sse41_decode(const uint8_t *in, const uint32_t *tags, struct dense_view *v, uint8_t *page);
bool wkdm_avx2_usable(void);
void wkdm_avx2_scan(const uint8_t *in, unsigned from, unsigned count, struct dense_enc *e);
int wkdm_avx2_decode(const uint8_t *in, const uint32_t *tags, struct dense_view *v, uint8_t *page);
bool wkdm_avx512_usable(void);
void wkdm_avx512_scan(const uint8_t *in, unsigned from, unsigned count, struct dense_enc *e);
int wkdm_avx512_decode(const uint8_t *in, const uint32_t *tags, struct dense_view *v, uint8_t *page);
#endif

#endif
