/* Unit tests for compressor/: codec choice (WKdm, LZ4, hybrid, raw), the pool
 * (single values, segments, minor and major compaction with owner rewrites, frame
 * accounting, limits), swap out/in, and bad or corrupted input. */
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

static struct compressor *make_pool(enum compressor_codec codec, uint32_t seg, uint32_t max_frames,
                                    uint32_t max_pages)
{
    memset(&fsrc, 0, sizeof fsrc);
    fsrc.limit = UINT32_MAX;
    struct compressor_config cfg = {
        .codec = codec, .segment_size = seg, .max_frames = max_frames, .max_pages = max_pages,
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

/* At the frame limit a put compacts the pool to make room, then stores its page.
 * (One-frame segments, so that merging two sparse ones gives a frame back.) */
START_TEST(put_at_the_limit_compacts_first)
{
    enum { N = 200 };
    struct compressor *c = make_pool(COMPRESSOR_CODEC_WKDM, 16 << 10, 12, 100000);
    static struct live l[N];
    memset(l, 0, sizeof l);
    unsigned n = put_until_full(c, l, 0, N);
    ck_assert_uint_lt(n, N);                            /* the limit was reached */
    free_some(c, l, n, 3, 6);
    ck_assert_uint_gt(put_until_full(c, l, n, N), n);
    ck_assert_uint_gt(st->major_compactions, 0);
    ck_assert_uint_le(st->frames, 12);
    drain_and_destroy(c, l, N);
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

START_TEST(limits_and_low_on_space)
{
    struct compressor *c = make_pool(COMPRESSOR_CODEC_HYBRID, 64 << 10, 8, 1000);
    ck_assert(!compressor_low_on_space(c));
    struct live l[9];
    for (unsigned i = 0; i < 8; i++)
        put_page(c, &l[i], PK_RANDOM, i);               /* raw: a frame each */
    ck_assert_uint_eq(st->frames, 8);
    ck_assert(compressor_low_on_space(c));
    make_page(PK_RANDOM, 8, page);
    compressor_handle_t h = COMPRESSOR_NO_HANDLE;
    ck_assert_int_eq(compressor_put(c, page, &h), -ENOSPC);
    ck_assert_uint_eq(h, COMPRESSOR_NO_HANDLE);
    ck_assert_uint_eq(st->rejected, 1);
    memset(page, 0, sizeof page);                       /* single values need no frame */
    ck_assert_int_eq(compressor_put(c, page, &h), 0);
    ck_assert_int_eq(compressor_free(c, &h), 0);
    for (unsigned i = 0; i < 8; i++)
        get_page(c, &l[i]);
    ck_assert(!compressor_low_on_space(c));
    compressor_destroy(c);

    c = make_pool(COMPRESSOR_CODEC_HYBRID, 64 << 10, 64, 5);
    for (unsigned i = 0; i < 5; i++)
        put_page(c, &l[i], PK_HEAP, i);
    ck_assert(compressor_low_on_space(c));
    make_page(PK_HEAP, 5, page);
    ck_assert_int_eq(compressor_put(c, page, &h), -ENOSPC);
    ck_assert_uint_eq(st->rejected, 1);
    compressor_destroy(c);
    ck_assert_uint_eq(fsrc.outstanding, 0);
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
    compressor_config_default(&cfg, 4096);
    ck_assert_int_eq(cfg.codec, COMPRESSOR_CODEC_HYBRID);
    ck_assert_uint_eq(cfg.segment_size, 64 << 10);
    ck_assert_uint_eq(cfg.max_frames, 3072);
    struct compressor *c = compressor_create(&cfg);
    ck_assert_ptr_nonnull(c);
    compressor_destroy(c);
    const uint32_t bad_sizes[] = { 0, 8192, 65536 + 4096, 8u << 20 };
    for (unsigned i = 0; i < 4; i++) {
        compressor_config_default(&cfg, 4096);
        cfg.segment_size = bad_sizes[i];
        errno = 0;
        ck_assert_ptr_null(compressor_create(&cfg));
        ck_assert_int_eq(errno, EINVAL);
    }
    compressor_config_default(&cfg, 4096);
    cfg.max_frames = 3;                                 /* less than one segment */
    ck_assert_ptr_null(compressor_create(&cfg));
    compressor_config_default(&cfg, 4096);
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

static int swap_file(void)
{
    char path[] = "/tmp/machemu-swap-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    unlink(path);
    return fd;
}

START_TEST(swap_out_and_in_round_trip)
{
    enum { N = 300 };
    struct compressor *c = make_pool(COMPRESSOR_CODEC_HYBRID, 64 << 10, 16, 100000);
    ck_assert_int_eq(compressor_swapout(c, 1), -ENODEV);
    int fd = swap_file();
    ck_assert_int_eq(compressor_swap_attach(c, fd), 0);
    ck_assert(!compressor_low_on_space(c));
    static struct live l[N];
    for (unsigned i = 0; i < N; i++)
        put_page(c, &l[i], i % 5 ? PK_HEAP : PK_CODE, i);  /* far more than 16 frames */
    ck_assert_uint_le(st->frames, 16);
    ck_assert_uint_gt(st->swapouts, 0);
    ck_assert_uint_gt(st->segments_swapped, 0);
    ck_assert_uint_gt(st->pages_swapped, 0);
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
    assert_pool_empty(c);
    compressor_destroy(c);
    close(fd);
}
END_TEST

/* A pool without a frame limit, swapping to fd, holding n heap pages. */
static struct compressor *swapping_pool(int fd, struct live *l, unsigned n)
{
    struct compressor *c = make_pool(COMPRESSOR_CODEC_WKDM, 64 << 10, 4096, 100000);
    ck_assert_int_eq(compressor_swap_attach(c, fd), 0);
    fill(c, l, n, PK_HEAP);
    return c;
}

START_TEST(explicit_swapout_gives_frames_back)
{
    enum { N = 60 };
    int fd = swap_file();
    struct live l[N];
    struct compressor *c = swapping_pool(fd, l, N);
    uint64_t frames = st->frames;
    int got = compressor_swapout(c, UINT32_MAX);
    ck_assert_int_gt(got, 0);
    ck_assert_uint_eq(st->frames, frames - (uint64_t)got);
    ck_assert_uint_lt(st->frames, 5);                   /* only the open segment is left */
    ck_assert_int_eq(compressor_swap_attach(c, -1), -EINVAL);   /* data in the file */
    check_live(c, l, N, NULL);
    ck_assert_uint_gt(st->swapins, 0);
    /* Freeing pages of a swapped-out segment needs no read. */
    ck_assert_int_eq(compressor_swapout(c, UINT32_MAX) > 0, 1);
    uint64_t swapins = st->swapins;
    for (unsigned i = 0; i < N; i++)
        ck_assert_int_eq(compressor_free(c, &l[i].h), 0);
    ck_assert_uint_eq(st->swapins, swapins);
    ck_assert_uint_eq(st->segments_swapped, 0);
    ck_assert_int_eq(compressor_swap_attach(c, -1), 0);
    compressor_destroy(c);
    close(fd);
}
END_TEST

START_TEST(swap_errors_lose_nothing)
{
    enum { N = 40 };
    int pipefd[2];
    ck_assert_int_eq(pipe(pipefd), 0);
    struct live l[N];
    struct compressor *c = swapping_pool(pipefd[1], l, N);        /* pwrite fails */
    uint64_t frames = st->frames;
    ck_assert_int_eq(compressor_swapout(c, 1), -ESPIPE);
    ck_assert_uint_eq(st->frames, frames);
    ck_assert_uint_eq(st->segments_swapped, 0);
    check_live(c, l, N, NULL);
    close(pipefd[0]);
    close(pipefd[1]);

    /* No frame to bring a segment back: the page stays stored, and reads once a
     * frame is free again. */
    int fd = swap_file();
    ck_assert_int_eq(compressor_swap_attach(c, fd), 0);
    ck_assert_int_gt(compressor_swapout(c, UINT32_MAX), 0);
    fsrc.limit = fsrc.outstanding;
    ck_assert_int_eq(compressor_get(c, &l[0].h, back), -ENOMEM);
    ck_assert_uint_ne(l[0].h, COMPRESSOR_NO_HANDLE);
    assert_frames_exact(c);
    fsrc.limit = UINT32_MAX;
    check_page(c, &l[0]);

    /* A swap file cut short: the read fails, the page stays stored. */
    ck_assert_int_gt(compressor_swapout(c, UINT32_MAX), 0);
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
    close(fd);
}
END_TEST

/* Every segment's data moved one block down the file: incompressible pages are stored
 * whole, so each block holds another segment's valid data, laid out as its own. A page
 * whose segment was swapped reads as an error, never as some other page's contents;
 * the rest read intact. */
START_TEST(a_damaged_swap_file_is_an_error_not_wrong_data)
{
    enum { N = 40, SEG = 64 << 10 };
    int fd = swap_file();
    struct live l[N];
    struct compressor *c = make_pool(COMPRESSOR_CODEC_HYBRID, SEG, 4096, 100000);
    ck_assert_int_eq(compressor_swap_attach(c, fd), 0);
    for (unsigned i = 0; i < N; i++)
        put_page(c, &l[i], PK_RANDOM, i);
    ck_assert_int_gt(compressor_swapout(c, UINT32_MAX), 0);
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
    close(fd);
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
    int fd = swap_file();
    struct live l[N];
    struct compressor *c = swapping_pool(fd, l, N);
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
    close(fd);
}
END_TEST

static Suite *compressor_suite(void)
{
    Suite *s = suite_create("compressor");
    TCase *codec = tcase_create("codecs");
    tcase_add_test(codec, codec_round_trip_every_kind);
    tcase_add_test(codec, hybrid_follows_the_12k_rule);
    tcase_add_test(codec, codec_names);
    tcase_add_test(codec, decode_rejects_bad_input);
    tcase_add_test(codec, fuzz_lz4_input);
    suite_add_tcase(s, codec);

    TCase *pool = tcase_create("pool");
    tcase_set_timeout(pool, 120);
    tcase_add_test(pool, pool_round_trip_every_kind);
    tcase_add_test(pool, single_values_are_shared);
    tcase_add_test(pool, accounting_exact_after_many_cycles);
    tcase_add_test(pool, minor_compaction_keeps_pages_and_handles_valid);
    tcase_add_test(pool, major_compaction_merges_sparse_segments);
    tcase_add_test(pool, put_at_the_limit_compacts_first);
    tcase_add_test(pool, rebind_follows_moved_handles);
    tcase_add_test(pool, limits_and_low_on_space);
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
