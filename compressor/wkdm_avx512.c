/* compressor/wkdm_avx512.c — WKdm's inner loops with AVX-512 (F, BW, VL, CD, VBMI,
 * VBMI2), GFNI and BMI2, for x86-64 CPUs that have them (wkdm.c checks at run time).
 * Same format as the portable and SSE4.1 loops, byte for byte.
 *
 * Both directions work 16 words (one tag word) a step with the dictionary in one
 * register, never replayed word by word. Within a step, a word meets its entry as
 * the step began unless an earlier word of the step wrote it: vpconflictd names, per
 * word, the earlier lanes on the same entry. After the step, each entry holds its
 * last writer's word: those lanes come from a 16x32 bit matrix, one row per word
 * (bit s: it writes entry s), transposed with vpermb, gf2p8affineqb, vpermb. Either
 * way vplzcntd turns a mask of lanes into the last one, counted from 15 down: the
 * words are kept reversed for that lookup.
 *
 * Decompression knows a word's own bits only (its MISS word, or a PARTIAL's low
 * bits), but an entry's upper 22 bits change only at a MISS (a PARTIAL keeps them),
 * its low 10 bits at a MISS or a PARTIAL. So a word that reads entry s takes its
 * upper bits from the step's last earlier MISS on s, else from the entry, and its low
 * bits from the last earlier MISS or PARTIAL on s, else from the entry; the matrix
 * has a second half, bit 16+s for a MISS on s, for the entry's upper bits. Its three
 * passes: the areas unpacked (indices and low bits one per element, each MISS word's
 * entry); each word's own bits expanded into the page and the entry it reads into a
 * byte array; then the steps in order, each planned two steps before the dictionary
 * reaches it, so that a plan's long latency does not stall the dictionary's chain (one
 * vpternlogd per step). Decoding starts once the tags are known to agree with the areas. */
#include "compressor/wkdm_impl.h"

#if WKDM_X86
#include <immintrin.h>
#include <threads.h>

#define TARGET512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512cd,avx512vbmi,avx512vbmi2,gfni,bmi2,popcnt")))

#define STEPS (WKDM_PAGE_WORDS / 16)

/* Byte controls of the transpose: rows (dwords) to 8x8 blocks, one per qword (block
 * of column byte b and rows 8r..8r+7 in qword 2b+r, its rows reversed, as
 * gf2p8affineqb wants them); and the transposed blocks back to dwords, column s in
 * bits 15:0 and column 16+s in bits 31:16 of dword s. */
static uint8_t to_blocks[64], to_columns[64];
static once_flag once = ONCE_FLAG_INIT;
static bool usable;

static void init(void)
{
    __builtin_cpu_init();
    usable = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512cd") &&
             __builtin_cpu_supports("avx512vbmi") && __builtin_cpu_supports("avx512vbmi2") &&
             __builtin_cpu_supports("gfni") && __builtin_cpu_supports("bmi2") &&
             __builtin_cpu_supports("popcnt");
    for (unsigned b = 0; b < 4; b++)
        for (unsigned r = 0; r < 2; r++)
            for (unsigned j = 0; j < 8; j++)
                to_blocks[8 * (2 * b + r) + j] = (uint8_t)(4 * (8 * r + 7 - j) + b);
    for (unsigned s = 0; s < 16; s++)
        for (unsigned half = 0; half < 2; half++)
            for (unsigned r = 0; r < 2; r++)
                to_columns[4 * s + 2 * half + r] = (uint8_t)(8 * (2 * (2 * half + s / 8) + r) + s % 8);
}

bool wkdm_avx512_usable(void)
{
    call_once(&once, init);
    return usable;
}

/* ---- decompression, pass 1: the areas, one element each -------------------------- */

struct lanes {
    uint8_t idx[WKDM_PAGE_WORDS + 64];
    uint8_t miss_slot[WKDM_PAGE_WORDS + 64];       /* the entry of each MISS word */
    uint16_t low[WKDM_PAGE_WORDS + 64];
    uint8_t slot[WKDM_PAGE_WORDS];                 /* the entry each word reads */
};

static inline __mmask16 first_lanes(size_t n) { return (__mmask16)(n >= 16 ? 0xffff : (1u << n) - 1); }

/* A word of indices holds the first four in the low nibbles of its bytes. */
TARGET512 static void unpack_indices(const uint8_t *p, size_t bytes, uint8_t *idx)
{
    const __m128i nibble = _mm_set1_epi8(0x0f);
    for (size_t k = 0; k < bytes; k += 16) {
        __m128i x = _mm_maskz_loadu_epi8(first_lanes(bytes - k), p + k);
        __m128i lo = _mm_and_si128(x, nibble), hi = _mm_and_si128(_mm_srli_epi16(x, 4), nibble);
        _mm_storeu_si128((__m128i *)(idx + 2 * k), _mm_unpacklo_epi32(lo, hi));
        _mm_storeu_si128((__m128i *)(idx + 2 * k + 16), _mm_unpackhi_epi32(lo, hi));
    }
}

