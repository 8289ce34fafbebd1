/* Unit tests for mmu/phys.c: frame allocation, accounting, stale-code tracking, host
 * memory given back after a peak, and frames known to be zero (fresh from the host or
 * given back to it) cleared without a write, while a reused frame is really cleared,
 * by cached or streaming stores. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mmu/phys.h"

#define NFRAMES 16

static struct phys p;

static void setup(void) { ck_assert_int_eq(phys_init(&p, NFRAMES * PAGE_SIZE), 0); }
static void teardown(void) { phys_fini(&p); }

static uint32_t count_sum(const struct phys *ph)
{
    uint32_t s = 0;
    for (int u = 0; u < PHYS_NUSES; u++)
        s += ph->count[u];
    return s;
}

START_TEST(init_rejects_bad_sizes)
{
    struct phys q;
    ck_assert_int_eq(phys_init(&q, 4 * PAGE_SIZE + 1), -EINVAL);
    ck_assert_int_eq(phys_init(&q, 3 * PAGE_SIZE), -EINVAL);
    ck_assert_int_eq(phys_init(&q, 0), -EINVAL);
    ck_assert_int_eq(phys_init(&q, 4 * PAGE_SIZE), 0);
    ck_assert_uint_eq(q.nframes, 4);
    phys_fini(&q);
}
END_TEST

START_TEST(initial_state)
{
    ck_assert_uint_eq(p.nframes, NFRAMES);
    ck_assert_uint_eq(p.size, NFRAMES * PAGE_SIZE);
    ck_assert_ptr_nonnull(p.ram);
    ck_assert_uint_eq((uintptr_t)p.ram % PAGE_SIZE, 0);
    ck_assert_uint_eq(p.use[0], PHYS_RESERVED);
    ck_assert_uint_eq(p.count[PHYS_RESERVED], 1);
    ck_assert_uint_eq(p.count[PHYS_FREE], NFRAMES - 1);
    ck_assert_uint_eq(p.count[PHYS_PAGETABLE], 0);
    ck_assert_uint_eq(p.count[PHYS_VM], 0);
    ck_assert_uint_eq(p.stale_code, 0);
    /* The whole buffer is usable host memory. */
    memset(p.ram, 0xa5, p.size);
    ck_assert_uint_eq(((uint8_t *)phys_ptr(&p, NFRAMES - 1))[PAGE_SIZE - 1], 0xa5);
    ck_assert_uint_eq(phys_pa(3), 3 * PAGE_SIZE);
}
END_TEST

START_TEST(alloc_is_deterministic_and_skips_frame0)
{
    for (pfn_t want = 1; want < NFRAMES; want++) {
        pfn_t f = phys_alloc(&p, want % 2 ? PHYS_VM : PHYS_PAGETABLE);
        ck_assert_uint_eq(f, want);
        ck_assert_uint_eq(p.use[f], want % 2 ? PHYS_VM : PHYS_PAGETABLE);
    }
    ck_assert_uint_eq(phys_alloc(&p, PHYS_VM), PFN_NONE);
    ck_assert_uint_eq(p.count[PHYS_FREE], 0);
    ck_assert_uint_eq(p.count[PHYS_VM], 8);
    ck_assert_uint_eq(p.count[PHYS_PAGETABLE], 7);
    ck_assert_uint_eq(count_sum(&p), NFRAMES);
}
END_TEST

START_TEST(free_then_alloc_reuses_frame)
{
    pfn_t a = phys_alloc(&p, PHYS_VM), b = phys_alloc(&p, PHYS_VM), c = phys_alloc(&p, PHYS_VM);
    ck_assert_uint_eq(p.count[PHYS_VM], 3);
    phys_free(&p, b);
    ck_assert_uint_eq(p.use[b], PHYS_FREE);
    ck_assert_uint_eq(p.count[PHYS_VM], 2);
    ck_assert_uint_eq(p.count[PHYS_FREE], NFRAMES - 3);
    ck_assert_uint_eq(phys_alloc(&p, PHYS_PAGETABLE), b);
    ck_assert_uint_eq(p.count[PHYS_PAGETABLE], 1);
    phys_free(&p, a);
    phys_free(&p, c);
    ck_assert_uint_eq(phys_alloc(&p, PHYS_VM), c);
    ck_assert_uint_eq(phys_alloc(&p, PHYS_VM), a);
    ck_assert_uint_eq(count_sum(&p), NFRAMES);
}
END_TEST

