/* Unit tests for compressor/wkdm.c: XNU's arm64 16 KB format byte for byte (vectors
 * derived by hand from the format, and a plain word-by-word reference encoder written
 * from the format's description, compared on a corpus), round trips, budgets, the
 * early abort, and decompression of corrupted or truncated input (a deterministic
 * fuzz loop that also runs under `make asan`), each with every set of inner loops
 * (portable C, SSE4.1, AVX2, AVX-512); a set this CPU cannot run is skipped, and
 * says so. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "compressor/wkdm.h"
#include "tests/unit/test_compressor_pages.h"

static uint8_t page[TP_PAGE], back[TP_PAGE];
static uint8_t out[WKDM_MAX_OUT];

/* Uses loops i if this CPU runs them; false (and a line saying so) if not. */
static bool use_loops(int i)
{
    enum wkdm_loops l = (enum wkdm_loops)i;
    if (!wkdm_loops_usable(l)) {
        printf("test_wkdm: skipped with the %s loops: this CPU does not run them\n", wkdm_loops_name(l));
        return false;
    }
    ck_assert_int_eq(wkdm_set_loops(l), l);
    return true;
}

#define USE_LOOPS(i)          \
    do {                      \
        if (!use_loops(i))    \
            return;           \
    } while (0)

/* Words that crowd few dictionary entries, so that a step of 16 words often holds
 * MISS, PARTIAL and EXACT words on one entry, in every order: a few upper halves
 * (bits 17:10 pick the entry), a few low halves, some zeros. */
static void make_crowded_page(uint64_t seed, uint8_t *p)
{
    uint64_t s = seed * 0x9e3779b97f4a7c15ull + 99;
    uint32_t uppers[6], lows[3];
    for (unsigned k = 0; k < 6; k++)
        uppers[k] = (uint32_t)tp_rand(&s) & ~0x3ffu & (k < 3 ? 0xfffc03ffu : ~0u);
    for (unsigned k = 0; k < 3; k++)
        lows[k] = (uint32_t)tp_rand(&s) & 0x3ff;
    for (unsigned i = 0; i < TP_PAGE / 4; i++) {
        uint64_t r = tp_rand(&s);
        uint32_t w = uppers[r % 6] | lows[(r >> 8) % 3];
        tp_put32(p, i, (r >> 16) % 7 == 0 ? 0 : w);
    }
}

/* Between sparse and dense: a few hundred non-zero words, some repeated, so that
 * the choice of form falls either way. */
static void make_borderline_page(uint64_t seed, uint8_t *p)
{
    uint64_t s = seed * 0x9e3779b97f4a7c15ull + 7;
    memset(p, 0, TP_PAGE);
    unsigned n = 300 + (unsigned)(tp_rand(&s) % 500), repeat = (unsigned)(tp_rand(&s) % 100);
    uint32_t last = 0x5000;
    for (unsigned k = 0; k < n; k++) {
        unsigned at = (unsigned)(tp_rand(&s) % (TP_PAGE / 4));
        uint32_t w = tp_rand(&s) % 100 < repeat ? last : (uint32_t)tp_rand(&s) | 0x400;
        tp_put32(p, at, w);
        last = w;
    }
}

static uint32_t get32(const uint8_t *p, unsigned word)
{
    uint32_t v;
    memcpy(&v, p + 4 * word, 4);
    return v;
}

/* ---- a reference encoder: the format, one word at a time, no shortcuts ---------- */

static size_t ref_estimate(unsigned nmiss, unsigned nidx, unsigned nlow)
{
    return 4 * (size_t)nmiss + (2 * (size_t)nlow * 1365) / 2048 + nidx / 2;
}