/* Five words (15 low bits fields) a round; lane 15 is the next round's first. */
TARGET512 static void unpack_lows(const uint8_t *p, size_t words, uint16_t *low)
{
    const __m512i word = _mm512_setr_epi32(0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5);
    const __m512i shift = _mm512_setr_epi32(0, 10, 20, 0, 10, 20, 0, 10, 20, 0, 10, 20, 0, 10, 20, 0);
    for (size_t w = 0; w < words; w += 5, low += 15) {
        __m512i x = _mm512_maskz_loadu_epi32(first_lanes(words - w) & 0x3f, p + 4 * w);
        __m512i fields = _mm512_srlv_epi32(_mm512_permutexvar_epi32(word, x), shift);
        fields = _mm512_and_si512(fields, _mm512_set1_epi32(LOW_MASK));
        _mm256_storeu_si256((__m256i *)low, _mm512_cvtepi32_epi16(fields));
    }
}

/* The dictionary entry of each lane's word: the table's 256 bytes are four
 * registers; vpermi2b looks up 128 of them by the low 7 bits of an index byte, and
 * its bit 7 picks which half. */
TARGET512 static inline __m512i hash16(__m512i w)
{
    const __m512i t0 = _mm512_loadu_si512(wkdm_hash_slot), t1 = _mm512_loadu_si512(wkdm_hash_slot + 64);
    const __m512i t2 = _mm512_loadu_si512(wkdm_hash_slot + 128), t3 = _mm512_loadu_si512(wkdm_hash_slot + 192);
    __m512i b = _mm512_srli_epi32(w, LOW_BITS);
    __m512i lo = _mm512_permutex2var_epi8(t0, b, t1), hi = _mm512_permutex2var_epi8(t2, b, t3);
    __m512i slot = _mm512_mask_blend_epi8(_mm512_movepi8_mask(b), lo, hi);
    return _mm512_and_si512(slot, _mm512_set1_epi32(0xff));
}

/* The transpose of 16 rows of 32 bits (one per lane): dword s holds column s in bits
 * 15:0 and column 16+s in bits 31:16, bit l of each from lane l. */
TARGET512 static inline __m512i transpose_rows(__m512i rows)
{
    __m512i blocks = _mm512_permutexvar_epi8(_mm512_loadu_si512(to_blocks), rows);
    __m512i transposed = _mm512_gf2p8affine_epi64_epi8(_mm512_set1_epi64(0x8040201008040201ll), blocks, 0);
    return _mm512_permutexvar_epi8(_mm512_loadu_si512(to_columns), transposed);
}

/* vplzcntd turns a mask of lanes into the last lane counted from 15 down (modulo
 * 16, which is all vpermd reads): permutes by it read the words reversed. */
TARGET512 static inline __m512i reversed(__m512i v)
{
    return _mm512_permutexvar_epi32(_mm512_setr_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0), v);
}

TARGET512 static void hash_misses(const uint8_t *p, size_t n, uint8_t *slot)
{
    for (size_t k = 0; k < n; k += 16) {
        __m512i w = _mm512_maskz_loadu_epi32(first_lanes(n - k), p + 4 * k);
        _mm_storeu_si128((__m128i *)(slot + k), _mm512_cvtepi32_epi8(hash16(w)));
    }
}

/* ---- decompression, pass 2: each word's own bits and entry ------------------------ */

struct tag_masks {
    __mmask16 miss, part, exact, index, write;     /* index: PARTIAL or EXACT; write: MISS or PARTIAL */
};

TARGET512 static inline struct tag_masks masks_of(uint32_t tags)
{
    uint32_t lo = _pext_u32(tags, 0x55555555u), hi = _pext_u32(tags, 0xaaaaaaaau);
    return (struct tag_masks){ (__mmask16)(hi & ~lo), (__mmask16)(lo & ~hi), (__mmask16)(lo & hi),
                               (__mmask16)lo, (__mmask16)(lo ^ hi) };
}

TARGET512 static void expand_lanes(const uint32_t *tags, const uint8_t *miss, struct lanes *l, uint8_t *page)
{
    const uint8_t *idx = l->idx, *miss_slot = l->miss_slot;
    const uint16_t *low = l->low;
    for (unsigned g = 0; g < STEPS; g++) {
        struct tag_masks k = masks_of(tags[g]);
        __m512i own_miss = _mm512_maskz_expandloadu_epi32(k.miss, miss);
        __m512i own_low = _mm512_cvtepu16_epi32(_mm256_maskz_expandloadu_epi16(k.part, low));
        _mm512_storeu_si512(page + 64 * g, _mm512_or_si512(own_miss, own_low));
        __m128i slot = _mm_or_si128(_mm_maskz_expandloadu_epi8(k.index, idx),
                                    _mm_maskz_expandloadu_epi8(k.miss, miss_slot));
        _mm_storeu_si128((__m128i *)(l->slot + 16 * g), slot);
        miss += 4 * __builtin_popcount(k.miss);
        miss_slot += __builtin_popcount(k.miss);
        low += __builtin_popcount(k.part);
        idx += __builtin_popcount(k.index);
    }
}