START_TEST(counts_sum_after_random_sequence)
{
    pfn_t held[NFRAMES];
    unsigned n = 0;
    srand(42);
    for (int i = 0; i < 5000; i++) {
        if (n && rand() % 2) {
            unsigned k = (unsigned)rand() % n;
            phys_free(&p, held[k]);
            held[k] = held[--n];
        } else {
            pfn_t f = phys_alloc(&p, rand() % 2 ? PHYS_VM : PHYS_PAGETABLE);
            if (f == PFN_NONE) {
                ck_assert_uint_eq(n, NFRAMES - 1);
                continue;
            }
            ck_assert_uint_ne(f, 0);
            ck_assert_uint_lt(f, NFRAMES);
            held[n++] = f;
        }
        ck_assert_uint_eq(count_sum(&p), NFRAMES);
        ck_assert_uint_eq(p.count[PHYS_FREE], NFRAMES - 1 - n);
    }
}
END_TEST

START_TEST(free_of_code_frame_is_stale)
{
    pfn_t a = phys_alloc(&p, PHYS_VM), b = phys_alloc(&p, PHYS_VM);
    p.flags[a] |= PHYS_F_CODE;
    phys_free(&p, b);
    ck_assert_uint_eq(p.stale_code, 0);
    phys_free(&p, a);
    ck_assert_uint_eq(p.stale_code, 1);
    ck_assert_uint_eq(p.flags[a] & PHYS_F_CODE, 0);
    ck_assert_uint_eq(phys_take_stale_code(&p), 1);
    ck_assert_uint_eq(p.stale_code, 0);
    ck_assert_uint_eq(phys_take_stale_code(&p), 0);
}
END_TEST

START_TEST(host_writes_mark_code_stale)
{
    pfn_t a = phys_alloc(&p, PHYS_VM), b = phys_alloc(&p, PHYS_VM);
    phys_will_write(&p, a);         /* host writes are announced (fresh frames are zero) */
    phys_will_write(&p, b);
    memset(phys_ptr(&p, a), 0x11, PAGE_SIZE);
    memset(phys_ptr(&p, b), 0x22, PAGE_SIZE);

    p.flags[a] |= PHYS_F_CODE;
    p.flags[b] |= PHYS_F_CODE;
    phys_copy(&p, a, b);            /* only the destination is rewritten */
    ck_assert_uint_eq(((uint8_t *)phys_ptr(&p, a))[100], 0x22);
    ck_assert_uint_eq(p.stale_code, 1);
    ck_assert_uint_eq(p.flags[a] & PHYS_F_CODE, 0);
    ck_assert_uint_eq(p.flags[b] & PHYS_F_CODE, PHYS_F_CODE);

    phys_zero(&p, b);
    ck_assert_uint_eq(((uint8_t *)phys_ptr(&p, b))[PAGE_SIZE - 1], 0);
    ck_assert_uint_eq(p.stale_code, 2);
    ck_assert_uint_eq(p.flags[b] & PHYS_F_CODE, 0);

    phys_zero(&p, b);               /* no longer code: nothing to flush */
    ck_assert_uint_eq(p.stale_code, 2);

    p.flags[a] |= PHYS_F_CODE;
    phys_will_write(&p, a);
    ck_assert_uint_eq(p.stale_code, 3);
    ck_assert_uint_eq(phys_take_stale_code(&p), 3);
}
END_TEST

/* Whether every host page of the frame is resident (mincore). */
static bool host_resident(pfn_t f)
{
    size_t hp = (size_t)sysconf(_SC_PAGESIZE), n = PAGE_SIZE / hp;
    unsigned char vec[PAGE_SIZE / 512];
    ck_assert_int_eq(mincore(phys_ptr(&p, f), PAGE_SIZE, vec), 0);
    for (size_t i = 0; i < n; i++)
        if (!(vec[i] & 1))
            return false;
    return true;
}

/* Past 3/8 of the frames free and host-backed, all but the 1/8 most recently freed go
 * back to the host: not resident, zero when taken again, and usable. */