static int ref_compress(const uint8_t *pg, uint8_t *o, size_t budget, uint32_t *single)
{
    static uint8_t tags[4096], idx[4096 + 8];
    static uint16_t low[4096 + 3];
    static uint32_t miss[4096];
    uint32_t dict[16] = { 0 };
    unsigned nmiss = 0, nidx = 0, nlow = 0;
    int64_t left = (int64_t)budget - 1036;
    for (unsigned i = 0; i < 4096; i++) {
        if (i == 416 && ref_estimate(nmiss, nidx, nlow) > 1600)
            return -1;
        uint32_t w = get32(pg, i);
        unsigned s = wkdm_hash_slot[(w >> 10) & 0xff];
        if (w == 0) {
            tags[i] = 0;
        } else if (dict[s] == w) {
            tags[i] = 3;
            idx[nidx++] = (uint8_t)s;
        } else if (((dict[s] ^ w) >> 10) == 0) {
            tags[i] = 1;
            idx[nidx++] = (uint8_t)s;
            low[nlow++] = w & 0x3ff;
            dict[s] = w;
        } else {
            left -= 4;
            if (left <= 0)
                return -1;
            tags[i] = 2;
            miss[nmiss++] = w;
            dict[s] = w;
        }
    }
    /* Zero and single-value pages, recognised from the counts as XNU does. */
    if ((nmiss == 0 && nidx == 0) || (nlow == 0 && nidx == 4095 && nmiss == 1 && tags[0] == 2) ||
        (nlow == 1 && nidx == 4096 && tags[0] == 1)) {
        *single = get32(pg, 0);
        return 0;
    }
    size_t sparse = 4 + 6 * (size_t)(nmiss + nidx);
    if (1036 + ref_estimate(nmiss, nidx, nlow) >= sparse) {
        if (sparse > budget)
            return -1;
        uint32_t magic = WKDM_SPARSE_MAGIC;
        memcpy(o, &magic, 4);
        uint8_t *p = o + 4;
        for (unsigned i = 0; i < 4096; i++) {
            uint32_t w = get32(pg, i);
            uint16_t off = (uint16_t)(4 * i);
            if (w) {
                memcpy(p, &w, 4);
                memcpy(p + 4, &off, 2);
                p += 6;
            }
        }
        return (int)sparse;
    }
    unsigned idx_words = (nidx + 7) / 8, low_words = (nlow + 2) / 3;
    left -= 4 * (int64_t)idx_words;
    if (left < 0)
        return -1;
    for (unsigned k = 0; k < low_words; k++)
        if ((left -= 4) <= 0)
            return -1;
    unsigned w = 0;
    uint32_t hdr[3] = { 259 + nmiss, 259 + nmiss + idx_words, 259 + nmiss + idx_words + low_words };
    memcpy(o, hdr, 12);
    w = 3;
    for (unsigned k = 0; k < 256; k++, w++) {
        uint32_t t = 0;
        for (unsigned i = 0; i < 16; i++)
            t |= (uint32_t)tags[16 * k + i] << (8 * (i % 4) + 2 * (i / 4));
        tp_put32(o, w, t);
    }
    for (unsigned k = 0; k < nmiss; k++, w++)
        tp_put32(o, w, miss[k]);
    memset(idx + nidx, 0, 8);
    for (unsigned k = 0; k < idx_words; k++, w++) {
        uint32_t t = 0;
        for (unsigned n = 0; n < 8; n++)
            t |= (uint32_t)idx[8 * k + n] << (8 * (n % 4) + 4 * (n / 4));
        tp_put32(o, w, t);
    }
    memset(low + nlow, 0, 6);
    for (unsigned k = 0; k < low_words; k++, w++)
        tp_put32(o, w, low[3 * k] | (uint32_t)low[3 * k + 1] << 10 | (uint32_t)low[3 * k + 2] << 20);
    return (int)(4 * w);
}

/* wkdm_compress and the reference agree on the result and every byte. */
static void assert_like_reference(const uint8_t *pg, size_t budget)
{
    static uint8_t want[WKDM_MAX_OUT];
    uint32_t v_ref = 0, v = 0;
    int n_ref = ref_compress(pg, want, budget, &v_ref);
    int n = wkdm_compress(pg, out, budget, &v);
    ck_assert_int_eq(n, n_ref);
    if (n == 0)
        ck_assert_uint_eq(v, v_ref);
    if (n > 0)
        ck_assert_mem_eq(out, want, (size_t)n);
}

/* Compresses with an unlimited budget and checks the round trip. Returns the size
 * (-1 for a page the early abort refused). */
static int round_trip(const uint8_t *pg)
{
    uint32_t single = 0;
    int n = wkdm_compress(pg, out, sizeof out, &single);
    if (n < 0)
        return n;
    if (n == 0) {
        wkdm_fill(back, single);
    } else {
        memset(back, 0xee, sizeof back);
        ck_assert_int_eq(wkdm_decompress(out, (size_t)n, back), 0);
    }
    ck_assert_mem_eq(back, pg, TP_PAGE);
    return n;
}

/* ---- vectors derived by hand ------------------------------------------------------ */

