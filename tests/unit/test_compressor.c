/* Unit tests for compressor/: codec choice (WKdm, LZ4, hybrid, raw), the pool
 * (single values, segments, minor and major compaction with owner rewrites, frame
 * accounting, XNU's limits and sizes), swap out/in across several files, and bad or
 * corrupted input. Where a test checks a rule of XNU, the XNU function is named. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compressor/compressor.h"
#include "compressor/wkdm.h"
#include "tests/unit/test_compressor_pages.h"

static uint8_t page[TP_PAGE], back[TP_PAGE];
static uint8_t enc_buf[COMPRESSOR_ENCODE_MAX];
static const enum compressor_codec codecs[] = {
    COMPRESSOR_CODEC_WKDM, COMPRESSOR_CODEC_LZ4, COMPRESSOR_CODEC_HYBRID,
};
#define NCODECS (sizeof codecs / sizeof codecs[0])

/* ---- frames handed to the pool, counted ------------------------------------- */

#define MAX_TRACKED 4096

struct frame_source {
    unsigned outstanding, limit;
    void *recent[MAX_TRACKED];      /* every frame handed out, in order (first ones) */
    unsigned nrecent;
};

static void *fs_alloc(void *ctx)
{
    struct frame_source *fs = ctx;
    if (fs->outstanding >= fs->limit)
        return NULL;
    void *f = malloc(TP_PAGE);
    ck_assert_ptr_nonnull(f);
    fs->outstanding++;
    if (fs->nrecent < MAX_TRACKED)
        fs->recent[fs->nrecent++] = f;
    return f;
}

static void fs_free(void *ctx, void *f)
{
    struct frame_source *fs = ctx;
    ck_assert_uint_gt(fs->outstanding, 0);
    fs->outstanding--;
    free(f);
}

static struct frame_source fsrc;
static const struct compressor_stats *st;      /* of the last pool make_pool made */

/* A pool of host frames (fsrc.limit bounds them) with its own segment and page limits. */
static struct compressor *make_pool(enum compressor_codec codec, uint32_t seg, uint32_t max_segments,
                                    uint32_t max_pages)
{
    memset(&fsrc, 0, sizeof fsrc);
    fsrc.limit = UINT32_MAX;
    struct compressor_config cfg = {
        .codec = codec, .segment_size = seg, .max_segments = max_segments, .max_pages = max_pages,
        .frames = { .ctx = &fsrc, .alloc = fs_alloc, .free = fs_free },
    };
    struct compressor *c = compressor_create(&cfg);
    ck_assert_ptr_nonnull(c);
    st = compressor_stats(c);
    return c;
}

static void assert_frames_exact(const struct compressor *c)
{
    ck_assert_uint_eq(compressor_stats(c)->frames, fsrc.outstanding);
}

/* Everything given back: no page, byte, segment, value or frame left. */
static void assert_pool_empty(const struct compressor *c)
{
    ck_assert_ptr_eq(compressor_stats(c), st);
    ck_assert_uint_eq(st->pages, 0);
    ck_assert_uint_eq(st->frames, 0);
    ck_assert_uint_eq(st->bytes_stored, 0);
    ck_assert_uint_eq(st->segments, 0);
    ck_assert_uint_eq(st->segments_swapped, 0);
    ck_assert_uint_eq(st->pages_swapped, 0);
    ck_assert_uint_eq(st->single_values, 0);
    ck_assert_uint_eq(fsrc.outstanding, 0);
}

/* Pages in the pool with what they should read back as. */
struct live {
    compressor_handle_t h;
    enum page_kind kind;
    uint64_t seed;
};

static void put_page(struct compressor *c, struct live *l, enum page_kind kind, uint64_t seed)
{
    make_page(kind, seed, page);
    l->kind = kind;
    l->seed = seed;
    l->h = COMPRESSOR_NO_HANDLE;
    ck_assert_int_eq(compressor_put(c, page, &l->h), 0);
    ck_assert_uint_ne(l->h, COMPRESSOR_NO_HANDLE);
}

static void check_page(struct compressor *c, const struct live *l)
{
    make_page(l->kind, l->seed, page);
    memset(back, 0xee, sizeof back);
    ck_assert_int_eq(compressor_peek(c, l->h, back), 0);
    ck_assert_mem_eq(back, page, TP_PAGE);
}

static void get_page(struct compressor *c, struct live *l)
{
    make_page(l->kind, l->seed, page);
    ck_assert_int_eq(compressor_get(c, &l->h, back), 0);
    ck_assert_uint_eq(l->h, COMPRESSOR_NO_HANDLE);
    ck_assert_mem_eq(back, page, TP_PAGE);
}

/* ---- codecs ------------------------------------------------------------------ */

/* Zeros, then n random bytes: LZ4 stores it in a little more than n bytes, and WKdm
 * (n / 4 MISS words) too, since its early abort looks at the first 416 words only. */
static void make_sized(uint8_t *p, unsigned n, uint64_t seed)
{
    memset(p, 0, TP_PAGE);
    for (unsigned i = TP_PAGE - n; i < TP_PAGE; i++)
        p[i] = (uint8_t)tp_rand(&seed);
}

static enum compressor_form expected_form(enum compressor_codec codec, enum page_kind k)
{
    if (k == PK_ZERO || k == PK_SINGLE)
        return COMPRESSOR_FORM_SINGLE;
    if (k == PK_RANDOM)
        return COMPRESSOR_FORM_RAW;
    if (k == PK_CODE)
        return (enum compressor_form)-1;                /* near the raw limit */
    if (codec == COMPRESSOR_CODEC_LZ4)
        return COMPRESSOR_FORM_LZ4;
    if (k == PK_SPARSE)
        return COMPRESSOR_FORM_SPARSE;
    return (enum compressor_form)-1;                    /* depends on the sizes */
}

START_TEST(codec_round_trip_every_kind)
{
    for (unsigned ci = 0; ci < NCODECS; ci++)
        for (int k = 0; k < PK_NKINDS; k++)
            for (uint64_t seed = 1; seed <= 8; seed++) {
                struct compressor_encoding e;
                make_page((enum page_kind)k, seed, page);
                compressor_encode(codecs[ci], page, enc_buf, &e);
                enum compressor_form want = expected_form(codecs[ci], (enum page_kind)k);
                if ((int)want >= 0)
                    ck_assert_int_eq(e.form, want);
                ck_assert_uint_le(e.size, e.form == COMPRESSOR_FORM_RAW ? TP_PAGE : COMPRESSOR_KEEP_MAX);
                memset(back, 0xee, sizeof back);
                ck_assert_int_eq(compressor_decode(&e, enc_buf, back), 0);
                ck_assert_mem_eq(back, page, TP_PAGE);
            }
}
END_TEST

/* Hybrid keeps WKdm's output when it is under 12 KB, else takes LZ4's. */
START_TEST(hybrid_follows_the_12k_rule)
{
    unsigned chose_wkdm = 0, chose_lz4 = 0;
    for (int k = PK_SPARSE; k < PK_RANDOM; k++)
        for (uint64_t seed = 1; seed <= 6; seed++) {
            struct compressor_encoding w, l, h;
            uint8_t lbuf[COMPRESSOR_ENCODE_MAX];
            make_page((enum page_kind)k, seed, page);
            compressor_encode(COMPRESSOR_CODEC_WKDM, page, enc_buf, &w);
            compressor_encode(COMPRESSOR_CODEC_LZ4, page, lbuf, &l);
            compressor_encode(COMPRESSOR_CODEC_HYBRID, page, enc_buf, &h);
            if (w.form != COMPRESSOR_FORM_RAW && w.size < COMPRESSOR_HYBRID_LZ4_AT) {
                ck_assert_int_eq(h.form, w.form);
                ck_assert_uint_eq(h.size, w.size);
                chose_wkdm++;
            } else {
                ck_assert_int_eq(h.form, l.form);
                ck_assert_uint_eq(h.size, l.size);
                ck_assert_mem_eq(enc_buf, lbuf, h.size);
                chose_lz4++;
            }
        }
    ck_assert_uint_gt(chose_wkdm, 0);
    ck_assert_uint_gt(chose_lz4, 0);                    /* text pages */
}
END_TEST

