/* compressor/wkdm_avx2.c — WKdm's inner loops with AVX2 and BMI2, for x86-64 CPUs
 * that have them (wkdm.c checks at run time). Same format as the other loops, byte
 * for byte; the shape of the SSE4.1 loops (wkdm_x86.c) with 8 words a step:
 *
 * Compression of a block: one scalar pass runs the dictionary (each word's entry
 * and the word it meets there), then 8 words a step get their tags from three
 * compares, and the misses are compacted by vpermd, the indices and low bits by
 * pext, each with a control chosen by the 8-lane mask.
 * Decompression: 8 words a step get their own bits (MISS word or low bits, expanded
 * into their lanes by vpermd) written to the page and the dictionary entries they
 * load and store (bytes expanded by pdep); then one scalar pass resolves them in
 * order against the dictionary, as the SSE4.1 decoder does. */
#include "compressor/wkdm_impl.h"

#if WKDM_X86
#include <immintrin.h>
#include <threads.h>

#define TARGET2 __attribute__((target("avx2,bmi,bmi2,popcnt")))

/* D: the 16 entries, the same without their low bits, a zero, and a sink (see
 * wkdm_x86.c). */

static uint32_t compact_perm[256][8], expand_perm[256][8];
static once_flag once = ONCE_FLAG_INIT;
static bool usable;

static void init(void)
{
    __builtin_cpu_init();
    usable = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") &&
             __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("popcnt");
    for (unsigned m = 0; m < 256; m++) {
        unsigned k = 0;
        memset(expand_perm[m], 0, sizeof expand_perm[m]);
        memset(compact_perm[m], 0, sizeof compact_perm[m]);
        for (unsigned l = 0; l < 8; l++)
            if (m >> l & 1) {
                compact_perm[m][k] = l;
                expand_perm[m][l] = k++;
            }
    }
}

bool wkdm_avx2_usable(void)
{
    call_once(&once, init);
    return usable;
}

/* One bit per lane to a mask of whole lanes of 1, 2 or 4 bytes. */
TARGET2 static inline uint64_t byte_lanes(unsigned m) { return _pdep_u64(m, 0x0101010101010101ull) * 0xff; }
TARGET2 static inline uint64_t half_lanes(unsigned m) { return _pdep_u64(m, 0x0001000100010001ull) * 0xffff; }

TARGET2 static inline __m256i dword_lanes(unsigned m)
{
    const __m256i bit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    return _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32((int)m), bit), bit);
}

TARGET2 static inline __m256i perm_of(const uint32_t p[8]) { return _mm256_loadu_si256((const __m256i *)p); }

TARGET2 static inline unsigned lanes8(__m256i m) { return (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(m)); }

/* ---- compression ------------------------------------------------------------- */

static void block_dictionary(const uint8_t *restrict blk, unsigned count, struct dense_enc *restrict e)
{
    uint32_t *restrict dict = e->dict;
    for (unsigned i = 0; i < count; i++) {
        uint32_t w = load32(blk + 4 * i);
        unsigned s = w ? hash_of(w) : 16;
        e->slot[i] = (uint8_t)s;
        e->prev[i] = dict[s];
        dict[s] = w;
    }
}

TARGET2 static void block_emit(const uint8_t *blk, unsigned from, unsigned count, struct dense_enc *e)
{
    const __m256i zero = _mm256_setzero_si256(), low_bits = _mm256_set1_epi32(LOW_MASK);
    uint32_t *miss = e->miss + e->nmiss;
    uint8_t *idx = e->idx + e->nidx;
    uint16_t *low = e->low + e->nlow;
    for (unsigned i = 0; i < count; i += 8) {
        __m256i w = _mm256_loadu_si256((const __m256i *)(blk + 4 * i));
        __m256i x = _mm256_xor_si256(w, _mm256_loadu_si256((const __m256i *)(e->prev + i)));
        unsigned nonzero = ~lanes8(_mm256_cmpeq_epi32(w, zero)) & 0xff;
        unsigned exact = lanes8(_mm256_cmpeq_epi32(x, zero));
        unsigned upper = lanes8(_mm256_cmpeq_epi32(_mm256_srli_epi32(x, LOW_BITS), zero));
        unsigned bit0 = upper & nonzero;                        /* PARTIAL or EXACT */
        unsigned bit1 = (exact | ~upper) & nonzero;             /* MISS or EXACT */
        unsigned m = bit1 & ~bit0, p = bit0 & ~bit1;
        uint16_t tags = (uint16_t)(_pdep_u32(bit0, 0x5555) | _pdep_u32(bit1, 0xaaaa));
        memcpy(e->tagbits + (from + i) / 4, &tags, 2);

        _mm256_storeu_si256((__m256i *)miss, _mm256_permutevar8x32_epi32(w, perm_of(compact_perm[m])));
        miss += _mm_popcnt_u32(m);

        uint64_t slots = _pext_u64(load64(e->slot + i), byte_lanes(bit0));
        memcpy(idx, &slots, 8);
        idx += _mm_popcnt_u32(bit0);

        /* The low bits as eight 16-bit fields, in lane order. */
        __m256i l = _mm256_packus_epi32(_mm256_and_si256(w, low_bits), zero);
        __m128i l8 = _mm256_castsi256_si128(_mm256_permute4x64_epi64(l, 0x08));
        uint64_t first = _pext_u64((uint64_t)_mm_cvtsi128_si64(l8), half_lanes(p & 15));
        uint64_t second = _pext_u64((uint64_t)_mm_extract_epi64(l8, 1), half_lanes(p >> 4));
        memcpy(low, &first, 8);
        low += _mm_popcnt_u32(p & 15);
        memcpy(low, &second, 8);
        low += _mm_popcnt_u32(p >> 4);
    }
    e->nmiss = (unsigned)(miss - e->miss);
    e->nidx = (unsigned)(idx - e->idx);
    e->nlow = (unsigned)(low - e->low);
}

