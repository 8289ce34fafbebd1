/* Unit tests for pmap nesting: one set of L3 tables of a nested pmap is linked into
 * every address space that nests it, counted once, and kept coherent in every ASID. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "mmu/pmap.h"

#define NFRAMES 256
#define RX (VM_PROT_READ | VM_PROT_EXECUTE)
#define BASE 0x180000000ull        /* where the shared region sits */
#define SIZE (2 * PMAP_TWIG_SIZE)

static struct phys p;
static struct mmu m;
static struct pmap *shared, *a, *b;

static void setup(void)
{
    ck_assert_int_eq(phys_init(&p, NFRAMES * PAGE_SIZE), 0);
    ck_assert_int_eq(mmu_init(&m, &p, 16, 4), 0);
    shared = pmap_create_nested(&m);
    a = pmap_create(&m);
    b = pmap_create(&m);
    ck_assert(shared && a && b);
}

static void teardown(void)
{
    pmap_destroy(a);
    pmap_destroy(b);
    pmap_destroy(shared);
    mmu_fini(&m);
    phys_fini(&p);
}

static pfn_t vm_frame(void)
{
    pfn_t f = phys_alloc(&p, PHYS_VM);
    ck_assert_uint_ne(f, PFN_NONE);
    return f;
}

static enum mmu_fault_kind xlate_in(struct pmap *pm, uint64_t va, struct mmu_xlate *x)
{
    struct mmu_fault f;
    pmap_activate(&m, pm);
    return mmu_translate(&m, va, VM_PROT_READ, x, &f);
}

static void assert_checks(struct pmap *pm)
{
    char why[160];
    ck_assert_msg(pmap_check(pm, why, sizeof why), "%s", why);
}

START_TEST(nested_tables_are_shared_and_counted_once)
{
    ck_assert_int_eq(pmap_nest(a, shared, BASE, SIZE), 0);
    ck_assert_int_eq(pmap_nest(b, shared, BASE, SIZE), 0);
    ck_assert_uint_eq(shared->nest_count, 2);
    /* The subordinate: root, L1, L2 and one L3 per twig. Each grand: its root and
     * the L1 and L2 tables its nested L2 descriptors sit in; no L3 of its own. */
    ck_assert_uint_eq(shared->tables, 3 + 2);
    ck_assert_uint_eq(a->tables, 3);
    ck_assert_uint_eq(b->tables, 3);
    ck_assert_uint_eq(p.count[PHYS_PAGETABLE], shared->tables + a->tables + b->tables);

    pfn_t f = vm_frame(), g = vm_frame();
    ck_assert_int_eq(pmap_enter(shared, BASE + 0x4000, f, RX, VM_PROT_READ, 0), 0);
    ck_assert_int_eq(pmap_enter(shared, BASE + PMAP_TWIG_SIZE, g, RX, VM_PROT_READ, 0), 0);
    struct mmu_xlate x;
    ck_assert_int_eq(xlate_in(a, BASE + 0x4000, &x), MMU_OK);
    ck_assert_uint_eq(x.pfn, f);
    ck_assert_int_eq(xlate_in(b, BASE + PMAP_TWIG_SIZE, &x), MMU_OK);
    ck_assert_uint_eq(x.pfn, g);
    /* Mapped once, in the subordinate: no table, page or pv entry is the grands'. */
    ck_assert_uint_eq(p.count[PHYS_PAGETABLE], 5 + 3 + 3);
    ck_assert_uint_eq(shared->resident, 2);
    ck_assert_uint_eq(a->resident + b->resident, 0);
    ck_assert_uint_eq(pmap_mapping_count(&m, f), 1);
    ck_assert_uint_eq(pmap_extract(b, BASE + 0x4000), f);
    assert_checks(a);
    assert_checks(b);
    assert_checks(shared);
}
END_TEST