/* XNU stores a page raw only when no codec fits it in PAGE_SIZE - 4 bytes (the
 * metacompressor's and c_compress_page's rule): 14.8 KB of random bytes stay
 * compressed under every codec, a whole page of them does not. */
START_TEST(raw_only_past_16380_bytes)
{
    struct compressor_encoding e;
    make_sized(page, 14800, 7);
    for (unsigned ci = 0; ci < NCODECS; ci++) {
        compressor_encode(codecs[ci], page, enc_buf, &e);
        ck_assert_int_ne(e.form, COMPRESSOR_FORM_RAW);
        ck_assert_uint_gt(e.size, 14336);               /* past the old 14 KB rule */
        ck_assert_uint_le(e.size, 16380);
        ck_assert_int_eq(compressor_decode(&e, enc_buf, back), 0);
        ck_assert_mem_eq(back, page, TP_PAGE);
    }
    make_page(PK_RANDOM, 3, page);
    for (unsigned ci = 0; ci < NCODECS; ci++) {
        compressor_encode(codecs[ci], page, enc_buf, &e);
        ck_assert_int_eq(e.form, COMPRESSOR_FORM_RAW);
        ck_assert_uint_eq(e.size, TP_PAGE);
    }
}
END_TEST

START_TEST(codec_names)
{
    enum compressor_codec c;
    for (unsigned ci = 0; ci < NCODECS; ci++) {
        ck_assert_int_eq(compressor_codec_parse(compressor_codec_name(codecs[ci]), &c), 0);
        ck_assert_int_eq(c, codecs[ci]);
    }
    ck_assert_int_eq(compressor_codec_parse("lzo", &c), -1);
    ck_assert_str_eq(compressor_form_name(COMPRESSOR_FORM_SPARSE), "sparse");
}
END_TEST

static int decode_exact(enum compressor_form form, const uint8_t *in, uint32_t len)
{
    uint8_t *copy = malloc(len ? len : 1), *pg = malloc(TP_PAGE);
    ck_assert_ptr_nonnull(copy);
    ck_assert_ptr_nonnull(pg);
    memcpy(copy, in, len);
    struct compressor_encoding e = { .form = form, .size = len };
    int r = compressor_decode(&e, copy, pg);
    free(copy);
    free(pg);
    return r;
}

START_TEST(decode_rejects_bad_input)
{
    struct compressor_encoding e;
    make_page(PK_HEAP, 4, page);
    compressor_encode(COMPRESSOR_CODEC_LZ4, page, enc_buf, &e);
    ck_assert_int_eq(e.form, COMPRESSOR_FORM_LZ4);
    ck_assert_int_eq(decode_exact(COMPRESSOR_FORM_LZ4, enc_buf, e.size), 0);
    ck_assert_int_eq(decode_exact(COMPRESSOR_FORM_LZ4, enc_buf, e.size - 1), -1);
    ck_assert_int_eq(decode_exact(COMPRESSOR_FORM_LZ4, enc_buf, 0), -1);
    ck_assert_int_eq(decode_exact(COMPRESSOR_FORM_RAW, page, TP_PAGE - 4), -1);
    ck_assert_int_eq(decode_exact(COMPRESSOR_FORM_RAW, page, TP_PAGE), 0);
    ck_assert_int_eq(decode_exact((enum compressor_form)9, page, 64), -1);
    /* WKdm data under the other WKdm form's name. */
    compressor_encode(COMPRESSOR_CODEC_WKDM, page, enc_buf, &e);
    ck_assert_int_eq(e.form, COMPRESSOR_FORM_WKDM);
    ck_assert_int_eq(decode_exact(COMPRESSOR_FORM_SPARSE, enc_buf, e.size), -1);
}
END_TEST

START_TEST(fuzz_lz4_input)
{
    uint64_t s = 77;
    unsigned errors = 0;
    for (unsigned iter = 0; iter < 3000; iter++) {
        struct compressor_encoding e;
        make_page(iter % 2 ? PK_HEAP : PK_TEXT, iter % 13, page);
        compressor_encode(COMPRESSOR_CODEC_LZ4, page, enc_buf, &e);
        ck_assert_int_eq(e.form, COMPRESSOR_FORM_LZ4);
        for (unsigned b = 0; b < 1 + iter % 6; b++)
            enc_buf[tp_rand(&s) % e.size] ^= (uint8_t)(1u << (tp_rand(&s) % 8));
        uint32_t len = iter % 3 ? e.size : (uint32_t)(tp_rand(&s) % e.size);
        errors += decode_exact(COMPRESSOR_FORM_LZ4, enc_buf, len) < 0;
    }
    ck_assert_uint_gt(errors, 1000);
}
END_TEST

/* ---- the pool ---------------------------------------------------------------- */

START_TEST(pool_round_trip_every_kind)
{
    for (unsigned ci = 0; ci < NCODECS; ci++) {
        struct compressor *c = make_pool(codecs[ci], 64 << 10, 64, 1000);
        struct live l[PK_NKINDS];
        for (int k = 0; k < PK_NKINDS; k++) {
            put_page(c, &l[k], (enum page_kind)k, 100 + (uint64_t)k);
            enum compressor_form want = expected_form(codecs[ci], (enum page_kind)k);
            if ((int)want >= 0)
                ck_assert_int_eq(compressor_form_of(c, l[k].h), want);
        }
        ck_assert_uint_eq(st->pages, PK_NKINDS);
        ck_assert_uint_eq(st->compressions, PK_NKINDS);
        ck_assert_uint_eq(st->bytes_in, PK_NKINDS * TP_PAGE);
        ck_assert_uint_gt(st->frames, 0);
        assert_frames_exact(c);
        for (int k = 0; k < PK_NKINDS; k++)
            check_page(c, &l[k]);
        for (int k = 0; k < PK_NKINDS; k++)
            get_page(c, &l[k]);
        ck_assert_uint_eq(st->decompressions, 2 * PK_NKINDS);
        assert_pool_empty(c);
        compressor_destroy(c);
    }
}
END_TEST

/* XNU's table: 1024 entries, a value looked for in the 32 from its low 10 bits. 33
 * values with the same low bits: the 33rd finds no room and goes into a segment as its
 * 4 bytes; once an entry is free, the next such value takes it. */
START_TEST(single_value_table_full_goes_to_a_segment)
{
    struct compressor *c = make_pool(COMPRESSOR_CODEC_HYBRID, 64 << 10, 16, 1000);
    compressor_handle_t h[34];
    struct compressor_where w;
    for (uint32_t k = 0; k < 33; k++) {
        wkdm_fill(page, 5 + (k << 10));
        ck_assert_int_eq(compressor_put(c, page, &h[k]), 0);
        ck_assert_int_eq(compressor_locate(c, h[k], &w), 0);
        ck_assert_int_eq(w.form, COMPRESSOR_FORM_SINGLE);
        ck_assert_uint_eq(w.value, 5 + (k << 10));
        ck_assert_uint_eq(w.size, k < 32 ? 0 : 4);
    }
    ck_assert_uint_eq(st->single_values, 32);
    ck_assert_uint_eq(st->pages_by_form[COMPRESSOR_FORM_SINGLE], 33);
    ck_assert_uint_eq(st->bytes_stored, 4);
    ck_assert_uint_eq(st->segments, 1);
    ck_assert_int_eq(compressor_peek(c, h[32], back), 0);
    wkdm_fill(page, 5 + (32u << 10));
    ck_assert_mem_eq(back, page, TP_PAGE);
    /* Its value again: still no room. Another value with other low bits: room. */
    ck_assert_int_eq(compressor_put(c, page, &h[33]), 0);
    ck_assert_int_eq(compressor_locate(c, h[33], &w), 0);
    ck_assert_uint_eq(w.size, 4);
    ck_assert_int_eq(compressor_free(c, &h[33]), 0);
    /* An entry freed: the next value with these low bits takes it. */
    ck_assert_int_eq(compressor_free(c, &h[7]), 0);
    ck_assert_uint_eq(st->single_values, 31);
    wkdm_fill(page, 5 + (40u << 10));
    ck_assert_int_eq(compressor_put(c, page, &h[7]), 0);
    ck_assert_int_eq(compressor_locate(c, h[7], &w), 0);
    ck_assert_uint_eq(w.size, 0);
    ck_assert_uint_eq(st->single_values, 32);
    for (uint32_t k = 0; k < 33; k++) {
        ck_assert_int_eq(compressor_get(c, &h[k], back), 0);
        wkdm_fill(page, 5 + ((k == 7 ? 40 : k) << 10));
        ck_assert_mem_eq(back, page, TP_PAGE);
    }
    assert_pool_empty(c);
    compressor_destroy(c);
}
END_TEST