START_TEST(vector_zero_and_single_value_pages)
{
    USE_LOOPS(_i);
    uint32_t v = 7;
    memset(page, 0, sizeof page);
    ck_assert_int_eq(wkdm_compress(page, out, 0, &v), 0);
    ck_assert_uint_eq(v, 0);
    /* A value over 10 bits is one MISS (the dictionary starts at zero) and 4095
     * EXACT words: XNU wants budget for the MISS, 1036 + 4 < budget. */
    wkdm_fill(page, 0xdeadbeef);
    ck_assert_int_eq(wkdm_compress(page, out, 1041, &v), 0);
    ck_assert_uint_eq(v, 0xdeadbeef);
    ck_assert_int_eq(wkdm_compress(page, out, 1040, &v), -1);
    /* One PARTIAL and 4095 EXACT: no budget at all. */
    wkdm_fill(page, 0x3ff);
    ck_assert_int_eq(wkdm_compress(page, out, 0, &v), 0);
    ck_assert_uint_eq(v, 0x3ff);
    page[TP_PAGE - 1] ^= 1;                                     /* last byte differs */
    ck_assert_int_eq(wkdm_single(page, &v), 0);
    ck_assert_int_gt(round_trip(page), 0);
}
END_TEST

/* 0x17185 header, then (word, byte offset) pairs: 4 + 6 x 3 bytes. */
START_TEST(vector_sparse_page)
{
    USE_LOOPS(_i);
    static const uint8_t want[22] = {
        0x21, 0x43, 0x00, 0x00,                                 /* 17185 */
        0x01, 0xef, 0xcd, 0xab, 0x14, 0x00,                     /* word 5 at byte 20 */
        0x07, 0x00, 0x00, 0x00, 0x80, 0x3e,                     /* word 4000 at 16000 */
        0x00, 0x00, 0x00, 0x80, 0xfc, 0x3f,                     /* word 4095 at 16380 */
    };
    memset(page, 0, sizeof page);
    tp_put32(page, 5, 0xabcdef01);
    tp_put32(page, 4000, 7);
    tp_put32(page, 4095, 0x80000000);
    uint32_t v;
    ck_assert_int_eq(wkdm_compress(page, out, sizeof out, &v), 22);
    ck_assert_mem_eq(out, want, sizeof want);
    ck_assert_int_eq(wkdm_form_of(out, 22), WKDM_FORM_SPARSE);
    /* The budget meets the scan first: word 5 is a MISS, word 4000 a PARTIAL on slot
     * 0 (zero), word 4095 a MISS on slot 0; so 1036 + 2 x 4 < budget. */
    ck_assert_int_eq(wkdm_compress(page, out, 1045, &v), 22);
    ck_assert_int_eq(wkdm_compress(page, out, 1044, &v), -1);
    ck_assert_int_eq(wkdm_decompress(want, sizeof want, back), 0);
    ck_assert_mem_eq(back, page, TP_PAGE);
}
END_TEST

/* Word 0 ZERO, 1 MISS, 2 EXACT, 3 PARTIAL (0x12345678 and 0x123457ff share bits
 * 31:10; bits 17:10 = 0x15, slot 15), word 4 = 1: PARTIAL on slot 0 (still zero),
 * then 4091 words of 1: EXACT on slot 0. 1 MISS, 4094 indices (512 words), 2 lows
 * (1 word). */
START_TEST(vector_one_of_each_tag)
{
    USE_LOOPS(_i);
    for (unsigned i = 0; i < TP_PAGE / 4; i++)
        tp_put32(page, i, 1);
    tp_put32(page, 0, 0);
    tp_put32(page, 1, 0x12345678);
    tp_put32(page, 2, 0x12345678);
    tp_put32(page, 3, 0x123457ff);
    uint32_t v;
    int n = wkdm_compress(page, out, sizeof out, &v);
    ck_assert_int_eq(n, 4 * 773);
    ck_assert_uint_eq(get32(out, 0), 260);                      /* end of misses */
    ck_assert_uint_eq(get32(out, 1), 772);                      /* end of indices */
    ck_assert_uint_eq(get32(out, 2), 773);                      /* end of lows */
    /* tags 0..15 = 0 2 3 1 1 3 3 ...: byte b holds tags b, b+4, b+8, b+12 */
    ck_assert_uint_eq(get32(out, 3), 0xfdfffef4u);
    for (unsigned k = 4; k < 259; k++)
        ck_assert_uint_eq(get32(out, k), 0xffffffffu);
    ck_assert_uint_eq(get32(out, 259), 0x12345678);             /* the miss */
    ck_assert_uint_eq(get32(out, 260), 0x00000f0f);             /* indices 15, 15, 0, ... */
    for (unsigned k = 261; k < 772; k++)
        ck_assert_uint_eq(get32(out, k), 0);
    ck_assert_uint_eq(get32(out, 772), 0x3ff | 1u << 10);       /* lows 0x3ff, 1 */
    /* With low bits, XNU wants the output strictly under the budget. */
    ck_assert_int_eq(wkdm_compress(page, out, 4 * 773 + 1, &v), 4 * 773);
    ck_assert_int_eq(wkdm_compress(page, out, 4 * 773, &v), -1);
    ck_assert_int_eq(round_trip(page), 4 * 773);
}
END_TEST