START_TEST(freed_frames_go_back_to_the_host_past_a_peak)
{
    pfn_t f[NFRAMES];
    for (int i = 1; i < NFRAMES; i++) {
        f[i] = phys_alloc(&p, PHYS_VM);
        memset(phys_ptr(&p, f[i]), 0x5a, PAGE_SIZE);
        ck_assert(host_resident(f[i]));
    }
    ck_assert_uint_eq(p.backed_free, 0);
    uint32_t at = PHYS_TRIM_AT(NFRAMES), keep = PHYS_TRIM_KEEP(NFRAMES);
    for (uint32_t i = 1; i <= at; i++)
        phys_free(&p, f[i]);
    ck_assert_uint_eq(p.backed_free, at);
    ck_assert_uint_eq(p.trims, 0);
    ck_assert(host_resident(f[1]));
    phys_free(&p, f[at + 1]);                  /* one past: a trim */
    ck_assert_uint_eq(p.trims, 1);
    ck_assert_uint_eq(p.released, at + 1 - keep);
    ck_assert_uint_eq(p.backed_free, keep);
    for (uint32_t i = 1; i <= at + 1; i++) {
        bool kept = i > at + 1 - keep;         /* the most recently freed */
        ck_assert_msg(host_resident(f[i]) == kept, "frame %u resident %d", i, !kept);
        ck_assert_uint_eq(((uint8_t *)phys_ptr(&p, f[i]))[100], kept ? 0x5a : 0);
    }
    /* Allocation takes the warm frames first, then the others, which work as before. */
    ck_assert_uint_eq(phys_alloc(&p, PHYS_VM), f[at + 1]);
    ck_assert_uint_eq(p.backed_free, keep - 1);
    for (uint32_t i = 0; i < at; i++) {
        pfn_t g = phys_alloc(&p, PHYS_VM);
        ck_assert_uint_ne(g, PFN_NONE);
        memset(phys_ptr(&p, g), 0x33, PAGE_SIZE);
        ck_assert_uint_eq(((uint8_t *)phys_ptr(&p, g))[PAGE_SIZE - 1], 0x33);
    }
    ck_assert_uint_eq(p.backed_free, 0);
    ck_assert_uint_eq(p.count[PHYS_FREE], 0);
    ck_assert_uint_eq(count_sum(&p), NFRAMES);
}
END_TEST

static bool frame_is(pfn_t f, uint8_t v)
{
    const uint8_t *b = phys_ptr(&p, f);
    for (size_t i = 0; i < PAGE_SIZE; i++)
        if (b[i] != v)
            return false;
    return true;
}

START_TEST(fresh_frames_are_known_zero_and_reused_ones_are_cleared)
{
    pfn_t f = phys_alloc(&p, PHYS_VM);
    ck_assert(p.flags[f] & PHYS_F_ZERO);
    phys_zero(&p, f);
    ck_assert(!(p.flags[f] & PHYS_F_ZERO));
    ck_assert(frame_is(f, 0));
    memset(phys_ptr(&p, f), 0x5a, PAGE_SIZE);
    phys_free(&p, f);
    /* The same frame comes back (most recently freed first), dirty: cleared for real. */
    ck_assert_uint_eq(phys_alloc(&p, PHYS_VM), f);
    ck_assert(!(p.flags[f] & PHYS_F_ZERO));
    ck_assert(frame_is(f, 0x5a));
    phys_zero(&p, f);
    ck_assert(frame_is(f, 0));
    /* A later clear of the same frame after a write is a real one too. */
    memset(phys_ptr(&p, f), 0x33, 100);
    phys_zero(&p, f);
    ck_assert(frame_is(f, 0));
    /* Frames of other uses never carry the flag (they are written unannounced). */
    pfn_t k = phys_alloc(&p, PHYS_KERNEL);
    ck_assert(!(p.flags[k] & PHYS_F_ZERO));
}
END_TEST

START_TEST(writes_announced_clear_the_known_zero_flag)
{
    pfn_t a = phys_alloc(&p, PHYS_VM), b = phys_alloc(&p, PHYS_VM), c = phys_alloc(&p, PHYS_VM);
    phys_zero(&p, a);
    memset(phys_ptr(&p, a), 0x11, PAGE_SIZE);
    /* Copied into: the flag goes with the contents. */
    phys_copy(&p, b, a);
    ck_assert(!(p.flags[b] & PHYS_F_ZERO));
    ck_assert(frame_is(b, 0x11));
    phys_zero(&p, b);
    ck_assert(frame_is(b, 0));
    /* Written from the host side (a page-in, a decode). */
    phys_will_write(&p, c);
    memset(phys_ptr(&p, c), 0x22, PAGE_SIZE);
    phys_zero(&p, c);
    ck_assert(frame_is(c, 0));
}
END_TEST