START_TEST(single_values_are_shared)
{
    struct compressor *c = make_pool(COMPRESSOR_CODEC_HYBRID, 64 << 10, 16, 1000);
    compressor_handle_t zero[10], odd[5];
    memset(page, 0, sizeof page);
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(compressor_put(c, page, &zero[i]), 0);
    wkdm_fill(page, 0xdeadbeef);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(compressor_put(c, page, &odd[i]), 0);
    ck_assert_uint_eq(st->single_values, 2);
    ck_assert_uint_eq(st->pages, 15);
    ck_assert_uint_eq(st->pages_by_form[COMPRESSOR_FORM_SINGLE], 15);
    ck_assert_uint_eq(st->frames, 0);                   /* no segment bytes */
    ck_assert_uint_eq(st->bytes_stored, 0);
    for (int i = 1; i < 10; i++)
        ck_assert_uint_eq(zero[i], zero[0]);
    ck_assert_uint_ne(odd[0], zero[0]);
    for (int i = 0; i < 9; i++)
        ck_assert_int_eq(compressor_free(c, &zero[i]), 0);
    ck_assert_uint_eq(st->single_values, 2);            /* one zero page left */
    ck_assert_int_eq(compressor_get(c, &zero[9], back), 0);
    for (unsigned i = 0; i < TP_PAGE; i++)
        ck_assert_uint_eq(back[i], 0);
    ck_assert_uint_eq(st->single_values, 1);
    ck_assert_int_eq(compressor_get(c, &odd[4], back), 0);
    ck_assert_mem_eq(back, page, TP_PAGE);
    ck_assert_int_eq(compressor_free(c, &zero[0]), -EINVAL);    /* already freed */
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(compressor_free(c, &odd[i]), 0);
    assert_pool_empty(c);
    compressor_destroy(c);
}
END_TEST

/* Random puts, gets and frees: the pool's frame count always equals the frames it
 * holds, the page counters agree, and every live page reads back. */
START_TEST(accounting_exact_after_many_cycles)
{
    enum { NLIVE = 500, OPS = 12000 };
    struct compressor *c = make_pool(COMPRESSOR_CODEC_HYBRID, 64 << 10, 4096, 100000);
    static struct live l[NLIVE];
    memset(l, 0, sizeof l);
    uint64_t s = 99, live = 0;
    for (unsigned op = 0; op < OPS; op++) {
        struct live *x = &l[tp_rand(&s) % NLIVE];
        if (x->h == COMPRESSOR_NO_HANDLE) {
            put_page(c, x, (enum page_kind)(tp_rand(&s) % PK_NKINDS), op);
            live++;
        } else if (op % 3) {
            ck_assert_int_eq(compressor_free(c, &x->h), 0);
            live--;
        } else {
            get_page(c, x);
            live--;
        }
        assert_frames_exact(c);
        ck_assert_uint_eq(st->pages, live);
        uint64_t by_form = 0;
        for (int f = 0; f < COMPRESSOR_NFORMS; f++)
            by_form += st->pages_by_form[f];
        ck_assert_uint_eq(by_form, live);
        if (op % 2000 == 0)
            for (unsigned i = 0; i < NLIVE; i++)
                if (l[i].h)
                    check_page(c, &l[i]);
    }
    ck_assert_uint_gt(st->minor_compactions, 0);
    for (unsigned i = 0; i < NLIVE; i++)
        if (l[i].h)
            get_page(c, &l[i]);
    assert_pool_empty(c);
    compressor_destroy(c);
}
END_TEST

static unsigned fill(struct compressor *c, struct live *l, unsigned n, enum page_kind kind)
{
    for (unsigned i = 0; i < n; i++)
        put_page(c, &l[i], kind, 1000 + i);
    return n;
}

static void save_handles(const struct live *l, unsigned n, compressor_handle_t *saved)
{
    for (unsigned i = 0; i < n; i++)
        saved[i] = l[i].h;
}

/* Checks the frame count and every live page; returns how many pages have a handle
 * other than saved (if given). */
static unsigned check_live(struct compressor *c, const struct live *l, unsigned n,
                           const compressor_handle_t *saved)
{
    assert_frames_exact(c);
    unsigned moved = 0;
    for (unsigned i = 0; i < n; i++)
        if (l[i].h) {
            moved += saved && l[i].h != saved[i];
            check_page(c, &l[i]);
        }
    return moved;
}

/* Reads back and frees every live page, checks that the pool is empty, destroys it. */
static void drain_and_destroy(struct compressor *c, struct live *l, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (l[i].h)
            get_page(c, &l[i]);
    assert_pool_empty(c);
    compressor_destroy(c);
}

/* Frees about tenths/10 of the first n pages, chosen from seed. */
static void free_some(struct compressor *c, struct live *l, unsigned n, uint64_t seed, unsigned tenths)
{
    for (unsigned i = 0; i < n; i++)
        if (tp_rand(&seed) % 10 < tenths)
            ck_assert_int_eq(compressor_free(c, &l[i].h), 0);
}

/* Puts heap pages into l[from], l[from + 1], ... until the pool refuses one or max
 * is reached, checking every live page after each put. Returns the end. */
static unsigned put_until_full(struct compressor *c, struct live *l, unsigned from, unsigned max)
{
    for (unsigned n = from; n < max; n++) {
        make_page(PK_HEAP, n, page);
        if (compressor_put(c, page, &l[n].h) < 0)
            return n;
        l[n].kind = PK_HEAP, l[n].seed = n;
        check_live(c, l, n + 1, NULL);
    }
    return max;
}

START_TEST(minor_compaction_keeps_pages_and_handles_valid)
{
    enum { N = 120 };
    struct compressor *c = make_pool(COMPRESSOR_CODEC_WKDM, 64 << 10, 4096, 100000);
    struct live l[N];
    fill(c, l, N, PK_HEAP);
    uint64_t frames = st->frames;
    compressor_handle_t before[N];
    save_handles(l, N, before);
    /* Free three pages in four, from the front of every segment onwards. */
    for (unsigned i = 0; i < N; i++)
        if (i % 4 != 3)
            ck_assert_int_eq(compressor_free(c, &l[i].h), 0);
    ck_assert_uint_gt(st->minor_compactions, 0);
    ck_assert_uint_lt(st->frames, frames);
    ck_assert_uint_gt(check_live(c, l, N, before), 0);     /* handles were rewritten */
    drain_and_destroy(c, l, N);
}
END_TEST