/* Words 1-8 MISS with bits 17:10 = 1..8 (slots 13 2 14 4 3 7 5 1), words 9-16 the
 * same again (EXACT), the rest the last of them (EXACT on slot 1): the indices'
 * nibbles interleave, 4 low nibbles then 4 high ones. */
START_TEST(vector_index_packing)
{
    USE_LOOPS(_i);
    memset(page, 0, sizeof page);
    for (unsigned k = 1; k <= 8; k++) {
        tp_put32(page, k, k << 10);
        tp_put32(page, 8 + k, k << 10);
    }
    for (unsigned i = 17; i < TP_PAGE / 4; i++)
        tp_put32(page, i, 8u << 10);
    uint32_t v;
    int n = wkdm_compress(page, out, sizeof out, &v);
    ck_assert_int_eq(n, 4 * 778);
    ck_assert_uint_eq(get32(out, 0), 267);
    ck_assert_uint_eq(get32(out, 1), 778);
    ck_assert_uint_eq(get32(out, 2), 778);                      /* no low bits */
    ck_assert_uint_eq(get32(out, 3), 0xfafafae8u);              /* 0 2 2 2 2 2 2 2 2 3 3 ... */
    ck_assert_uint_eq(get32(out, 4), 0xffffffffu);
    for (unsigned k = 1; k <= 8; k++)
        ck_assert_uint_eq(get32(out, 258 + k), k << 10);
    ck_assert_uint_eq(get32(out, 267), 0x145e723du);            /* 13 2 14 4 | 3 7 5 1 */
    ck_assert_uint_eq(get32(out, 268), 0x11111111u);
    ck_assert_uint_eq(get32(out, 777), 0x01111111u);            /* 7 indices and a pad */
    /* Without low bits, the output may fill the budget. */
    ck_assert_int_eq(wkdm_compress(page, out, 4 * 778, &v), 4 * 778);
    ck_assert_int_eq(wkdm_compress(page, out, 4 * 778 - 1, &v), -1);
    ck_assert_int_eq(round_trip(page), 4 * 778);
}
END_TEST

/* Words 0-396: 397 MISSes ((i + 1) << 10, each new bits 31:10); the rest repeat word
 * 396 (EXACT). At word 416, XNU's count is 397 x 4 + 19 / 2 = 1597 bytes: not over
 * 1600. */
static void make_checkpoint_page(uint8_t *p)
{
    for (unsigned i = 0; i < TP_PAGE / 4; i++)
        tp_put32(p, i, (i < 397 ? i + 1 : 397) << 10);
}

START_TEST(vector_early_abort)
{
    USE_LOOPS(_i);
    uint32_t v;
    make_checkpoint_page(page);
    ck_assert_int_eq(wkdm_compress(page, out, sizeof out, &v), 4 * (259 + 397 + 463));
    /* A 398th MISS within the first 416 words (slot 14; 397 << 10 is on slot 15):
     * 398 x 4 + 18 / 2 = 1601 bytes, -1 whatever the budget. */
    tp_put32(page, 415, 0x7fffffff);
    ck_assert_int_eq(wkdm_compress(page, out, sizeof out, &v), -1);
    /* The same MISS at word 416 comes after the check. */
    make_checkpoint_page(page);
    tp_put32(page, 416, 0x7fffffff);
    ck_assert_int_eq(wkdm_compress(page, out, sizeof out, &v), 4 * (259 + 398 + 463));
    /* Random words miss from the start. */
    make_page(PK_RANDOM, 9, page);
    ck_assert_int_eq(wkdm_compress(page, out, sizeof out, &v), -1);
}
END_TEST

