/* compressor/wkdm_impl.h — internal to compressor/ (not part of its contract): what
 * the portable WKdm loops (wkdm.c), the SSE4.1 ones (wkdm_x86.c) and the AVX-512
 * decoder (wkdm_avx512.c) share. */
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
#define DENSE_MAGIC  ((uint32_t)'W' << 24)
#define SPARSE_MAGIC ((uint32_t)'S' << 24)
#define MAGIC_MASK   0xff000000u
#define BLOCK_WORDS  512u                              /* early-abort granularity */
#define PAD          16u                               /* slack for unconditional stores */
#define HASH_MUL     173u

/* hash_slot[b] = ((b * HASH_MUL) >> 4) & 15 for b = bits 17:10 of the word. */
extern const uint8_t wkdm_hash_slot[256];

static inline unsigned hash_of(uint32_t w) { return wkdm_hash_slot[(w >> LOW_BITS) & 0xff]; }

static inline uint32_t load32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline void store32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline uint64_t load64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static inline size_t dense_bytes(unsigned nmiss, unsigned nidx, unsigned nlow)
{
    return 4 * ((size_t)FIXED_WORDS + nmiss + (nidx + 7) / 8 + (nlow + 2) / 3);
}

/* A page classified for the dense form, before packing. The tag area is already in
 * its final layout; misses, indices (one per byte) and low bits (in the low 10 bits
 * of each element) are in page order. */
struct dense_enc {
    uint32_t dict[17];             /* entry 16 takes the ZERO words' stores */
    unsigned nmiss, nidx, nlow;
    uint8_t tagbits[4 * TAG_WORDS];
    uint8_t idx[WKDM_PAGE_WORDS + PAD];
    uint16_t low[WKDM_PAGE_WORDS + PAD];
    uint32_t miss[WKDM_PAGE_WORDS + PAD];
    uint32_t prev[BLOCK_WORDS];    /* scratch of the SIMD loop */
    uint8_t slot[BLOCK_WORDS];
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

#if WKDM_X86
/* wkdm_x86.c: the fastest loops this CPU runs (builds their tables once). */
enum wkdm_loops wkdm_x86_best(void);
void wkdm_x86_scan_block(const uint8_t *in, unsigned from, struct dense_enc *e);
/* Counts the tags, checks them against v's areas and decodes, with the AVX-512
 * decoder if `avx512`, else with SSE4.1; 0 or -1. */
int wkdm_x86_decode(const uint8_t *in, struct dense_view *v, uint8_t *page, bool avx512);
/* wkdm_avx512.c: true if this CPU has all that the AVX-512 decoder uses. */
bool wkdm_avx512_usable(void);
/* Decodes an input whose tags agree with its areas (v's counts match). */
void wkdm_avx512_decode(const uint8_t *in, const struct dense_view *v, uint8_t *page);
/* As wkdm_x86_scan_block: classifies words [from, from + BLOCK_WORDS) into e. */
void wkdm_avx512_scan_block(const uint8_t *in, unsigned from, struct dense_enc *e);
#endif

#endif