START_TEST(major_compaction_merges_sparse_segments)
{
    enum { N = 400 };
    struct compressor *c = make_pool(COMPRESSOR_CODEC_HYBRID, 256 << 10, 4096, 100000);
    static struct live l[N];
    fill(c, l, N, PK_HEAP);
    free_some(c, l, N, 5, 7);
    uint64_t frames = st->frames, segments = st->segments;
    compressor_handle_t before[N];
    save_handles(l, N, before);
    uint32_t freed = compressor_compact(c);
    ck_assert_uint_gt(freed, 0);
    ck_assert_uint_eq(st->frames, frames - freed);
    ck_assert_uint_lt(st->segments, segments);
    ck_assert_uint_eq(st->major_compactions, 1);
    ck_assert_uint_gt(st->slots_moved, 0);
    ck_assert_uint_gt(check_live(c, l, N, before), 0);
    /* A second pass finds nothing more to merge. */
    ck_assert_uint_eq(compressor_compact(c), 0);
    drain_and_destroy(c, l, N);
}
END_TEST

/* At the segment limit a put fails; once pages are freed, the pool asks for a major
 * compaction (vm_compressor_needs_to_major_compact), which merges segments and gives
 * segments back, and puts work again. */
START_TEST(segment_limit_until_major_compaction)
{
    enum { N = 1200, SEGS = 24 };
    struct compressor *c = make_pool(COMPRESSOR_CODEC_WKDM, 64 << 10, SEGS, 100000);
    static struct live l[N];
    memset(l, 0, sizeof l);
    unsigned n = put_until_full(c, l, 0, N);
    ck_assert_uint_lt(n, N);                            /* the limit was reached */
    ck_assert_uint_eq(st->segments, SEGS);
    ck_assert(compressor_out_of_space(c));
    ck_assert(compressor_low_on_space(c));
    make_page(PK_HEAP, n, page);
    ck_assert_int_eq(compressor_put(c, page, &l[n].h), -ENOSPC);
    free_some(c, l, n, 3, 6);
    ck_assert(compressor_needs_major_compact(c));
    ck_assert_uint_eq(put_until_full(c, l, n, n + 1), n);   /* no compaction by itself */
    uint64_t segments = st->segments;
    ck_assert_uint_gt(compressor_compact(c), 0);
    ck_assert_uint_lt(st->segments, segments);
    ck_assert_uint_eq(st->major_compactions, 1);
    ck_assert(!compressor_needs_major_compact(c));
    ck_assert_uint_gt(put_until_full(c, l, n, N), n);
    ck_assert_uint_le(st->segments, SEGS);
    drain_and_destroy(c, l, N);
}
END_TEST

/* The working-set sample: puts and gets counted, each get from a segment by the
 * segment's age on the caller's clock (age_of_decompressions_during_sample_period);
 * single values have no segment and no age. */
START_TEST(decompressions_are_sampled_by_segment_age)
{
    struct compressor *c = make_pool(COMPRESSOR_CODEC_WKDM, 64 << 10, 64, 1000);
    struct live l[3];
    compressor_set_time(c, 5);
    put_page(c, &l[0], PK_CODE, 1);
    put_page(c, &l[1], PK_CODE, 2);
    put_page(c, &l[2], PK_SINGLE, 3);
    compressor_set_time(c, 8);
    get_page(c, &l[0]);
    get_page(c, &l[2]);
    compressor_set_time(c, 5 + COMPRESSOR_SAMPLE_MAX_AGE);
    get_page(c, &l[1]);
    const struct compressor_sample *s = compressor_sample(c);
    ck_assert_uint_eq(s->compressions, 3);
    ck_assert_uint_eq(s->decompressions, 2);
    ck_assert_uint_eq(s->by_age[3], 1);
    ck_assert_uint_eq(s->overage, 1);
    compressor_sample_reset(c);
    ck_assert_uint_eq(s->compressions + s->decompressions + s->by_age[3] + s->overage, 0);
    compressor_destroy(c);
}
END_TEST

START_TEST(rebind_follows_moved_handles)
{
    enum { N = 100 };
    struct compressor *c = make_pool(COMPRESSOR_CODEC_WKDM, 64 << 10, 4096, 100000);
    struct live a[N], b[N];
    fill(c, a, N, PK_HEAP);
    memcpy(b, a, sizeof a);                             /* the slot map was reallocated */
    for (unsigned i = 0; i < N; i++)
        ck_assert_int_eq(compressor_rebind(c, &b[i].h), 0);
    ck_assert_int_eq(compressor_get(c, &a[1].h, back), -EINVAL);   /* not the owner now */
    for (unsigned i = 0; i < N; i += 2)
        ck_assert_int_eq(compressor_free(c, &b[i].h), 0);
    compressor_compact(c);
    unsigned stale = 0;
    for (unsigned i = 1; i < N; i += 2) {
        stale += a[i].h != b[i].h;                      /* the old place is not updated */
        get_page(c, &b[i]);
    }
    ck_assert_uint_gt(stale, 0);
    compressor_handle_t junk = 0x12345;
    ck_assert_int_eq(compressor_rebind(c, &junk), -EINVAL);
    compressor_destroy(c);
}
END_TEST

/* vm_compressor_low_on_space: more than 98% of either limit (the *_nearing_limit
 * values of vm_compressor_set_size); vm_compressor_out_of_space: at either limit. */
START_TEST(limits_and_low_on_space)
{
    /* 100 segments of 16 KB: raw pages take one each. Nearing: 98. */
    struct compressor *c = make_pool(COMPRESSOR_CODEC_HYBRID, 16 << 10, 100, 100000);
    static struct live l[101];
    for (unsigned i = 0; i < 98; i++)
        put_page(c, &l[i], PK_RANDOM, i);
    ck_assert_uint_eq(st->segments, 98);
    ck_assert(!compressor_low_on_space(c));             /* 98 is not more than 98 */
    put_page(c, &l[98], PK_RANDOM, 98);
    ck_assert(compressor_low_on_space(c));
    ck_assert(!compressor_out_of_space(c));
    put_page(c, &l[99], PK_RANDOM, 99);
    ck_assert(compressor_out_of_space(c));
    make_page(PK_RANDOM, 100, page);
    compressor_handle_t h = COMPRESSOR_NO_HANDLE;
    ck_assert_int_eq(compressor_put(c, page, &h), -ENOSPC);
    ck_assert_uint_eq(h, COMPRESSOR_NO_HANDLE);
    ck_assert_uint_eq(st->rejected, 1);
    memset(page, 0, sizeof page);                       /* single values need no segment */
    ck_assert_int_eq(compressor_put(c, page, &h), 0);
    ck_assert_int_eq(compressor_free(c, &h), 0);
    for (unsigned i = 0; i < 100; i++)
        get_page(c, &l[i]);
    ck_assert(!compressor_low_on_space(c));
    compressor_destroy(c);

    /* 200 pages: nearing 196. Single values count as stored pages. */
    c = make_pool(COMPRESSOR_CODEC_HYBRID, 64 << 10, 1000, 200);
    compressor_handle_t z[200];
    memset(page, 0, sizeof page);
    for (unsigned i = 0; i < 200; i++) {
        ck_assert(!compressor_out_of_space(c));
        ck_assert_int_eq(compressor_low_on_space(c), i > 196);
        ck_assert_int_eq(compressor_put(c, page, &z[i]), 0);
    }
    ck_assert(compressor_out_of_space(c));
    ck_assert_int_eq(compressor_put(c, page, &h), -ENOSPC);
    ck_assert_uint_eq(st->rejected, 1);
    ck_assert_uint_eq(st->frames, 0);                   /* pages, not frames, were the limit */
    for (unsigned i = 0; i < 200; i++)
        ck_assert_int_eq(compressor_free(c, &z[i]), 0);
    compressor_destroy(c);
    ck_assert_uint_eq(fsrc.outstanding, 0);
}
END_TEST

/* vm_compressor_set_size on iOS and arm64 macOS, against the figures worked out by
 * hand from XNU's constants. */