/* Tag i of the first 16 at bit 8(i%4) + 2(i/4): words 0-15 zero but word pos (the
 * first non-zero word: a MISS), the rest EXACT on it. */
START_TEST(vector_tag_positions)
{
    USE_LOOPS(_i);
    for (unsigned pos = 0; pos < 16; pos++) {
        for (unsigned i = 0; i < TP_PAGE / 4; i++)
            tp_put32(page, i, i < 16 ? 0 : 0x4000);
        tp_put32(page, pos, 0x4000);
        uint32_t v;
        int n = wkdm_compress(page, out, sizeof out, &v);
        ck_assert_int_gt(n, 0);
        ck_assert_uint_eq(get32(out, 3), 2u << (8 * (pos % 4) + 2 * (pos / 4)));
    }
}
END_TEST

/* ---- the reference, a corpus, the loops -------------------------------------------- */

static void make_corpus_page(unsigned k, uint64_t seed, uint8_t *p)
{
    if (k < PK_NKINDS)
        make_page((enum page_kind)k, seed, p);
    else if (k == PK_NKINDS)
        make_crowded_page(seed, p);
    else if (k == PK_NKINDS + 1)
        make_borderline_page(seed, p);
    else
        make_checkpoint_page(p), tp_put32(p, (unsigned)(seed * 37 % 4096), (uint32_t)seed << 12 | 5);
}

#define CORPUS_KINDS (PK_NKINDS + 3)

START_TEST(same_bytes_as_the_reference)
{
    USE_LOOPS(_i);
    unsigned outcomes[3] = { 0 };                   /* -1, single, output */
    for (unsigned k = 0; k < CORPUS_KINDS; k++)
        for (uint64_t seed = 1; seed <= 24; seed++) {
            make_corpus_page(k, seed, page);
            uint32_t v;
            static uint8_t want[WKDM_MAX_OUT];
            int n = ref_compress(page, want, WKDM_MAX_OUT, &v);
            outcomes[n < 0 ? 0 : n == 0 ? 1 : 2]++;
            const size_t budgets[] = { WKDM_MAX_OUT, 16380, 12287, 4096, 1041, 1040, 100, 0 };
            for (unsigned b = 0; b < sizeof budgets / sizeof budgets[0]; b++)
                assert_like_reference(page, budgets[b]);
            if (n > 0) {
                assert_like_reference(page, (size_t)n);
                assert_like_reference(page, (size_t)n - 1);
                assert_like_reference(page, (size_t)n + 1);
            }
        }
    ck_assert_uint_gt(outcomes[0], 20);
    ck_assert_uint_gt(outcomes[1], 20);
    ck_assert_uint_gt(outcomes[2], 100);
}
END_TEST

START_TEST(round_trip_every_kind)
{
    USE_LOOPS(_i);
    unsigned kept = 0;
    for (unsigned k = 0; k < CORPUS_KINDS; k++)
        for (uint64_t seed = 1; seed <= 20; seed++) {
            make_corpus_page(k, seed, page);
            int n = round_trip(page);
            kept += n >= 0;
            if (k == PK_ZERO || k == PK_SINGLE)
                ck_assert_int_eq(n, 0);
            if (k == PK_SPARSE)
                ck_assert_int_eq(wkdm_form_of(out, (size_t)n), WKDM_FORM_SPARSE);
            if (k == PK_HEAP)
                ck_assert_int_eq(wkdm_form_of(out, (size_t)n), WKDM_FORM_DENSE);
            if (k == PK_RANDOM)
                ck_assert_int_eq(n, -1);
        }
    ck_assert_uint_gt(kept, 100);
}
END_TEST