/* ---- decompression, pass 3: the steps, in order ----------------------------------- */

/* A step as far as it goes without the dictionary. Bit b of a `from` mask is set
 * where bit b of the result comes from the words of the step (`own`), not from the
 * dictionary. */
struct step {
    __m512i slot;                  /* the entry each word reads */
    __m512i word_from, word_own;   /* per word */
    __m512i entry_from, entry_own; /* per entry: what the step leaves there */
};

/* Per entry: the bits of the last writer / MISS of the step, and which to take. */
TARGET512 static inline void plan_entries(struct step *st, struct tag_masks k, __m512i own_rev)
{
    const __m512i low_bits = _mm512_set1_epi32(LOW_MASK);
    __m512i rows = _mm512_or_si512(_mm512_maskz_sllv_epi32(k.write, _mm512_set1_epi32(0x10000), st->slot),
                                   _mm512_maskz_sllv_epi32(k.miss, _mm512_set1_epi32(1), st->slot));
    __m512i cols = transpose_rows(rows);
    __m512i writer = _mm512_permutexvar_epi32(_mm512_lzcnt_epi32(cols), own_rev);
    __m512i missed = _mm512_permutexvar_epi32(_mm512_lzcnt_epi32(_mm512_slli_epi32(cols, 16)), own_rev);
    st->entry_own = _mm512_ternarylogic_epi32(low_bits, writer, missed, 0xca);
    __mmask16 written = _mm512_test_epi32_mask(cols, _mm512_set1_epi32((int)0xffff0000u));
    __mmask16 miss_written = _mm512_test_epi32_mask(cols, _mm512_set1_epi32(0xffff));
    st->entry_from = _mm512_mask_mov_epi32(_mm512_maskz_mov_epi32(written, low_bits), miss_written,
                                           _mm512_set1_epi32(-1));
}

/* Per word: MISS and ZERO words are their own bits, a PARTIAL's low bits are its own;
 * other bits come from the last earlier writer / MISS on the entry, if any. */
TARGET512 static inline void plan_words(struct step *st, struct tag_masks k, __m512i own, __m512i own_rev)
{
    const __m512i low_bits = _mm512_set1_epi32(LOW_MASK), upper_bits = _mm512_set1_epi32((int)~LOW_MASK);
    __m512i same = _mm512_conflict_epi32(st->slot);
    __m512i writers = _mm512_broadcastmw_epi32(k.write), misses = _mm512_broadcastmw_epi32(k.miss);
    __m512i writer = _mm512_permutexvar_epi32(_mm512_lzcnt_epi32(_mm512_and_si512(same, writers)), own_rev);
    __m512i missed = _mm512_permutexvar_epi32(_mm512_lzcnt_epi32(_mm512_and_si512(same, misses)), own_rev);
    __mmask16 low_own = _mm512_test_epi32_mask(same, writers) | (__mmask16)~k.exact;
    __mmask16 upper_own = _mm512_test_epi32_mask(same, misses) | (__mmask16)~k.index;
    writer = _mm512_mask_mov_epi32(writer, (__mmask16)~k.exact, own);
    missed = _mm512_mask_mov_epi32(missed, (__mmask16)~k.index, own);
    st->word_own = _mm512_ternarylogic_epi32(low_bits, writer, missed, 0xca);
    st->word_from = _mm512_or_si512(_mm512_maskz_mov_epi32(low_own, low_bits),
                                    _mm512_maskz_mov_epi32(upper_own, upper_bits));
}

TARGET512 static inline struct step plan_step(uint32_t tags, const uint8_t *slot, const uint8_t *own_bits)
{
    struct step st;
    struct tag_masks k = masks_of(tags);
    st.slot = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)slot));
    __m512i own = _mm512_loadu_si512(own_bits);
    __m512i own_rev = reversed(own);
    plan_entries(&st, k, own_rev);
    plan_words(&st, k, own, own_rev);
    return st;
}

TARGET512 static inline void apply_step(const struct step *st, __m512i *dict, uint8_t *out)
{
    __m512i entry = _mm512_permutexvar_epi32(st->slot, *dict);
    _mm512_storeu_si512(out, _mm512_ternarylogic_epi32(st->word_from, st->word_own, entry, 0xca));
    *dict = _mm512_ternarylogic_epi32(st->entry_from, st->entry_own, *dict, 0xca);
}

