/* Unit tests for compressor/wkdm.c: round trips, the format, shortcuts, budgets,
 * and decompression of corrupted or truncated input (a deterministic fuzz loop that
 * also runs under `make asan`), each with every set of inner loops this CPU runs
 * (portable C, SSE4.1, AVX-512), which must also agree with each other. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "compressor/wkdm.h"
#include "tests/unit/test_compressor_pages.h"

static uint8_t page[TP_PAGE], back[TP_PAGE];
static uint8_t out[WKDM_MAX_OUT];

#define NLOOPS (WKDM_LOOPS_AVX512 + 1)

/* Loop tests run once per set of loops; where this CPU lacks one, the best below. */
static void use_loops(int i) { wkdm_set_loops((enum wkdm_loops)i); }

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

static uint32_t get32(const uint8_t *p, unsigned word)
{
    uint32_t v;
    memcpy(&v, p + 4 * word, 4);
    return v;
}

/* Compresses with an unlimited budget and checks the round trip. Returns the size. */
static int round_trip(const uint8_t *pg)
{
    uint32_t single = 0;
    int n = wkdm_compress(pg, out, sizeof out, &single);
    ck_assert_int_ge(n, 0);
    if (n == 0) {
        wkdm_fill(back, single);
    } else {
        ck_assert_int_eq(n % 4, 0);
        memset(back, 0xee, sizeof back);
        ck_assert_int_eq(wkdm_decompress(out, (size_t)n, back), 0);
    }
    ck_assert_mem_eq(back, pg, TP_PAGE);
    return n;
}

START_TEST(round_trip_every_kind)
{
    use_loops(_i);
    for (int k = 0; k < PK_NKINDS; k++) {
        for (uint64_t seed = 1; seed <= 20; seed++) {
            make_page((enum page_kind)k, seed, page);
            int n = round_trip(page);
            enum wkdm_form f = n ? wkdm_form_of(out, (size_t)n) : WKDM_FORM_INVALID;
            switch (k) {
            case PK_ZERO:
            case PK_SINGLE:
                ck_assert_int_eq(n, 0);
                break;
            case PK_SPARSE:
                ck_assert_int_eq(f, WKDM_FORM_SPARSE);
                break;
            default:
                ck_assert_int_eq(f, WKDM_FORM_DENSE);
                ck_assert_int_ge(n, WKDM_DENSE_MIN);
                ck_assert_int_le(n, WKDM_MAX_OUT);
            }
        }
    }
}
END_TEST

START_TEST(round_trip_crowded_entries)
{
    use_loops(_i);
    for (uint64_t seed = 1; seed <= 40; seed++) {
        make_crowded_page(seed, page);
        ck_assert_int_gt(round_trip(page), 0);
    }
}
END_TEST

/* Every set of loops writes the same bytes and reads every other's output. */
START_TEST(all_loops_agree)
{
    static uint8_t first[WKDM_MAX_OUT];
    for (int k = 0; k <= PK_NKINDS; k++)
        for (uint64_t seed = 1; seed <= 12; seed++) {
            if (k == PK_NKINDS)
                make_crowded_page(seed, page);
            else
                make_page((enum page_kind)k, seed, page);
            uint32_t v1 = 0, v = 0;
            use_loops(0);
            int n1 = wkdm_compress(page, first, sizeof first, &v1);
            for (int l = 1; l < NLOOPS; l++) {
                use_loops(l);
                int n = wkdm_compress(page, out, sizeof out, &v);
                ck_assert_int_eq(n, n1);
                ck_assert_uint_eq(v, v1);
                if (n > 0)
                    ck_assert_mem_eq(out, first, (size_t)n);
            }
            for (int l = 0; l < NLOOPS && n1 > 0; l++) {
                use_loops(l);
                memset(back, 0xee, sizeof back);
                ck_assert_int_eq(wkdm_decompress(first, (size_t)n1, back), 0);
                ck_assert_mem_eq(back, page, TP_PAGE);
            }
        }
}
END_TEST

START_TEST(heap_and_code_compress)
{
    /* Not a speed claim: just that the dictionary does its job on such pages. */
    make_page(PK_HEAP, 7, page);
    ck_assert_int_lt(round_trip(page), TP_PAGE / 2);
    make_page(PK_CODE, 7, page);
    ck_assert_int_lt(round_trip(page), TP_PAGE);
}
END_TEST