START_TEST(sizes_follow_vm_compressor_set_size)
{
    struct compressor_config cfg;
    const uint64_t MB = 1u << 20 >> 14, GB = 1u << 30 >> 14;   /* in 16 KB frames */
    compressor_config_default(&cfg, 64 * MB, COMPRESSOR_IOS);
    ck_assert_int_eq(cfg.codec, COMPRESSOR_CODEC_HYBRID);
    ck_assert_uint_eq(cfg.segment_size, 256 << 10);
    ck_assert_uint_eq(cfg.max_segments, 240);           /* 64 MB / 272 KB */
    ck_assert_uint_eq(cfg.max_pages, 240 * 16 * 2);     /* 7680: 1.875 x the RAM */
    compressor_config_default(&cfg, 2 * GB, COMPRESSOR_IOS);
    ck_assert_uint_eq(cfg.max_segments, 7710);
    ck_assert_uint_eq(cfg.max_pages, 7710 * 16 * 2);
    compressor_config_default(&cfg, 4 * GB, COMPRESSOR_IOS);     /* multiplier 1 ... */
    ck_assert_uint_eq(cfg.max_segments, 15420);
    ck_assert_uint_eq(cfg.max_pages, 4 * GB);                    /* ... raised to the RAM */
    compressor_config_default(&cfg, 64 * MB, COMPRESSOR_MACOS);
    ck_assert_uint_eq(cfg.segment_size, 64 << 10);
    ck_assert_uint_eq(cfg.max_segments, 13107);         /* 16 x 64 MB / 80 KB */
    ck_assert_uint_eq(cfg.max_pages, 13107 * 4);
    compressor_config_default(&cfg, 2 * GB, COMPRESSOR_MACOS);
    ck_assert_uint_eq(cfg.max_segments, 419430);        /* 32 GB / 80 KB */
    ck_assert_uint_eq(cfg.max_pages, 419430u * 4);
    /* 16 GB: 4x and a multiplier of 2; XNU's 838860 segments are more than a handle
     * can name (as XNU clamps c_segments_limit to its slot mapping's bits). */
    compressor_config_default(&cfg, 16 * GB, COMPRESSOR_MACOS);
    ck_assert_uint_eq(cfg.max_segments, 524287);
    ck_assert_uint_eq(cfg.max_pages, 524287u * 4 * 2);
    struct compressor *c = compressor_create(&cfg);
    ck_assert_ptr_nonnull(c);                           /* within what handles name */
    compressor_destroy(c);
    compressor_config_default(&cfg, 1, COMPRESSOR_IOS);          /* smaller than a segment */
    ck_assert_uint_eq(cfg.max_segments, 1);
    ck_assert_uint_eq(cfg.max_pages, 32);
}
END_TEST

/* vm_compressor_needs_to_major_compact: enough segments (1/8 of the nearing limit) and
 * more than 1/8 of their room unused. */
START_TEST(needs_major_compact_as_xnu)
{
    enum { N = 64 };
    /* 64 KB segments (4 frames); nearing limit of 400 segments: 392, /8 = 49. */
    struct compressor *c = make_pool(COMPRESSOR_CODEC_HYBRID, 64 << 10, 400, 100000);
    static struct live l[4 * N];
    for (unsigned i = 0; i < 4 * 48; i++)
        put_page(c, &l[i], PK_RANDOM, i);               /* 48 full segments */
    ck_assert_uint_eq(st->segments, 48);
    ck_assert(!compressor_needs_major_compact(c));      /* full, and too few */
    for (unsigned i = 0; i < 4 * 48; i += 4)
        ck_assert_int_eq(compressor_free(c, &l[i].h), 0);   /* 1/4 of each: a frame back */
    ck_assert(!compressor_needs_major_compact(c));      /* still too few segments */
    for (unsigned i = 4 * 48; i < 4 * 50; i++)
        put_page(c, &l[i], PK_RANDOM, i);
    ck_assert_uint_eq(st->segments, 50);
    ck_assert(compressor_needs_major_compact(c));
    compressor_compact(c);                              /* raw pages: no frame freed */
    ck_assert_uint_eq(st->segments, 39);                /* 149 sealed pages, four to a */
                                                        /* segment, and the open one */
    ck_assert(!compressor_needs_major_compact(c));
    drain_and_destroy(c, l, 4 * 50);
}
END_TEST


/* c_seg_major_compact_ok: a segment takes pages from the next unless both are 90%
 * full or it is full itself; a 75%-full one takes from a 75%-full neighbour. */
START_TEST(major_compaction_as_c_seg_major_compact_ok)
{
    struct compressor *c = make_pool(COMPRESSOR_CODEC_LZ4, 64 << 10, 400, 100000);
    struct live l[13];
    struct compressor_encoding e;
    make_sized(page, 14800, 1);
    compressor_encode(COMPRESSOR_CODEC_LZ4, page, enc_buf, &e);
    ck_assert_uint_ge(4 * e.size, (64 << 10) / 100 * 90);  /* four make 90% ... */
    ck_assert_uint_lt(4 * e.size + 512 + 64, 64 << 10);     /* ... with room left */
    for (unsigned i = 0; i < 9; i++) {
        make_sized(page, 14800, 1 + i);
        l[i].h = COMPRESSOR_NO_HANDLE;
        ck_assert_int_eq(compressor_put(c, page, &l[i].h), 0);
    }
    ck_assert_uint_eq(st->segments, 3);                 /* two sealed, one open */
    ck_assert_uint_eq(compressor_compact(c), 0);
    ck_assert_uint_eq(st->slots_moved, 0);
    ck_assert_uint_eq(st->major_compactions, 0);
    for (unsigned i = 0; i < 9; i++)
        ck_assert_int_eq(compressor_free(c, &l[i].h), 0);
    assert_pool_empty(c);
    compressor_destroy(c);

    /* Raw pages, four to a segment. A quarter freed in two neighbours: the first
     * takes one page of the second, which is left half full. */
    c = make_pool(COMPRESSOR_CODEC_HYBRID, 64 << 10, 400, 100000);
    for (unsigned i = 0; i < 13; i++)
        put_page(c, &l[i], PK_RANDOM, i);
    ck_assert_uint_eq(st->segments, 4);                 /* three sealed, one open */
    ck_assert_int_eq(compressor_free(c, &l[4].h), 0);
    ck_assert_int_eq(compressor_free(c, &l[9].h), 0);
    ck_assert_uint_eq(st->minor_compactions, 2);        /* a quarter dead: slid down */
    uint64_t frames = st->frames;
    ck_assert_uint_eq(compressor_compact(c), 0);        /* the same frames, differently */
    ck_assert_uint_eq(st->frames, frames);
    ck_assert_uint_eq(st->slots_moved, 1);
    ck_assert_uint_eq(st->major_compactions, 1);
    for (unsigned i = 0; i < 13; i++)
        if (l[i].h)
            get_page(c, &l[i]);
    assert_pool_empty(c);
    compressor_destroy(c);
}
END_TEST

START_TEST(frame_source_running_dry)
{
    struct compressor *c = make_pool(COMPRESSOR_CODEC_HYBRID, 64 << 10, 64, 1000);
    fsrc.limit = 3;
    struct live l[8];
    unsigned n = 0;
    int r = 0;
    while (n < 8) {
        make_page(PK_RANDOM, n, page);
        l[n].kind = PK_RANDOM;
        l[n].seed = n;
        if ((r = compressor_put(c, page, &l[n].h)) < 0)
            break;
        n++;
    }
    ck_assert_int_eq(r, -ENOMEM);
    ck_assert_uint_eq(n, 3);
    ck_assert_uint_eq(st->pages, 3);
    assert_frames_exact(c);
    for (unsigned i = 0; i < n; i++)
        get_page(c, &l[i]);
    ck_assert_uint_eq(fsrc.outstanding, 0);
    compressor_destroy(c);
}
END_TEST

