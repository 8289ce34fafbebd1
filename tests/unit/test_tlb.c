/* Unit tests for mmu/tlb.c: geometry, hits and misses, LRU, ASIDs, TLBI, on_drop. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "mmu/tlb.h"

static struct tlb t;
static int drops;

static void count_drop(void *ctx)
{
    ck_assert_ptr_eq(ctx, &drops);
    drops++;
}

/* 4 sets x 2 ways: pages n, n+4, n+8... share set n % 4. */
static void setup(void)
{
    ck_assert_int_eq(tlb_init(&t, 4, 2), 0);
    t.on_drop = count_drop;
    t.ctx = &drops;
    drops = 0;
}

static void teardown(void) { tlb_fini(&t); }

static uint64_t page(uint64_t n) { return n << PAGE_SHIFT; }

static bool hit(asid_t asid, uint64_t va, pfn_t *pfn)
{
    struct tlb_entry e;
    if (!tlb_lookup(&t, asid, va, &e))
        return false;
    if (pfn)
        *pfn = e.pfn;
    return true;
}

START_TEST(init_checks_geometry)
{
    struct tlb u;
    ck_assert_int_eq(tlb_init(&u, 3, 4), -EINVAL);
    ck_assert_int_eq(tlb_init(&u, 0, 4), -EINVAL);
    ck_assert_int_eq(tlb_init(&u, 64, 0), -EINVAL);
    ck_assert_int_eq(tlb_init(&u, 256, 512), -EINVAL);
    ck_assert_int_eq(tlb_init(&u, 65536, 1), 0);
    ck_assert_uint_eq(u.sets, 65536);
    ck_assert_uint_eq(u.ways, 1);
    tlb_fini(&u);
    ck_assert_int_eq(tlb_init(&u, 64, 4), 0);
    ck_assert_ptr_nonnull(u.e);
    ck_assert_uint_eq(u.stats.hits + u.stats.misses + u.stats.fills, 0);
    tlb_fini(&u);
}
END_TEST

START_TEST(parse_geometry)
{
    unsigned s = 0, w = 0;
    ck_assert_int_eq(tlb_parse_geometry("64x4", &s, &w), 0);
    ck_assert_uint_eq(s, 64);
    ck_assert_uint_eq(w, 4);
    ck_assert_int_eq(tlb_parse_geometry("1x1", &s, &w), 0);
    ck_assert_uint_eq(s, 1);
    ck_assert_uint_eq(w, 1);
    static const char *bad[] = { "", "64", "64x", "x4", "64x4 ", " 64x4", "64X4", "63x4",
                                 "0x4", "64x0", "64x-4", "1x65537", "512x256", "64xx4",
                                 "99999999999999999999x1" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        s = w = 7;
        ck_assert_msg(tlb_parse_geometry(bad[i], &s, &w) == -EINVAL, "accepted \"%s\"", bad[i]);
        ck_assert_uint_eq(s, 7);
    }
}
END_TEST

START_TEST(miss_fill_hit)
{
    struct tlb_entry e;
    ck_assert(!tlb_lookup(&t, 1, page(5), &e));
    ck_assert_uint_eq(t.stats.misses, 1);
    tlb_insert(&t, 1, page(5) + 0x123, 77, VM_PROT_READ | VM_PROT_WRITE);
    ck_assert_uint_eq(t.stats.fills, 1);
    ck_assert(tlb_lookup(&t, 1, page(5) + 0x3fff, &e));
    ck_assert_uint_eq(e.pfn, 77);
    ck_assert_uint_eq(e.vpn, 5);
    ck_assert_uint_eq(e.asid, 1);
    ck_assert_uint_eq(e.prot, VM_PROT_READ | VM_PROT_WRITE);
    ck_assert(tlb_lookup(&t, 1, page(5), NULL));
    ck_assert_uint_eq(t.stats.hits, 2);
    ck_assert(!tlb_lookup(&t, 1, page(6), NULL));
    ck_assert(!tlb_lookup(&t, 1, page(4), NULL));
    ck_assert_uint_eq(t.stats.misses, 3);
    ck_assert_int_eq(drops, 0);     /* filling a free way drops nothing */
    ck_assert_uint_eq(t.stats.evictions, 0);
}
END_TEST