/* The page holds each word's own bits; step g's are read before step g - 2 is
 * written back. */
TARGET512 static void resolve_steps(const uint32_t *tags, const uint8_t *slot, uint8_t *page)
{
    __m512i dict = _mm512_setzero_si512();
    struct step a = plan_step(tags[0], slot, page);
    struct step b = plan_step(tags[1], slot + 16, page + 64);
    for (unsigned g = 2; g < STEPS; g++) {
        struct step next = plan_step(tags[g], slot + 16 * g, page + 64 * g);
        apply_step(&a, &dict, page + 64 * (g - 2));
        a = b;
        b = next;
    }
    apply_step(&a, &dict, page + WKDM_PAGE_SIZE - 128);
    apply_step(&b, &dict, page + WKDM_PAGE_SIZE - 64);
}

/* ---- compression ------------------------------------------------------------------ */

/* Classifies 16 words a step. Every non-zero word meets the last earlier non-zero
 * word of the step on its entry, else the entry as the step began, and replaces it:
 * the same conflict and transpose as in decoding, with one kind of writer. */
TARGET512 void wkdm_avx512_scan(const uint8_t *in, unsigned from, unsigned count, struct dense_enc *e)
{
    const __m512i upper_bits = _mm512_set1_epi32((int)~LOW_MASK);
    __m512i dict = _mm512_loadu_si512(e->dict);
    uint32_t *miss = e->miss + e->nmiss;
    uint8_t *idx = e->idx + e->nidx;
    uint16_t *low = e->low + e->nlow;
    for (unsigned g = from; g < from + count; g += 16) {
        __m512i w = _mm512_loadu_si512(in + 4 * (size_t)g), w_rev = reversed(w);
        __mmask16 nonzero = _mm512_test_epi32_mask(w, w);
        __m512i slot = hash16(w);
        __m512i same = _mm512_and_si512(_mm512_conflict_epi32(slot), _mm512_broadcastmw_epi32(nonzero));
        __m512i entry = _mm512_permutexvar_epi32(slot, dict);
        __mmask16 after_one = _mm512_test_epi32_mask(same, same);
        __m512i met = _mm512_mask_permutexvar_epi32(entry, after_one, _mm512_lzcnt_epi32(same), w_rev);
        __m512i cols = transpose_rows(_mm512_maskz_sllv_epi32(nonzero, _mm512_set1_epi32(1), slot));
        __m512i last = _mm512_permutexvar_epi32(_mm512_lzcnt_epi32(cols), w_rev);
        dict = _mm512_mask_mov_epi32(dict, _mm512_test_epi32_mask(cols, cols), last);

        __m512i x = _mm512_xor_si512(w, met);
        __mmask16 exact = _mm512_mask_testn_epi32_mask(nonzero, x, x);
        __mmask16 upper = _mm512_mask_testn_epi32_mask(nonzero, x, upper_bits);   /* PARTIAL or EXACT */
        __mmask16 missed = nonzero & ~upper, part = upper & ~exact;
        store32(e->tagbits + g / 4, _pdep_u32(upper, 0x55555555u) | _pdep_u32(exact | missed, 0xaaaaaaaau));
        _mm512_storeu_si512(miss, _mm512_maskz_compress_epi32(missed, w));
        _mm_storeu_si128((__m128i *)idx, _mm_maskz_compress_epi8(upper, _mm512_cvtepi32_epi8(slot)));
        _mm256_storeu_si256((__m256i *)low, _mm256_maskz_compress_epi16(part, _mm512_cvtepi32_epi16(w)));
        miss += _mm_popcnt_u32(missed);
        idx += _mm_popcnt_u32(upper);
        low += _mm_popcnt_u32(part);
    }
    _mm512_storeu_si512(e->dict, dict);
    e->nmiss = (unsigned)(miss - e->miss);
    e->nidx = (unsigned)(idx - e->idx);
    e->nlow = (unsigned)(low - e->low);
}

TARGET512 int wkdm_avx512_decode(const uint8_t *in, const uint32_t *tags, struct dense_view *v, uint8_t *page)
{
    count_tags(tags, v);
    if (!dense_areas_match(v))
        return -1;
    struct lanes l;
    const uint8_t *miss = in + 4 * (size_t)FIXED_WORDS;
    unpack_indices(in + 4 * (size_t)v->miss_end, 4 * (size_t)(v->idx_end - v->miss_end), l.idx);
    unpack_lows(in + 4 * (size_t)v->idx_end, v->low_end - v->idx_end, l.low);
    hash_misses(miss, v->nmiss, l.miss_slot);
    expand_lanes(tags, miss, &l, page);
    resolve_steps(tags, l.slot, page);
    return 0;
}

#endif