START_TEST(a_change_in_the_subordinate_reaches_every_asid)
{
    ck_assert_int_eq(pmap_nest(a, shared, BASE, SIZE), 0);
    ck_assert_int_eq(pmap_nest(b, shared, BASE, SIZE), 0);
    pfn_t f = vm_frame();
    ck_assert_int_eq(pmap_enter(shared, BASE, f, RX, VM_PROT_READ, 0), 0);
    struct mmu_xlate x;
    ck_assert_int_eq(xlate_in(a, BASE, &x), MMU_OK);
    ck_assert_int_eq(xlate_in(b, BASE, &x), MMU_OK);
    ck_assert(tlb_lookup(&m.tlb, a->asid, BASE, NULL));
    ck_assert(tlb_lookup(&m.tlb, b->asid, BASE, NULL));
    pmap_page_protect(&m, f, VM_PROT_NONE);
    ck_assert(!tlb_lookup(&m.tlb, a->asid, BASE, NULL));
    ck_assert(!tlb_lookup(&m.tlb, b->asid, BASE, NULL));
    ck_assert_int_eq(xlate_in(a, BASE, &x), MMU_FAULT_TRANSLATION);
    ck_assert_int_eq(xlate_in(b, BASE, &x), MMU_FAULT_TRANSLATION);
}
END_TEST

START_TEST(the_grand_leaves_the_nested_range_alone)
{
    ck_assert_int_eq(pmap_nest(a, shared, BASE, SIZE), 0);
    pfn_t f = vm_frame();
    ck_assert_int_eq(pmap_enter(shared, BASE, f, RX, VM_PROT_READ, 0), 0);
    ck_assert_int_eq(pmap_enter(a, BASE + PAGE_SIZE, vm_frame(), RX, VM_PROT_READ, 0), -EINVAL);
    pmap_remove(a, 0, VA_USER_END);
    pmap_protect(a, BASE, BASE + SIZE, VM_PROT_NONE);
    ck_assert_uint_eq(pmap_extract(shared, BASE), f);
    pmap_destroy(a);
    a = pmap_create(&m);
    ck_assert_uint_eq(shared->nest_count, 0);
    ck_assert_uint_eq(pmap_extract(shared, BASE), f);
    ck_assert_uint_eq(shared->resident, 1);
    assert_checks(shared);
}
END_TEST

START_TEST(nest_refuses_bad_ranges)
{
    ck_assert_int_eq(pmap_nest(a, shared, BASE + PAGE_SIZE, SIZE), -EINVAL);
    ck_assert_int_eq(pmap_nest(a, shared, BASE, PAGE_SIZE), -EINVAL);
    ck_assert_int_eq(pmap_nest(a, b, BASE, SIZE), -EINVAL);      /* b is not nested */
    ck_assert_int_eq(pmap_enter(a, BASE + SIZE - PAGE_SIZE, vm_frame(), RX, VM_PROT_READ, 0), 0);
    ck_assert_int_eq(pmap_nest(a, shared, BASE, SIZE), -EEXIST);
    ck_assert_ptr_null(a->nested);
    ck_assert_int_eq(pmap_nest(b, shared, BASE, SIZE), 0);
    ck_assert_int_eq(pmap_nest(b, shared, BASE + SIZE, SIZE), -EINVAL);  /* one region */
    pmap_unnest(b);
    ck_assert_uint_eq(shared->nest_count, 0);
    ck_assert_uint_eq(b->tables, 3);   /* its L1 and L2 stay, empty */
    assert_checks(a);
    assert_checks(b);
}
END_TEST

static Suite *nest_suite(void)
{
    Suite *s = suite_create("pmap_nest");
    TCase *tc = tcase_create("nest");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, nested_tables_are_shared_and_counted_once);
    tcase_add_test(tc, a_change_in_the_subordinate_reaches_every_asid);
    tcase_add_test(tc, the_grand_leaves_the_nested_range_alone);
    tcase_add_test(tc, nest_refuses_bad_ranges);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(nest_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