START_TEST(lru_eviction_within_set)
{
    tlb_insert(&t, 1, page(0), 10, VM_PROT_READ);
    tlb_insert(&t, 1, page(4), 14, VM_PROT_READ);
    ck_assert(hit(1, page(0), NULL));          /* page 4 is now least recent */
    tlb_insert(&t, 1, page(8), 18, VM_PROT_READ);
    ck_assert_uint_eq(t.stats.evictions, 1);
    ck_assert_int_eq(drops, 0);                 /* an eviction is silent */
    ck_assert(!hit(1, page(4), NULL));
    pfn_t f;
    ck_assert(hit(1, page(0), &f));
    ck_assert_uint_eq(f, 10);
    ck_assert(hit(1, page(8), &f));
    ck_assert_uint_eq(f, 18);
    /* Now 0 is least recent. */
    tlb_insert(&t, 1, page(12), 22, VM_PROT_READ);
    ck_assert(!hit(1, page(0), NULL));
    ck_assert(hit(1, page(8), NULL));
    ck_assert_uint_eq(t.stats.evictions, 2);
}
END_TEST

/* Evictions leave the CPU's TLB alone, but then every TLBI must reach it, even one
 * for a page no longer here: the CPU may still hold that page. */
START_TEST(invalidation_after_eviction_reaches_the_cpu)
{
    tlb_insert(&t, 1, page(0), 10, VM_PROT_READ);
    tlb_insert(&t, 1, page(4), 14, VM_PROT_READ);
    tlb_insert(&t, 1, page(8), 18, VM_PROT_READ);      /* evicts page 0 */
    ck_assert_int_eq(drops, 0);
    tlb_invalidate_va(&t, 1, page(0));                 /* not here any more */
    ck_assert_int_eq(drops, 1);
    tlb_invalidate_va(&t, 1, page(0));                 /* flushed since: nothing to do */
    ck_assert_int_eq(drops, 1);
    tlb_insert(&t, 1, page(12), 22, VM_PROT_READ);     /* another eviction */
    tlb_invalidate_asid(&t, 7);
    ck_assert_int_eq(drops, 2);
    tlb_insert(&t, 1, page(8), 19, VM_PROT_WRITE);     /* replaced: flushed at once */
    ck_assert_int_eq(drops, 3);
    tlb_flush_cpu(&t);
    ck_assert_int_eq(drops, 4);
}
END_TEST

START_TEST(sets_are_independent)
{
    for (uint64_t n = 0; n < 8; n++)
        tlb_insert(&t, 1, page(n), (pfn_t)(100 + n), VM_PROT_READ);
    ck_assert_uint_eq(t.stats.evictions, 0);
    ck_assert_int_eq(drops, 0);
    for (uint64_t n = 0; n < 8; n++) {
        pfn_t f;
        ck_assert(hit(1, page(n), &f));
        ck_assert_uint_eq(f, 100 + n);
    }
}
END_TEST

START_TEST(replace_same_key)
{
    tlb_insert(&t, 3, page(1), 10, VM_PROT_READ);
    tlb_insert(&t, 3, page(1), 11, VM_PROT_READ | VM_PROT_EXECUTE);
    ck_assert_int_eq(drops, 1);
    ck_assert_uint_eq(t.stats.evictions, 0);
    ck_assert_uint_eq(t.stats.fills, 2);
    struct tlb_entry e;
    ck_assert(tlb_lookup(&t, 3, page(1), &e));
    ck_assert_uint_eq(e.pfn, 11);
    ck_assert_uint_eq(e.prot, VM_PROT_READ | VM_PROT_EXECUTE);
    /* The other way of the set is still free: no duplicate was made. */
    tlb_insert(&t, 3, page(5), 12, VM_PROT_READ);
    ck_assert_uint_eq(t.stats.evictions, 0);
    ck_assert(hit(3, page(1), NULL));
}
END_TEST

START_TEST(asid_isolation)
{
    tlb_insert(&t, 1, page(2), 20, VM_PROT_READ);
    ck_assert(!hit(2, page(2), NULL));
    tlb_insert(&t, 2, page(2), 21, VM_PROT_READ);
    pfn_t f;
    ck_assert(hit(1, page(2), &f));
    ck_assert_uint_eq(f, 20);
    ck_assert(hit(2, page(2), &f));
    ck_assert_uint_eq(f, 21);
    ck_assert_uint_eq(t.stats.evictions, 0);
}
END_TEST