START_TEST(bad_handles_are_refused)
{
    struct compressor *c = make_pool(COMPRESSOR_CODEC_HYBRID, 64 << 10, 64, 1000);
    struct live l;
    put_page(c, &l, PK_HEAP, 1);
    compressor_handle_t copy = l.h, none = 0, junk[] = { 0x7ffff000, 0x1fff, 0x80001234, 0x3 };
    ck_assert_int_eq(compressor_get(c, &copy, back), -EINVAL);      /* not its owner */
    ck_assert_int_eq(compressor_free(c, &copy), -EINVAL);
    ck_assert_int_eq(compressor_peek(c, copy, back), 0);             /* peek needs no owner */
    ck_assert_int_eq(compressor_get(c, &none, back), -EINVAL);
    for (unsigned i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        ck_assert_int_eq(compressor_peek(c, junk[i], back), -EINVAL);
        ck_assert_int_eq(compressor_free(c, &junk[i]), -EINVAL);
        ck_assert_int_eq(compressor_form_of(c, junk[i]), -1);
    }
    get_page(c, &l);
    ck_assert_int_eq(compressor_peek(c, copy, back), -EINVAL);      /* stale */
    compressor_destroy(c);
}
END_TEST

START_TEST(config_is_validated)
{
    struct compressor_config cfg;
    compressor_config_default(&cfg, 4096, COMPRESSOR_IOS);
    struct compressor *c = compressor_create(&cfg);
    ck_assert_ptr_nonnull(c);
    ck_assert_uint_eq(compressor_config_of(c)->max_pages, cfg.max_pages);
    compressor_destroy(c);
    const uint32_t bad_sizes[] = { 0, 8192, 65536 + 4096, 8u << 20 };
    for (unsigned i = 0; i < 4; i++) {
        compressor_config_default(&cfg, 4096, COMPRESSOR_IOS);
        cfg.segment_size = bad_sizes[i];
        errno = 0;
        ck_assert_ptr_null(compressor_create(&cfg));
        ck_assert_int_eq(errno, EINVAL);
    }
    compressor_config_default(&cfg, 4096, COMPRESSOR_IOS);
    cfg.max_segments = 0;
    ck_assert_ptr_null(compressor_create(&cfg));
    cfg.max_segments = 1u << 20;                        /* more than handles can name */
    ck_assert_ptr_null(compressor_create(&cfg));
    compressor_config_default(&cfg, 4096, COMPRESSOR_IOS);
    cfg.max_pages = 0;
    ck_assert_ptr_null(compressor_create(&cfg));
    compressor_config_default(&cfg, 4096, COMPRESSOR_IOS);
    cfg.frames.alloc = fs_alloc;                        /* alloc without free */
    ck_assert_ptr_null(compressor_create(&cfg));
}
END_TEST

START_TEST(corrupt_pool_data_is_an_error)
{
    struct compressor *c = make_pool(COMPRESSOR_CODEC_WKDM, 64 << 10, 64, 1000);
    struct live l;
    put_page(c, &l, PK_HEAP, 3);
    ck_assert_uint_eq(fsrc.nrecent, 1);
    memset(fsrc.recent[0], 0x5a, TP_PAGE);
    ck_assert_int_eq(compressor_get(c, &l.h, back), -EIO);
    ck_assert_uint_ne(l.h, COMPRESSOR_NO_HANDLE);       /* still stored */
    ck_assert_uint_eq(compressor_stats(c)->corrupt, 1);
    ck_assert_int_eq(compressor_free(c, &l.h), 0);
    compressor_destroy(c);
}
END_TEST

/* ---- swap ---------------------------------------------------------------------- */

/* Swap files handed to the pool: new unlinked temporary files, or `forced` (a pipe,
 * say) while it is set, or an error while `fail` is. */
struct swap_source {
    int fds[64];
    unsigned n;
    int forced, fail;
};

static struct swap_source ssrc;

static int ss_create(void *ctx)
{
    struct swap_source *ss = ctx;
    if (ss->fail)
        return -ss->fail;
    ck_assert_uint_lt(ss->n, 64);
    int fd = ss->forced;
    if (fd < 0) {
        char path[] = "/tmp/machemu-swap-XXXXXX";
        fd = mkstemp(path);
        ck_assert_int_ge(fd, 0);
        unlink(path);
    }
    ss->fds[ss->n++] = fd;
    return fd;
}

static void enable_swap(struct compressor *c, uint32_t file_blocks, uint32_t max_files)
{
    memset(&ssrc, 0, sizeof ssrc);
    ssrc.forced = -1;
    struct compressor_swap_ops ops = { .ctx = &ssrc, .create = ss_create,
                                       .file_blocks = file_blocks, .max_files = max_files };
    ck_assert_int_eq(compressor_swap_enable(c, &ops), 0);
}

static void close_swap_files(void)
{
    for (unsigned i = 0; i < ssrc.n; i++)
        if (ssrc.fds[i] != ssrc.forced)
            close(ssrc.fds[i]);
}

START_TEST(swap_out_and_in_round_trip)
{
    enum { N = 300 };
    struct compressor *c = make_pool(COMPRESSOR_CODEC_HYBRID, 64 << 10, 100000, 100000);
    ck_assert_int_eq(compressor_swapout(c, 1), -ENODEV);
    enable_swap(c, 1024, 4);
    ck_assert_uint_eq(ssrc.n, 0);                       /* a file only when needed */
    fsrc.limit = 16;                                    /* the frame source runs dry */
    ck_assert(!compressor_low_on_space(c));
    static struct live l[N];
    for (unsigned i = 0; i < N; i++)
        put_page(c, &l[i], i % 5 ? PK_HEAP : PK_CODE, i);  /* far more than 16 frames */
    ck_assert_uint_le(st->frames, 16);
    ck_assert_uint_gt(st->swapouts, 0);
    ck_assert_uint_gt(st->segments_swapped, 0);
    ck_assert_uint_gt(st->pages_swapped, 0);
    ck_assert_uint_eq(st->swap_files, 1);
    ck_assert_uint_eq(st->swap_blocks_used, st->segments_swapped);
    assert_frames_exact(c);
    /* Read back in a scattered order: segments come back on demand. */
    for (unsigned k = 0; k < N; k++) {
        struct live *x = &l[(k * 7) % N];
        if (k % 4 == 0)
            check_page(c, x);
        get_page(c, x);
        assert_frames_exact(c);
        ck_assert_uint_le(st->frames, 16);
    }
    ck_assert_uint_gt(st->swapins, 0);
    ck_assert_uint_eq(st->swap_blocks_used, 0);
    assert_pool_empty(c);
    compressor_destroy(c);
    close_swap_files();
}
END_TEST

/* A pool swapping to files of file_blocks blocks, holding n heap pages. */
static struct compressor *swapping_pool(struct live *l, unsigned n, uint32_t file_blocks,
                                        uint32_t max_files)
{
    struct compressor *c = make_pool(COMPRESSOR_CODEC_WKDM, 64 << 10, 100000, 100000);
    enable_swap(c, file_blocks, max_files);
    fill(c, l, n, PK_HEAP);
    return c;
}

START_TEST(explicit_swapout_gives_frames_back)
{
    enum { N = 60 };
    struct live l[N];
    struct compressor *c = swapping_pool(l, N, 1024, 4);
    uint64_t frames = st->frames;
    int got = compressor_swapout(c, UINT32_MAX);
    ck_assert_int_gt(got, 0);
    ck_assert_uint_eq(st->frames, frames - (uint64_t)got);
    ck_assert_uint_lt(st->frames, 5);                   /* only the open segment is left */
    struct compressor_swap_ops ops = { .create = ss_create, .file_blocks = 8, .max_files = 1 };
    ck_assert_int_eq(compressor_swap_enable(c, &ops), -EINVAL);   /* already */
    check_live(c, l, N, NULL);
    ck_assert_uint_gt(st->swapins, 0);
    /* Freeing pages of a swapped-out segment needs no read. */
    ck_assert_int_eq(compressor_swapout(c, UINT32_MAX) > 0, 1);
    uint64_t swapins = st->swapins;
    for (unsigned i = 0; i < N; i++)
        ck_assert_int_eq(compressor_free(c, &l[i].h), 0);
    ck_assert_uint_eq(st->swapins, swapins);
    ck_assert_uint_eq(st->segments_swapped, 0);
    ck_assert_uint_eq(st->swap_blocks_used, 0);
    compressor_destroy(c);
    close_swap_files();
}
END_TEST