/* Every set of loops writes the same bytes and reads every other's output. */
START_TEST(all_loops_agree)
{
    static uint8_t first[WKDM_MAX_OUT];
    unsigned compared = 0;
    for (unsigned k = 0; k < CORPUS_KINDS; k++)
        for (uint64_t seed = 1; seed <= 12; seed++) {
            make_corpus_page(k, seed, page);
            uint32_t v1 = 0, v = 0;
            use_loops(WKDM_LOOPS_PORTABLE);
            int n1 = wkdm_compress(page, first, sizeof first, &v1);
            for (int l = 1; l < WKDM_NLOOPS; l++) {
                if (!wkdm_loops_usable((enum wkdm_loops)l))
                    continue;
                use_loops(l);
                int n = wkdm_compress(page, out, sizeof out, &v);
                ck_assert_int_eq(n, n1);
                ck_assert_uint_eq(v, v1);
                if (n > 0)
                    ck_assert_mem_eq(out, first, (size_t)n);
                compared++;
            }
            for (int l = 0; l < WKDM_NLOOPS && n1 > 0; l++) {
                if (!wkdm_loops_usable((enum wkdm_loops)l))
                    continue;
                use_loops(l);
                memset(back, 0xee, sizeof back);
                ck_assert_int_eq(wkdm_decompress(first, (size_t)n1, back), 0);
                ck_assert_mem_eq(back, page, TP_PAGE);
            }
        }
    for (int l = 1; l < WKDM_NLOOPS; l++)
        if (!wkdm_loops_usable((enum wkdm_loops)l))
            printf("test_wkdm: all_loops_agree without the %s loops: this CPU does not run them\n",
                   wkdm_loops_name((enum wkdm_loops)l));
    (void)compared;
}
END_TEST

/* The host's loops are chosen by timing every set this CPU runs. */
START_TEST(loops_chosen_by_measurement)
{
    enum wkdm_loops l = wkdm_loops_current();
    ck_assert(wkdm_loops_usable(l));
    const char *why = wkdm_loops_choice();
    ck_assert_ptr_nonnull(strstr(why, "measured"));
    for (int k = 0; k < WKDM_NLOOPS; k++) {
        char name[32];
        snprintf(name, sizeof name, " %s ", wkdm_loops_name((enum wkdm_loops)k));
        ck_assert_int_eq(strstr(why, name) != NULL, wkdm_loops_usable((enum wkdm_loops)k));
    }
}
END_TEST

START_TEST(heap_and_code_compress)
{
    /* Not a speed claim: just that the dictionary does its job on such pages. */
    make_page(PK_HEAP, 7, page);
    ck_assert_int_lt(round_trip(page), TP_PAGE / 2);
}
END_TEST

/* Decompresses in[0, len) from a heap copy of exactly len bytes into a heap page,
 * so that AddressSanitizer sees any access outside either. */
static int decompress_exact(const uint8_t *in, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1), *pg = malloc(TP_PAGE);
    ck_assert_ptr_nonnull(copy);
    ck_assert_ptr_nonnull(pg);
    memcpy(copy, in, len);
    int r = wkdm_decompress(copy, len, pg);
    free(copy);
    free(pg);
    ck_assert(r == 0 || r == -1);
    return r;
}

START_TEST(truncated_inputs_are_rejected)
{
    USE_LOOPS(_i);
    for (unsigned k = PK_SPARSE; k < CORPUS_KINDS; k++) {
        if (k == PK_RANDOM)
            continue;
        make_corpus_page(k, 5, page);
        uint32_t v;
        int n = wkdm_compress(page, out, sizeof out, &v);
        if (n < 0)
            continue;
        ck_assert_int_gt(n, 0);
        /* The sparse form has no count: cut between two pairs it is a shorter page. */
        bool sparse = wkdm_form_of(out, (size_t)n) == WKDM_FORM_SPARSE;
        for (int len = 0; len < n; len += (len < 64 ? 1 : 97))
            if (!sparse || len < 10 || (len - 4) % 6)
                ck_assert_int_eq(decompress_exact(out, (size_t)len), -1);
        ck_assert_int_eq(decompress_exact(out, (size_t)n - 1), -1);
        ck_assert_int_eq(decompress_exact(out, (size_t)n), 0);
    }
}
END_TEST