START_TEST(invalidate_va)
{
    tlb_insert(&t, 1, page(2), 20, VM_PROT_READ);
    tlb_insert(&t, 2, page(2), 21, VM_PROT_READ);
    tlb_insert(&t, 1, page(3), 30, VM_PROT_READ);
    tlb_invalidate_va(&t, 1, page(2) + 8);
    ck_assert_uint_eq(t.stats.inval_va, 1);
    ck_assert_uint_eq(t.stats.dropped, 1);
    ck_assert_int_eq(drops, 1);
    ck_assert(!hit(1, page(2), NULL));
    ck_assert(hit(2, page(2), NULL));
    ck_assert(hit(1, page(3), NULL));
    /* Nothing to drop: counted as an operation, no callback. */
    tlb_invalidate_va(&t, 1, page(2));
    ck_assert_uint_eq(t.stats.inval_va, 2);
    ck_assert_uint_eq(t.stats.dropped, 1);
    ck_assert_int_eq(drops, 1);
}
END_TEST

START_TEST(invalidate_asid)
{
    for (uint64_t n = 0; n < 3; n++) {
        tlb_insert(&t, 1, page(n), (pfn_t)n + 1, VM_PROT_READ);
        tlb_insert(&t, 2, page(n), (pfn_t)n + 11, VM_PROT_READ);
    }
    tlb_invalidate_asid(&t, 1);
    ck_assert_uint_eq(t.stats.inval_asid, 1);
    ck_assert_uint_eq(t.stats.dropped, 3);
    ck_assert_int_eq(drops, 1);
    for (uint64_t n = 0; n < 3; n++) {
        ck_assert(!hit(1, page(n), NULL));
        ck_assert(hit(2, page(n), NULL));
    }
    tlb_invalidate_asid(&t, 1);
    ck_assert_int_eq(drops, 1);
    ck_assert_uint_eq(t.stats.inval_asid, 2);
}
END_TEST

START_TEST(invalidate_all)
{
    for (uint64_t n = 0; n < 8; n++)
        tlb_insert(&t, (asid_t)(n % 3), page(n), (pfn_t)n + 1, VM_PROT_READ);
    tlb_invalidate_all(&t);
    ck_assert_uint_eq(t.stats.inval_all, 1);
    ck_assert_uint_eq(t.stats.dropped, 8);
    ck_assert_int_eq(drops, 1);
    for (uint64_t n = 0; n < 8; n++)
        ck_assert(!hit((asid_t)(n % 3), page(n), NULL));
    tlb_invalidate_all(&t);
    ck_assert_int_eq(drops, 1);
}
END_TEST

START_TEST(no_callback_is_fine)
{
    t.on_drop = NULL;
    tlb_insert(&t, 1, page(0), 1, VM_PROT_READ);
    tlb_insert(&t, 1, page(4), 2, VM_PROT_READ);
    tlb_insert(&t, 1, page(8), 3, VM_PROT_READ);
    tlb_invalidate_all(&t);
    ck_assert_uint_eq(t.stats.evictions, 1);
    ck_assert_uint_eq(t.stats.dropped, 2);
    ck_assert_int_eq(drops, 0);
}
END_TEST

/* LRU must survive the 32-bit clock wrapping around. */
START_TEST(lru_across_clock_wrap)
{
    t.clock = UINT32_MAX - 2;
    tlb_insert(&t, 1, page(0), 1, VM_PROT_READ);
    tlb_insert(&t, 1, page(4), 2, VM_PROT_READ);
    ck_assert(hit(1, page(0), NULL));           /* the clock wraps here */
    tlb_insert(&t, 1, page(8), 3, VM_PROT_READ);
    ck_assert(hit(1, page(0), NULL));
    ck_assert(!hit(1, page(4), NULL));
}
END_TEST

static Suite *tlb_suite(void)
{
    Suite *s = suite_create("tlb");
    TCase *tc = tcase_create("tlb");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, init_checks_geometry);
    tcase_add_test(tc, parse_geometry);
    tcase_add_test(tc, miss_fill_hit);
    tcase_add_test(tc, lru_eviction_within_set);
    tcase_add_test(tc, invalidation_after_eviction_reaches_the_cpu);
    tcase_add_test(tc, sets_are_independent);
    tcase_add_test(tc, replace_same_key);
    tcase_add_test(tc, asid_isolation);
    tcase_add_test(tc, invalidate_va);
    tcase_add_test(tc, invalidate_asid);
    tcase_add_test(tc, invalidate_all);
    tcase_add_test(tc, no_callback_is_fine);
    tcase_add_test(tc, lru_across_clock_wrap);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(tlb_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
