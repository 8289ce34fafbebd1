/* compressor/wkdm_x86.c — WKdm's inner loops with SSE4.1 and SSSE3, for x86-64 CPUs
 * that have them (wkdm.c checks at run time and falls back to portable C). Same
 * format as the portable loops, byte for byte.
 *
 * Compression of a block of words, in two passes:
 *   1. (scalar) the dictionary: each word's entry from the hash table (16 for zero
 *      words), the entry it meets, then the word replaces it (zero words write
 *      entry 16, which no other word reads);
 *   2. (SIMD, 4 words at a time) the tags from three compares, the tag byte from
 *      their movemasks, and the misses, indices and low halves compacted into
 *      their arrays by pshufb with controls chosen by 4-bit lane masks.
 * Decompression, 4 words (one tag byte) at a time:
 *   1. (SIMD) each word's own bits (its miss word or low bits) expanded into its
 *      lane by pshufb and written to the page; the entries it loads and stores
 *      (a MISS word's entry looked up beforehand, one scalar pass over the misses);
 *   2. (scalar) v = D[load] | own bits; D[store] = v; D[store + 16] = v without
 *      its low bits. D holds the 16 entries, the same with the low bits cleared
 *      (PARTIAL words load those), a zero (MISS and ZERO words load it) and a sink
 *      (EXACT and ZERO words store there, so that runs of EXACT words on one entry
 *      are not a chain of store-to-load forwards). */
#include "compressor/wkdm_impl.h"

#if WKDM_X86
#include <immintrin.h>
#include <threads.h>

#define TARGET __attribute__((target("sse4.1,ssse3,popcnt")))


/* pshufb controls by 4-bit lane mask: compress compacts selected lanes to the
 * front, decompress expands consecutive elements into the selected lanes. */
static __m128i compact32[16], compact16[16], compact8[16];
static __m128i expand32[16], expand16[16], expand8[16];   /* expand8: into bytes 0-3 */
static uint8_t spread[16], pop4[16];

/* What a tag byte (4 words) means for the decompressor. Packed bytes are per lane. */
struct tag4 {
    uint8_t miss, idx, part;       /* lane masks: MISS, PARTIAL or EXACT, PARTIAL */
    uint8_t nmiss, nidx, npart;
    uint32_t load_add;             /* added to the index: 0 EXACT, 16 PARTIAL, 32 else */
    uint32_t store_idx;            /* 0xff where the store goes to the index (PARTIAL) */
    uint32_t store_sink;           /* D_SINK where it goes to the sink (EXACT, ZERO) */
};
static struct tag4 tag4[256];

static __m128i bytes_vec(const uint8_t b[16])
{
    return _mm_loadu_si128((const __m128i *)b);
}

/* For lane mask m: the control moving element k (of `size` bytes at source stride
 * `from`) to destination slot k (stride `to`); 0x80 (zero) elsewhere. */
static __m128i control(unsigned m, unsigned size, unsigned from, unsigned to, bool compact)
{
    uint8_t b[16];
    memset(b, 0x80, sizeof b);
    for (unsigned l = 0, k = 0; l < 4; l++) {
        if (!(m >> l & 1))
            continue;
        unsigned src = compact ? l : k, dst = compact ? k : l;
        for (unsigned j = 0; j < size; j++)
            b[dst * to + j] = (uint8_t)(src * from + j);
        k++;
    }
    return bytes_vec(b);
}

static void build_tables(void)
{
    for (unsigned m = 0; m < 16; m++) {
        compact32[m] = control(m, 4, 4, 4, true);
        compact16[m] = control(m, 2, 4, 2, true);
        compact8[m] = control(m, 1, 1, 1, true);
        expand32[m] = control(m, 4, 4, 4, false);
        expand16[m] = control(m, 2, 2, 4, false);
        expand8[m] = control(m, 1, 1, 1, false);
        pop4[m] = (uint8_t)((m & 1) + (m >> 1 & 1) + (m >> 2 & 1) + (m >> 3 & 1));
        spread[m] = (uint8_t)((m & 1) | (m & 2) << 1 | (m & 4) << 2 | (m & 8) << 3);
    }
    for (unsigned c = 0; c < 256; c++) {
        struct tag4 *t = &tag4[c];
        memset(t, 0, sizeof *t);
        for (unsigned l = 0; l < 4; l++) {
            unsigned tag = c >> 2 * l & 3, shift = 8 * l;
            t->miss |= (uint8_t)((tag == TAG_MISS) << l);
            t->idx |= (uint8_t)((tag & 1) << l);
            t->part |= (uint8_t)((tag == TAG_PARTIAL) << l);
            t->load_add |= (uint32_t)(tag == TAG_EXACT ? 0 : tag == TAG_PARTIAL ? D_CLEARED : D_ZERO) << shift;
            t->store_idx |= (uint32_t)(tag == TAG_PARTIAL ? 0xff : 0) << shift;
            t->store_sink |= (uint32_t)(tag == TAG_EXACT || tag == TAG_ZERO ? D_SINK : 0) << shift;
        }
        t->nmiss = pop4[t->miss];
        t->nidx = pop4[t->idx];
        t->npart = pop4[t->part];
    }
}