void wkdm_avx2_scan(const uint8_t *in, unsigned from, unsigned count, struct dense_enc *e)
{
    const uint8_t *blk = in + 4 * (size_t)from;
    block_dictionary(blk, count, e);
    block_emit(blk, from, count, e);
}

/* ---- decompression ----------------------------------------------------------- */

/* Per lane of 8 (a byte each): what a word loads (its entry + 0 EXACT, + 16 PARTIAL,
 * the zero otherwise) and where it stores (its entry for PARTIAL, the MISS word's
 * entry, the sink for EXACT and ZERO). */
TARGET2 static inline void lane_plan(unsigned miss, unsigned part, unsigned exact, uint64_t *load_add,
                                     uint64_t *store_idx, uint64_t *sink)
{
    unsigned other = ~(part | exact) & 0xff;
    *load_add = (byte_lanes(part) & 0x1010101010101010ull) | (byte_lanes(other) & 0x2020202020202020ull);
    *store_idx = byte_lanes(part);
    *sink = byte_lanes(~(part | miss) & 0xff) & 0x2121212121212121ull;
}

TARGET2 static void expand_words(const uint32_t *tags, struct wkdm_dec_bufs *b, uint8_t *page)
{
    unsigned mi = 0, ii = 0, li = 0;
    for (unsigned i = 0; i < WKDM_PAGE_WORDS; i += 8) {
        if (i % 16 == 0 && tags[i / 16] == 0) {    /* 16 zero words: resolve skips them */
            memset(page + 4 * i, 0, 64);
            i += 8;
            continue;
        }
        unsigned t = tags[i / 16] >> (2 * (i % 16)) & 0xffff;
        unsigned lo = _pext_u32(t, 0x5555), hi = _pext_u32(t, 0xaaaa);
        unsigned miss = hi & ~lo, part = lo & ~hi, exact = lo & hi;
        __m256i vm = _mm256_permutevar8x32_epi32(_mm256_loadu_si256((const __m256i *)(b->miss + mi)),
                                                 perm_of(expand_perm[miss]));
        __m256i lows = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(b->low + li)));
        __m256i vl = _mm256_permutevar8x32_epi32(lows, perm_of(expand_perm[part]));
        __m256i own = _mm256_or_si256(_mm256_and_si256(vm, dword_lanes(miss)), _mm256_and_si256(vl, dword_lanes(part)));
        _mm256_storeu_si256((__m256i *)(page + 4 * i), own);
        uint64_t index = _pdep_u64(load64(b->idx + ii), byte_lanes(lo));
        uint64_t miss_slot = _pdep_u64(load64(b->miss_slot + mi), byte_lanes(miss));
        uint64_t load_add, store_idx, sink;
        lane_plan(miss, part, exact, &load_add, &store_idx, &sink);
        uint64_t load = index + load_add, store = (index & store_idx) | miss_slot | sink;
        memcpy(b->load + i, &load, 8);
        memcpy(b->store + i, &store, 8);
        mi += _mm_popcnt_u32(miss), ii += _mm_popcnt_u32(lo), li += _mm_popcnt_u32(part);
    }
}

TARGET2 int wkdm_avx2_decode(const uint8_t *in, const uint32_t *tags, struct dense_view *v, uint8_t *page)
{
    count_tags(tags, v);
    if (!dense_areas_match(v))
        return -1;
    struct wkdm_dec_bufs b;
    wkdm_unpack_areas(in, v, &b);
    expand_words(tags, &b, page);
    wkdm_resolve_words(tags, &b, page);
    return 0;
}

#endif