START_TEST(single_value_detection)
{
    uint32_t v = 0;
    memset(page, 0, sizeof page);
    ck_assert_int_eq(wkdm_compress(page, out, sizeof out, &v), 0);
    ck_assert_uint_eq(v, 0);
    wkdm_fill(page, 0xdeadbeef);
    ck_assert_int_eq(wkdm_single(page, &v), 1);
    ck_assert_uint_eq(v, 0xdeadbeef);
    ck_assert_int_eq(wkdm_compress(page, out, 0, &v), 0);      /* no budget needed */
    page[TP_PAGE - 1] ^= 1;                                     /* last byte differs */
    ck_assert_int_eq(wkdm_single(page, &v), 0);
    ck_assert_int_gt(round_trip(page), 0);
}
END_TEST

/* A hand-made page whose dense output is checked field by field against the format:
 * word 0 ZERO, 1 MISS, 2 EXACT, 3 PARTIAL, then 4092 words of 1 (EXACT on the
 * initial entry). 0x12345678 hashes to entry 3 (bits 17:10 = 21, 21 * 173 = 3633),
 * 1 to entry 0. */
START_TEST(dense_format_fields)
{
    for (unsigned i = 0; i < TP_PAGE / 4; i++)
        tp_put32(page, i, 1);
    tp_put32(page, 0, 0);
    tp_put32(page, 1, 0x12345678);
    tp_put32(page, 2, 0x12345678);
    tp_put32(page, 3, 0x123457ff);
    uint32_t v;
    int n = wkdm_compress(page, out, sizeof out, &v);
    unsigned nidx = 4094, idx_words = (nidx + 7) / 8;
    ck_assert_int_eq(n, 4 * (3 + 256 + 1 + idx_words + 1));
    ck_assert_uint_eq(get32(out, 0), ('W' << 24) | 260);        /* end of misses */
    ck_assert_uint_eq(get32(out, 1), 260 + idx_words);
    ck_assert_uint_eq(get32(out, 2), 260 + idx_words + 1);
    ck_assert_uint_eq(get32(out, 3), 0u | 2u << 2 | 3u << 4 | 1u << 6 | 0xffffff00u);
    ck_assert_uint_eq(get32(out, 4), 0xffffffffu);
    ck_assert_uint_eq(get32(out, 259), 0x12345678);             /* the miss */
    ck_assert_uint_eq(get32(out, 260), 0x00000033);             /* indices 3, 3, 0, ... */
    ck_assert_uint_eq(get32(out, 260 + idx_words), 0x3ff);      /* the partial's low bits */
    ck_assert_int_eq(wkdm_decompress(out, (size_t)n, back), 0);
    ck_assert_mem_eq(back, page, TP_PAGE);
}
END_TEST

START_TEST(sparse_form_when_smaller)
{
    memset(page, 0, sizeof page);
    tp_put32(page, 5, 0xabcdef01);
    tp_put32(page, 4000, 7);
    tp_put32(page, 4095, 0x80000000);
    int n = round_trip(page);
    ck_assert_int_eq(wkdm_form_of(out, (size_t)n), WKDM_FORM_SPARSE);
    ck_assert_int_eq(n, 4 + 3 * 4 + 8);                         /* 3 offsets padded to 8 */
    ck_assert_uint_eq(get32(out, 0), ('S' << 24) | 3);
    /* Every other word non-zero: the dense form is smaller. */
    for (unsigned i = 0; i < TP_PAGE / 4; i += 2)
        tp_put32(page, i, 0x1000 + i);
    n = round_trip(page);
    ck_assert_int_eq(wkdm_form_of(out, (size_t)n), WKDM_FORM_DENSE);
}
END_TEST

START_TEST(budget_is_exact_and_aborts_early)
{
    for (int k = PK_TEXT; k < PK_NKINDS; k++) {
        make_page((enum page_kind)k, 3, page);
        uint32_t v;
        int n = wkdm_compress(page, out, sizeof out, &v);
        ck_assert_int_gt(n, 0);
        ck_assert_int_eq(wkdm_compress(page, out, (size_t)n, &v), n);
        ck_assert_int_eq(wkdm_compress(page, out, (size_t)n - 1, &v), -1);
        ck_assert_int_eq(wkdm_compress(page, out, 100, &v), -1);
    }
    /* Sparse pages still fit a budget the dense form could never meet. */
    make_page(PK_SPARSE, 3, page);
    uint32_t v;
    int n = wkdm_compress(page, out, sizeof out, &v);
    ck_assert_int_lt(n, WKDM_DENSE_MIN);
    ck_assert_int_eq(wkdm_compress(page, out, (size_t)n, &v), n);
}
END_TEST