/* vm_swapfile_create_thread and vm_swap_put: a new file as soon as less than a quarter
 * of one is free, blocks taken from every file and reused once free; past the last
 * file, vm_swap_low_on_space and vm_swap_out_of_space. */
START_TEST(swap_spreads_over_several_files)
{
    enum { N = 1000 };
    static struct live l[N];
    /* 64-block files, at most 3: new files at 16 free blocks, low under 2 free. */
    struct compressor *c = make_pool(COMPRESSOR_CODEC_HYBRID, 64 << 10, 100000, 100000);
    enable_swap(c, 64, 3);
    ck_assert(!compressor_swap_low(c));
    unsigned n = 0;
    for (unsigned k = 0; k < 4; k++, n++)
        put_page(c, &l[n], PK_RANDOM, n);               /* the open segment */
    while (n < N && !compressor_swap_out_of_space(c)) {
        for (unsigned k = 0; k < 4; k++, n++)
            put_page(c, &l[n], PK_RANDOM, n);           /* one segment */
        ck_assert_int_gt(compressor_swapout(c, 4), 0);
        uint64_t free_blocks = st->swap_blocks - st->swap_blocks_used;
        ck_assert_uint_eq(st->swap_files, ssrc.n);
        ck_assert(free_blocks >= 15 || st->swap_files == 3);   /* made before the take */
        ck_assert_int_eq(compressor_swap_low(c), free_blocks < 2);
    }
    ck_assert_uint_eq(st->swap_files, 3);
    ck_assert_uint_eq(st->swap_blocks, 3 * 64);
    ck_assert_uint_eq(st->swap_blocks_used, 3 * 64 - 7);  /* fewer than 8 free: out */
    /* Segments in all three files read back right. */
    for (unsigned i = 0; i < n; i += 37)
        check_page(c, &l[i]);
    /* Fill the files, then one more: no room. */
    while (st->swap_blocks_used < st->swap_blocks) {
        for (unsigned k = 0; k < 4; k++, n++)
            put_page(c, &l[n], PK_RANDOM, n);
        ck_assert_int_gt(compressor_swapout(c, 4), 0);
    }
    ck_assert(compressor_swap_low(c));
    for (unsigned k = 0; k < 4; k++, n++)
        put_page(c, &l[n], PK_RANDOM, n);
    ck_assert_int_eq(compressor_swapout(c, 4), -ENOSPC);
    ck_assert_uint_eq(ssrc.n, 3);                       /* never more than max_files */
    /* Blocks freed in the first file are used again. */
    for (unsigned i = 0; i < 40; i++)
        ck_assert_int_eq(compressor_free(c, &l[i].h), 0);
    ck_assert(!compressor_swap_low(c));
    ck_assert(!compressor_swap_out_of_space(c));
    ck_assert_int_gt(compressor_swapout(c, 4), 0);
    ck_assert_uint_eq(st->swap_files, 3);
    drain_and_destroy(c, l, n);
    close_swap_files();
}
END_TEST

START_TEST(swap_errors_lose_nothing)
{
    enum { N = 40 };
    struct live l[N];
    /* No file to be had: vm_swap_low_on_space once the last creation failed. */
    struct compressor *c = make_pool(COMPRESSOR_CODEC_WKDM, 64 << 10, 100000, 100000);
    enable_swap(c, 64, 4);
    fill(c, l, N, PK_HEAP);
    ssrc.fail = ENOSPC;
    uint64_t frames = st->frames;
    ck_assert_int_eq(compressor_swapout(c, 1), -ENOSPC);
    ck_assert_uint_eq(st->frames, frames);
    ck_assert(compressor_swap_low(c));
    ck_assert(!compressor_swap_out_of_space(c));        /* more files may come */
    check_live(c, l, N, NULL);

    /* A file that cannot be written (a pipe): nothing lost. */
    int pipefd[2];
    ck_assert_int_eq(pipe(pipefd), 0);
    ssrc.fail = 0;
    ssrc.forced = pipefd[1];
    ck_assert_int_eq(compressor_swapout(c, 1), -ESPIPE);
    ck_assert(!compressor_swap_low(c));                 /* a file was had */
    ck_assert_uint_eq(st->frames, frames);
    ck_assert_uint_eq(st->segments_swapped, 0);
    ck_assert_uint_eq(st->swap_blocks_used, 0);
    check_live(c, l, N, NULL);
    compressor_destroy(c);
    close(pipefd[0]);
    close(pipefd[1]);
    close_swap_files();

    /* No frame to bring a segment back: the page stays stored, and reads once a
     * frame is free again. */
    c = swapping_pool(l, N, 1024, 4);
    ck_assert_int_gt(compressor_swapout(c, UINT32_MAX), 0);
    fsrc.limit = fsrc.outstanding;
    ck_assert_int_eq(compressor_get(c, &l[0].h, back), -ENOMEM);
    ck_assert_uint_ne(l[0].h, COMPRESSOR_NO_HANDLE);
    assert_frames_exact(c);
    fsrc.limit = UINT32_MAX;
    check_page(c, &l[0]);

    /* A swap file cut short: the read fails, the page stays stored. */
    ck_assert_int_gt(compressor_swapout(c, UINT32_MAX), 0);
    int fd = ssrc.fds[0];
    off_t size = lseek(fd, 0, SEEK_END);
    ck_assert_int_eq(ftruncate(fd, 0), 0);
    ck_assert_int_eq(compressor_get(c, &l[0].h, back), -EIO);
    ck_assert_uint_ne(l[0].h, COMPRESSOR_NO_HANDLE);
    assert_frames_exact(c);
    /* Grown again to its size, a hole of zeros: read in full, and still an error. */
    ck_assert_int_eq(ftruncate(fd, size), 0);
    uint64_t corrupt = st->corrupt;
    ck_assert_int_eq(compressor_get(c, &l[0].h, back), -EIO);
    ck_assert_uint_eq(st->corrupt, corrupt + 1);
    ck_assert_uint_ne(l[0].h, COMPRESSOR_NO_HANDLE);
    assert_frames_exact(c);
    for (unsigned i = 0; i < N; i++)
        ck_assert_int_eq(compressor_free(c, &l[i].h), 0);
    assert_pool_empty(c);
    compressor_destroy(c);
    close_swap_files();
}
END_TEST

/* Every segment's data moved one block down the file: incompressible pages are stored
 * whole, so each block holds another segment's valid data, laid out as its own. A page
 * whose segment was swapped reads as an error, never as some other page's contents;
 * the rest read intact. */
START_TEST(a_damaged_swap_file_is_an_error_not_wrong_data)
{
    enum { N = 40, SEG = 64 << 10 };
    struct live l[N];
    struct compressor *c = make_pool(COMPRESSOR_CODEC_HYBRID, SEG, 4096, 100000);
    enable_swap(c, 1024, 1);
    for (unsigned i = 0; i < N; i++)
        put_page(c, &l[i], PK_RANDOM, i);
    ck_assert_int_gt(compressor_swapout(c, UINT32_MAX), 0);
    ck_assert_uint_eq(ssrc.n, 1);
    int fd = ssrc.fds[0];
    off_t size = lseek(fd, 0, SEEK_END);
    ck_assert_int_gt(size, 2 * SEG);
    uint8_t *buf = malloc((size_t)size);
    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(pread(fd, buf, (size_t)size, 0), size);
    ck_assert_int_eq(pwrite(fd, buf + SEG, (size_t)(size - SEG), 0), size - SEG);
    ck_assert_int_eq(ftruncate(fd, size - SEG), 0);
    free(buf);
    unsigned failed = 0;
    uint64_t corrupt = st->corrupt;
    for (unsigned i = 0; i < N; i++) {
        make_page(l[i].kind, l[i].seed, page);
        int rc = compressor_get(c, &l[i].h, back);
        if (rc == 0) {
            ck_assert_mem_eq(back, page, TP_PAGE);
        } else {
            ck_assert_int_eq(rc, -EIO);
            failed++;
            ck_assert_int_eq(compressor_free(c, &l[i].h), 0);
        }
    }
    ck_assert_uint_gt(failed, N / 2);
    ck_assert_uint_ge(st->corrupt, corrupt + 1);
    assert_pool_empty(c);
    compressor_destroy(c);
    close_swap_files();
}
END_TEST