START_TEST(corrupt_headers_are_rejected)
{
    USE_LOOPS(_i);
    make_page(PK_HEAP, 11, page);
    uint32_t v;
    int n = wkdm_compress(page, out, sizeof out, &v);
    ck_assert_int_gt(n, 0);
    uint8_t bad[WKDM_MAX_OUT];
    const uint32_t tweaks[][2] = {
        { 0, 0 }, { 0, 258 }, { 0, 5000 }, { 0, 0x58000000u }, { 0, get32(out, 0) + 1 },
        { 1, 0xffffffffu }, { 2, 0 }, { 2, 0x7fffffffu }, { 1, 259 },
    };
    for (unsigned t = 0; t < sizeof tweaks / sizeof tweaks[0]; t++) {
        memcpy(bad, out, (size_t)n);
        tp_put32(bad, tweaks[t][0], tweaks[t][1]);
        ck_assert_int_eq(decompress_exact(bad, (size_t)n), -1);
    }
    /* A tag turned from ZERO to MISS no longer matches the miss area. */
    memcpy(bad, out, (size_t)n);
    unsigned w = 3, bit = 0;
    while ((get32(bad, w) >> bit & 3) != 0) {
        bit = (bit + 2) % 32;
        w += bit == 0;
        ck_assert_uint_lt(w, 259);
    }
    uint32_t tags = get32(bad, w);
    tp_put32(bad, w, tags | 2u << bit);
    ck_assert_int_eq(decompress_exact(bad, (size_t)n), -1);
    /* Sparse: offsets out of range, unaligned, out of order; a zero word; a length
     * that is not 4 + 6n; no pair at all. The second pair's offset is at byte 14. */
    memset(page, 0, sizeof page);
    tp_put32(page, 10, 1);
    tp_put32(page, 20, 2);
    n = wkdm_compress(page, out, sizeof out, &v);
    ck_assert_int_eq(n, 16);
    ck_assert_int_eq(decompress_exact(out, (size_t)n), 0);
    const uint16_t offsets[] = { 16384, 81, 40, 20 };
    for (unsigned t = 0; t < sizeof offsets / sizeof offsets[0]; t++) {
        memcpy(bad, out, (size_t)n);
        memcpy(bad + 14, &offsets[t], 2);
        ck_assert_int_eq(decompress_exact(bad, (size_t)n), -1);
    }
    memcpy(bad, out, (size_t)n);
    tp_put32(bad + 2, 2, 0);                                    /* second word, bytes 10-13 */
    ck_assert_int_eq(decompress_exact(bad, (size_t)n), -1);
    ck_assert_int_eq(decompress_exact(out, (size_t)n - 1), -1);
    ck_assert_int_eq(decompress_exact(out, 4), -1);
}
END_TEST

/* One corruption of a valid output in bad[0, *len): bit flips, a header or tag word
 * overwritten, a truncation or extension, or garbage behind a valid header. */
static void corrupt(uint8_t *bad, size_t *len, uint64_t *s)
{
    size_t n = *len;
    uint64_t r = tp_rand(s);
    switch (r % 4) {
    case 0:
        for (unsigned b = 0; b <= (r >> 8) % 8; b++) {
            size_t at = tp_rand(s) % n;
            bad[at] ^= (uint8_t)(1u << (tp_rand(s) % 8));
        }
        break;
    case 1:
        tp_put32(bad, (unsigned)((r >> 8) % (n / 4 < 300 ? n / 4 : 300)), (uint32_t)tp_rand(s));
        break;
    case 2:
        *len = (r >> 8) % (n + 64);
        if (*len > n)
            memset(bad + n, 0xa5, *len - n);
        break;
    default:
        for (size_t i = 12; i < n; i++)
            bad[i] = (uint8_t)tp_rand(s);
        break;
    }
}

/* Compresses the iter-th page of the fuzz corpus into bad; its length. Pages the
 * early abort refuses are replaced by crowded ones. */
static size_t fuzz_source(unsigned iter, uint8_t *bad)
{
    make_corpus_page(PK_SPARSE + iter % (CORPUS_KINDS - PK_SPARSE), iter / 7, page);
    uint32_t v;
    int n = wkdm_compress(page, bad, WKDM_MAX_OUT, &v);
    if (n <= 0) {
        make_crowded_page(iter, page);
        n = wkdm_compress(page, bad, WKDM_MAX_OUT, &v);
    }
    ck_assert_int_gt(n, 0);
    return (size_t)n;
}

/* Each result is a clean -1 or some page, with no access outside the buffers. */
START_TEST(fuzz_corrupted_inputs)
{
    USE_LOOPS(_i);
    uint64_t s = 0x5eed;
    unsigned errors = 0, pages = 0;
    uint8_t bad[WKDM_MAX_OUT + 64];
    for (unsigned iter = 0; iter < 6000; iter++) {
        size_t len = fuzz_source(iter, bad);
        corrupt(bad, &len, &s);
        if (decompress_exact(bad, len) < 0)
            errors++;
        else
            pages++;
    }
    /* Both outcomes occur: corruption is mostly caught, never fatal. */
    ck_assert_uint_gt(errors, 3000);
    ck_assert_uint_gt(pages, 500);
}
END_TEST

/* A corrupted input that is still well formed decodes to the same page, whatever
 * the loops: they replay the same dictionary. */