START_TEST(random_page_hits_the_bound)
{
    make_page(PK_RANDOM, 9, page);
    int n = round_trip(page);
    ck_assert_int_gt(n, TP_PAGE);
    ck_assert_int_le(n, WKDM_MAX_OUT);
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
    use_loops(_i);
    for (int k = PK_SPARSE; k < PK_NKINDS; k++) {
        make_page((enum page_kind)k, 5, page);
        uint32_t v;
        int n = wkdm_compress(page, out, sizeof out, &v);
        ck_assert_int_gt(n, 0);
        for (int len = 0; len < n; len += (len < 64 ? 1 : 97))
            ck_assert_int_eq(decompress_exact(out, (size_t)len), -1);
        ck_assert_int_eq(decompress_exact(out, (size_t)n - 1), -1);
        ck_assert_int_eq(decompress_exact(out, (size_t)n), 0);
    }
}
END_TEST

START_TEST(corrupt_headers_are_rejected)
{
    use_loops(_i);
    make_page(PK_HEAP, 11, page);
    uint32_t v;
    int n = wkdm_compress(page, out, sizeof out, &v);
    uint8_t bad[WKDM_MAX_OUT];
    const uint32_t tweaks[][2] = {
        { 0, 0 }, { 0, ('X' << 24) | 300 }, { 0, ('W' << 24) | 5000 }, { 0, ('W' << 24) | 258 },
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
    /* Sparse: an offset out of range, and offsets out of order. */
    memset(page, 0, sizeof page);
    tp_put32(page, 10, 1);
    tp_put32(page, 20, 2);
    n = wkdm_compress(page, out, sizeof out, &v);
    memcpy(bad, out, (size_t)n);
    uint16_t off = 4096;
    memcpy(bad + 12, &off, 2);
    ck_assert_int_eq(decompress_exact(bad, (size_t)n), -1);
    off = 20;
    memcpy(bad + 12, &off, 2);
    ck_assert_int_eq(decompress_exact(bad, (size_t)n), -1);
    tp_put32(bad, 0, ('S' << 24) | 0);
    ck_assert_int_eq(decompress_exact(bad, 4), -1);
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

/* Compresses the iter-th page of the fuzz corpus into bad; its length. */
static size_t fuzz_source(unsigned iter, uint8_t *bad)
{
    make_page((enum page_kind)(PK_SPARSE + iter % (PK_NKINDS - PK_SPARSE)), iter / 7, page);
    uint32_t v;
    int n = wkdm_compress(page, bad, WKDM_MAX_OUT, &v);
    ck_assert_int_gt(n, 0);
    return (size_t)n;
}

/* Each result is a clean -1 or some page, with no access outside the buffers. */
START_TEST(fuzz_corrupted_inputs)
{
    use_loops(_i);
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
        for (int l = 1; l < NLOOPS; l++) {
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
    use_loops(_i);
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
    tcase_add_loop_test(tc, round_trip_every_kind, 0, NLOOPS);
    tcase_add_loop_test(tc, round_trip_crowded_entries, 0, NLOOPS);
    tcase_add_test(tc, all_loops_agree);
    tcase_add_test(tc, heap_and_code_compress);
    tcase_add_test(tc, single_value_detection);
    tcase_add_test(tc, dense_format_fields);
    tcase_add_test(tc, sparse_form_when_smaller);
    tcase_add_test(tc, budget_is_exact_and_aborts_early);
    tcase_add_test(tc, random_page_hits_the_bound);
    suite_add_tcase(s, tc);

    /* Iteration i with loops i (portable C, SSE4.1, AVX-512) where this CPU has them. */
    TCase *bad = tcase_create("corrupt input");
    tcase_set_timeout(bad, 120);
    tcase_add_loop_test(bad, truncated_inputs_are_rejected, 0, NLOOPS);
    tcase_add_loop_test(bad, corrupt_headers_are_rejected, 0, NLOOPS);
    tcase_add_loop_test(bad, fuzz_corrupted_inputs, 0, NLOOPS);
    tcase_add_test(bad, corrupted_inputs_decode_alike);
    tcase_add_loop_test(bad, decoding_stops_at_a_guard_page, 0, NLOOPS);
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