/* ---- inspection ------------------------------------------------------------------ */

/* Every counter the pool keeps, to show that inspection changes none. */
static void assert_stats_same(const struct compressor_stats *before)
{
    ck_assert_mem_eq(st, before, sizeof *before);
}

START_TEST(inspect_reads_without_changing_the_pool)
{
    enum { N = 40 };
    struct compressor *c = make_pool(COMPRESSOR_CODEC_HYBRID, 64 << 10, 64, 1000);
    struct live l[N];
    for (unsigned i = 0; i < N; i++)
        put_page(c, &l[i], i % 4 == 0 ? PK_SINGLE : PK_HEAP, i);
    struct compressor_stats before = *st;
    for (unsigned i = 0; i < N; i++) {
        struct compressor_where w;
        compressor_handle_t h = l[i].h;
        make_page(l[i].kind, l[i].seed, page);
        memset(back, 0xee, sizeof back);
        ck_assert_int_eq(compressor_inspect(c, h, back), 0);
        ck_assert_mem_eq(back, page, TP_PAGE);
        ck_assert_int_eq(compressor_locate(c, h, &w), 0);
        ck_assert_int_eq((int)w.form, compressor_form_of(c, h));
        ck_assert(!w.swapped);
        if (w.form == COMPRESSOR_FORM_SINGLE) {
            ck_assert_uint_eq(w.size, 0);
            ck_assert_mem_eq(&w.value, page, 4);
        } else {
            ck_assert_uint_gt(w.size, 0);
            ck_assert_uint_le(w.size, COMPRESSOR_KEEP_MAX);
        }
        ck_assert_uint_eq(l[i].h, h);
    }
    assert_stats_same(&before);
    struct compressor_where w;
    ck_assert_int_eq(compressor_locate(c, 0x12345, &w), -EINVAL);
    ck_assert_int_eq(compressor_inspect(c, COMPRESSOR_NO_HANDLE, back), -EINVAL);
    drain_and_destroy(c, l, N);
}
END_TEST

START_TEST(frame_info_names_the_segment)
{
    enum { N = 30, MAX_SEGS = 64 };
    struct compressor *c = make_pool(COMPRESSOR_CODEC_WKDM, 64 << 10, 64, 1000);
    struct live l[N];
    fill(c, l, N, PK_HEAP);
    ck_assert_uint_gt(st->frames, 1);
    ck_assert_uint_lt(fsrc.nrecent, MAX_TRACKED);      /* every frame was recorded */
    uint32_t seg_ids[MAX_SEGS];
    unsigned found = 0, pages = 0, nsegs = 0;
    for (unsigned i = 0; i < fsrc.nrecent; i++) {
        struct compressor_frame_info fi;
        bool seen_frame = false;
        for (unsigned k = 0; k < i; k++)
            seen_frame |= fsrc.recent[k] == fsrc.recent[i];   /* freed, then handed out again */
        if (seen_frame || compressor_frame_info(c, fsrc.recent[i], &fi) < 0)
            continue;
        found++;
        ck_assert_uint_lt(fi.index, fi.nframes);
        ck_assert_uint_le(fi.live_bytes, fi.used);
        ck_assert_uint_le(fi.used, fi.nframes * TP_PAGE);
        unsigned k = 0;
        while (k < nsegs && seg_ids[k] != fi.segment)
            k++;
        if (k == nsegs) {
            ck_assert_uint_lt(nsegs, MAX_SEGS);
            seg_ids[nsegs++] = fi.segment;
            pages += fi.live_slots;
        }
    }
    ck_assert_uint_eq(found, st->frames);
    ck_assert_uint_eq(nsegs, st->segments);
    ck_assert_uint_eq(pages, N);
    int local;
    struct compressor_frame_info fi;
    ck_assert_int_eq(compressor_frame_info(c, &local, &fi), -ENOENT);
    drain_and_destroy(c, l, N);
}
END_TEST

START_TEST(inspect_reads_swapped_segments_in_place)
{
    enum { N = 60 };
    struct live l[N];
    struct compressor *c = swapping_pool(l, N, 1024, 4);
    ck_assert_int_gt(compressor_swapout(c, UINT32_MAX), 0);
    struct compressor_stats before = *st;
    unsigned swapped = 0;
    for (unsigned i = 0; i < N; i++) {
        struct compressor_where w;
        ck_assert_int_eq(compressor_locate(c, l[i].h, &w), 0);
        swapped += w.swapped;
        make_page(l[i].kind, l[i].seed, page);
        ck_assert_int_eq(compressor_inspect(c, l[i].h, back), 0);
        ck_assert_mem_eq(back, page, TP_PAGE);
    }
    ck_assert_uint_gt(swapped, 0);
    assert_stats_same(&before);                         /* no swapin */
    drain_and_destroy(c, l, N);
    close_swap_files();
}
END_TEST

static Suite *compressor_suite(void)
{
    Suite *s = suite_create("compressor");
    TCase *codec = tcase_create("codecs");
    tcase_add_test(codec, codec_round_trip_every_kind);
    tcase_add_test(codec, hybrid_follows_the_12k_rule);
    tcase_add_test(codec, raw_only_past_16380_bytes);
    tcase_add_test(codec, codec_names);
    tcase_add_test(codec, decode_rejects_bad_input);
    tcase_add_test(codec, fuzz_lz4_input);
    suite_add_tcase(s, codec);

    TCase *pool = tcase_create("pool");
    tcase_set_timeout(pool, 120);
    tcase_add_test(pool, pool_round_trip_every_kind);
    tcase_add_test(pool, single_values_are_shared);
    tcase_add_test(pool, single_value_table_full_goes_to_a_segment);
    tcase_add_test(pool, accounting_exact_after_many_cycles);
    tcase_add_test(pool, minor_compaction_keeps_pages_and_handles_valid);
    tcase_add_test(pool, major_compaction_merges_sparse_segments);
    tcase_add_test(pool, segment_limit_until_major_compaction);
    tcase_add_test(pool, rebind_follows_moved_handles);
    tcase_add_test(pool, decompressions_are_sampled_by_segment_age);
    tcase_add_test(pool, limits_and_low_on_space);
    tcase_add_test(pool, sizes_follow_vm_compressor_set_size);
    tcase_add_test(pool, needs_major_compact_as_xnu);
    tcase_add_test(pool, major_compaction_as_c_seg_major_compact_ok);
    tcase_add_test(pool, frame_source_running_dry);
    tcase_add_test(pool, bad_handles_are_refused);
    tcase_add_test(pool, config_is_validated);
    tcase_add_test(pool, corrupt_pool_data_is_an_error);
    tcase_add_test(pool, inspect_reads_without_changing_the_pool);
    tcase_add_test(pool, frame_info_names_the_segment);
    suite_add_tcase(s, pool);

    TCase *swap = tcase_create("swap");
    tcase_set_timeout(swap, 60);
    tcase_add_test(swap, swap_out_and_in_round_trip);
    tcase_add_test(swap, explicit_swapout_gives_frames_back);
    tcase_add_test(swap, swap_spreads_over_several_files);
    tcase_add_test(swap, swap_errors_lose_nothing);
    tcase_add_test(swap, a_damaged_swap_file_is_an_error_not_wrong_data);
    tcase_add_test(swap, inspect_reads_swapped_segments_in_place);
    suite_add_tcase(s, swap);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(compressor_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