START_TEST(corrupted_inputs_decode_alike)
{
    static uint8_t first[TP_PAGE];
    uint64_t s = 0xd1ff;
    unsigned compared = 0;
    uint8_t bad[WKDM_MAX_OUT + 64];
    for (unsigned iter = 0; iter < 3000; iter++) {
        size_t len = fuzz_source(iter, bad);
        corrupt(bad, &len, &s);
        use_loops(0);
        int r0 = wkdm_decompress(bad, len, first);
        for (int l = 1; l < WKDM_NLOOPS; l++) {
            if (!wkdm_loops_usable((enum wkdm_loops)l))
                continue;
            use_loops(l);
            ck_assert_int_eq(wkdm_decompress(bad, len, back), r0);
            if (r0 == 0)
                ck_assert_mem_eq(back, first, TP_PAGE);
        }
        compared += r0 == 0;
    }
    ck_assert_uint_gt(compared, 300);
}
END_TEST

/* n bytes that end where an inaccessible page begins. */
static uint8_t *before_guard(size_t n, uint8_t **map, size_t *map_len)
{
    size_t ps = (size_t)sysconf(_SC_PAGESIZE), body = (n + ps - 1) / ps * ps;
    *map_len = body + ps;
    *map = mmap(NULL, *map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(*map, MAP_FAILED);
    ck_assert_int_eq(mprotect(*map + body, ps, PROT_NONE), 0);
    return *map + body - n;
}

/* AddressSanitizer does not see the vector loops' masked loads; a guard page right
 * behind the input and behind the page faults on any read or write past them. */
START_TEST(decoding_stops_at_a_guard_page)
{
    USE_LOOPS(_i);
    uint8_t *in_map, *page_map, bad[WKDM_MAX_OUT + 64];
    size_t in_map_len, page_map_len;
    uint8_t *pg = before_guard(TP_PAGE, &page_map, &page_map_len);
    uint64_t s = 0x9a4d;
    unsigned decoded = 0;
    for (unsigned iter = 0; iter < 1200; iter++) {
        size_t len = fuzz_source(iter, bad);
        if (iter % 3)
            corrupt(bad, &len, &s);
        uint8_t *in = before_guard(len, &in_map, &in_map_len);
        memcpy(in, bad, len);
        decoded += wkdm_decompress(in, len, pg) == 0;
        munmap(in_map, in_map_len);
    }
    munmap(page_map, page_map_len);
    ck_assert_uint_gt(decoded, 400);
}
END_TEST

static Suite *wkdm_suite(void)
{
    Suite *s = suite_create("wkdm");
    TCase *tc = tcase_create("codec");
    /* Iteration i with loops i (portable C, SSE4.1, AVX2, AVX-512), skipped where
     * this CPU lacks them. */
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, vector_zero_and_single_value_pages, 0, WKDM_NLOOPS);
    tcase_add_loop_test(tc, vector_sparse_page, 0, WKDM_NLOOPS);
    tcase_add_loop_test(tc, vector_one_of_each_tag, 0, WKDM_NLOOPS);
    tcase_add_loop_test(tc, vector_index_packing, 0, WKDM_NLOOPS);
    tcase_add_loop_test(tc, vector_early_abort, 0, WKDM_NLOOPS);
    tcase_add_loop_test(tc, vector_tag_positions, 0, WKDM_NLOOPS);
    tcase_add_loop_test(tc, same_bytes_as_the_reference, 0, WKDM_NLOOPS);
    tcase_add_loop_test(tc, round_trip_every_kind, 0, WKDM_NLOOPS);
    tcase_add_test(tc, all_loops_agree);
    tcase_add_test(tc, heap_and_code_compress);
    tcase_add_test(tc, loops_chosen_by_measurement);
    suite_add_tcase(s, tc);

    TCase *bad = tcase_create("corrupt input");
    tcase_set_timeout(bad, 120);
    tcase_add_loop_test(bad, truncated_inputs_are_rejected, 0, WKDM_NLOOPS);
    tcase_add_loop_test(bad, corrupt_headers_are_rejected, 0, WKDM_NLOOPS);
    tcase_add_loop_test(bad, fuzz_corrupted_inputs, 0, WKDM_NLOOPS);
    tcase_add_test(bad, corrupted_inputs_decode_alike);
    tcase_add_loop_test(bad, decoding_stops_at_a_guard_page, 0, WKDM_NLOOPS);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(wkdm_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