static once_flag tables_once = ONCE_FLAG_INIT;
static bool usable;

static void init(void)
{
    __builtin_cpu_init();
    usable = __builtin_cpu_supports("sse4.1") && __builtin_cpu_supports("ssse3") &&
             __builtin_cpu_supports("popcnt");
    if (usable)
        build_tables();
}

bool wkdm_sse41_usable(void)
{
    call_once(&tables_once, init);
    return usable;
}

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

static inline unsigned lanes(__m128i m) { return (unsigned)_mm_movemask_ps(_mm_castsi128_ps(m)); }

TARGET static void block_emit(const uint8_t *blk, unsigned from, unsigned count, struct dense_enc *e)
{
    const __m128i zero = _mm_setzero_si128();
    uint32_t *miss = e->miss + e->nmiss;
    uint8_t *idx = e->idx + e->nidx;
    uint16_t *low = e->low + e->nlow;
    for (unsigned i = 0; i < count; i += 4) {
        __m128i w = _mm_loadu_si128((const __m128i *)(blk + 4 * i));
        __m128i x = _mm_xor_si128(w, _mm_loadu_si128((const __m128i *)(e->prev + i)));
        unsigned nonzero = ~lanes(_mm_cmpeq_epi32(w, zero)) & 15;
        unsigned exact = lanes(_mm_cmpeq_epi32(x, zero));
        unsigned upper = lanes(_mm_cmpeq_epi32(_mm_srli_epi32(x, LOW_BITS), zero));
        unsigned bit0 = upper & nonzero;                        /* PARTIAL or EXACT */
        unsigned bit1 = (exact | ~upper) & nonzero;             /* MISS or EXACT */
        unsigned m = bit1 & ~bit0, p = bit0 & ~bit1;
        e->tagbits[(from + i) / 4] = (uint8_t)(spread[bit0] | spread[bit1] << 1);
        _mm_storeu_si128((__m128i *)miss, _mm_shuffle_epi8(w, compact32[m]));
        miss += pop4[m];
        __m128i slots = _mm_cvtsi32_si128((int)load32(e->slot + i));
        store32(idx, (uint32_t)_mm_cvtsi128_si32(_mm_shuffle_epi8(slots, compact8[bit0])));
        idx += pop4[bit0];
        _mm_storel_epi64((__m128i *)low, _mm_shuffle_epi8(w, compact16[p]));
        low += pop4[p];
    }
    e->nmiss = (unsigned)(miss - e->miss);
    e->nidx = (unsigned)(idx - e->idx);
    e->nlow = (unsigned)(low - e->low);
}

void wkdm_sse41_scan(const uint8_t *in, unsigned from, unsigned count, struct dense_enc *e)
{
    const uint8_t *blk = in + 4 * (size_t)from;
    block_dictionary(blk, count, e);
    block_emit(blk, from, count, e);
}

/* ---- decompression ----------------------------------------------------------- */

TARGET static void expand_words(const uint8_t *tags, struct wkdm_dec_bufs *b, uint8_t *page)
{
    unsigned mi = 0, ii = 0, li = 0;
    for (unsigned i = 0; i < WKDM_PAGE_WORDS; i += 4) {
        if (i % 16 == 0 && load32(tags + i / 4) == 0) {   /* 16 zero words: resolve skips them */
            memset(page + 4 * i, 0, 64);
            i += 12;
            continue;
        }
        const struct tag4 *t = &tag4[tags[i / 4]];
        __m128i vm = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(b->miss + mi)), expand32[t->miss]);
        __m128i vi = _mm_shuffle_epi8(_mm_cvtsi32_si128((int)load32(b->idx + ii)), expand8[t->idx]);
        __m128i vs = _mm_shuffle_epi8(_mm_cvtsi32_si128((int)load32(b->miss_slot + mi)), expand8[t->miss]);
        __m128i vl = _mm_shuffle_epi8(_mm_loadl_epi64((const __m128i *)(b->low + li)), expand16[t->part]);
        mi += t->nmiss, ii += t->nidx, li += t->npart;
        _mm_storeu_si128((__m128i *)(page + 4 * i), _mm_or_si128(vm, vl));
        uint32_t index = (uint32_t)_mm_cvtsi128_si32(vi), miss_slot = (uint32_t)_mm_cvtsi128_si32(vs);
        store32(b->load + i, index + t->load_add);
        store32(b->store + i, (index & t->store_idx) | miss_slot | t->store_sink);
    }
}

TARGET int wkdm_sse41_decode(const uint8_t *in, const uint32_t *tags, struct dense_view *v, uint8_t *page)
{
    count_tags(tags, v);
    if (!dense_areas_match(v))
        return -1;
    struct wkdm_dec_bufs b;
    wkdm_unpack_areas(in, v, &b);
    expand_words((const uint8_t *)tags, &b, page);
    wkdm_resolve_words(tags, &b, page);
    return 0;
}

#endif