START_TEST(frames_given_back_are_known_zero)
{
    pfn_t f[8];
    for (int i = 0; i < 8; i++) {
        f[i] = phys_alloc(&p, PHYS_VM);
        phys_zero(&p, f[i]);
        memset(phys_ptr(&p, f[i]), 0x77, PAGE_SIZE);
    }
    for (int i = 0; i < 8; i++)
        phys_free(&p, f[i]);
    phys_trim(&p, 0);
    for (int i = 0; i < 8; i++) {
        pfn_t g = phys_alloc(&p, PHYS_PAGETABLE);
        ck_assert(p.flags[g] & PHYS_F_ZERO);
        ck_assert(frame_is(g, 0));          /* the host cleared it */
        phys_zero(&p, g);
        ck_assert(frame_is(g, 0));
    }
}
END_TEST

/* A frame freed long ago is cleared and copied into with streaming stores: the same
 * contents as the cached path. */
START_TEST(cold_frames_are_cleared_and_copied_exactly)
{
    pfn_t a = phys_alloc(&p, PHYS_VM), b = phys_alloc(&p, PHYS_VM);
    phys_zero(&p, a);
    phys_zero(&p, b);
    for (size_t i = 0; i < PAGE_SIZE; i++)
        ((uint8_t *)phys_ptr(&p, a))[i] = (uint8_t)(i * 7 + 1);
    memset(phys_ptr(&p, b), 0x99, PAGE_SIZE);
    phys_free(&p, b);
    p.churn += PHYS_COLD_FRAMES + 1;       /* as if many frames were freed since */
    ck_assert_uint_eq(phys_alloc(&p, PHYS_VM), b);
    phys_copy(&p, b, a);
    ck_assert_int_eq(memcmp(phys_ptr(&p, b), phys_ptr(&p, a), PAGE_SIZE), 0);
    phys_free(&p, b);
    p.churn += PHYS_COLD_FRAMES + 1;
    ck_assert_uint_eq(phys_alloc(&p, PHYS_VM), b);
    phys_zero(&p, b);
    ck_assert(frame_is(b, 0));
}
END_TEST

START_TEST(double_free_aborts)
{
    pfn_t a = phys_alloc(&p, PHYS_VM);
    phys_free(&p, a);
    phys_free(&p, a);
}
END_TEST

START_TEST(free_reserved_aborts)
{
    phys_free(&p, 0);
}
END_TEST

START_TEST(free_out_of_range_aborts)
{
    phys_free(&p, NFRAMES);
}
END_TEST

START_TEST(alloc_as_free_aborts)
{
    phys_alloc(&p, PHYS_FREE);
}
END_TEST

static Suite *phys_suite(void)
{
    Suite *s = suite_create("phys");
    TCase *tc = tcase_create("frames");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, init_rejects_bad_sizes);
    tcase_add_test(tc, initial_state);
    tcase_add_test(tc, alloc_is_deterministic_and_skips_frame0);
    tcase_add_test(tc, free_then_alloc_reuses_frame);
    tcase_add_test(tc, counts_sum_after_random_sequence);
    tcase_add_test(tc, free_of_code_frame_is_stale);
    tcase_add_test(tc, host_writes_mark_code_stale);
    tcase_add_test(tc, freed_frames_go_back_to_the_host_past_a_peak);
    tcase_add_test(tc, fresh_frames_are_known_zero_and_reused_ones_are_cleared);
    tcase_add_test(tc, writes_announced_clear_the_known_zero_flag);
    tcase_add_test(tc, frames_given_back_are_known_zero);
    tcase_add_test(tc, cold_frames_are_cleared_and_copied_exactly);
    suite_add_tcase(s, tc);

    TCase *bad = tcase_create("invariants");
    tcase_add_checked_fixture(bad, setup, teardown);
    tcase_add_test_raise_signal(bad, double_free_aborts, SIGABRT);
    tcase_add_test_raise_signal(bad, free_reserved_aborts, SIGABRT);
    tcase_add_test_raise_signal(bad, free_out_of_range_aborts, SIGABRT);
    tcase_add_test_raise_signal(bad, alloc_as_free_aborts, SIGABRT);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(phys_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
