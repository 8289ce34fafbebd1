/* Unit tests for mmu/pt.c: descriptor encoding, the walker and its faults, table
 * allocation and freeing, and robustness against corrupted tables. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mmu/pt.h"

#define NFRAMES 64

static struct phys p;
static pfn_t root;

static void setup(void)
{
    ck_assert_int_eq(phys_init(&p, NFRAMES * PAGE_SIZE), 0);
    root = phys_alloc(&p, PHYS_PAGETABLE);
    phys_zero(&p, root);
}

static void teardown(void) { phys_fini(&p); }

static pt_entry_t *tbl(pfn_t f) { return (pt_entry_t *)phys_ptr(&p, f); }

static uint64_t make_va(unsigned l1, unsigned l2, unsigned l3, unsigned off)
{
    return ((uint64_t)l1 << 36) | ((uint64_t)l2 << 25) | ((uint64_t)l3 << 14) | off;
}

/* Maps va -> a fresh VM frame with the given descriptor bits; returns the frame. */
static pfn_t map(uint64_t va, vm_prot_t prot, bool af)
{
    pfn_t f = phys_alloc(&p, PHYS_VM);
    pt_entry_t *e = pt_lookup(&p, root, va, true, NULL);
    ck_assert_ptr_nonnull(e);
    *e = pt_make_page(f, prot, af);
    return f;
}

static struct mmu_fault walk_fault(uint64_t va, vm_prot_t access)
{
    struct mmu_xlate x;
    struct mmu_fault f;
    memset(&f, 0xff, sizeof f);
    enum mmu_fault_kind k = pt_walk(&p, root, va, access, &x, &f);
    ck_assert_int_ne(k, MMU_OK);
    ck_assert_int_eq(f.kind, k);
    ck_assert_uint_eq(f.va, va);
    ck_assert_uint_eq(f.access, access);
    ck_assert_uint_eq(f.esr, mmu_esr(f.kind, f.level, access));
    return f;
}

START_TEST(index_split)
{
    uint64_t va = make_va(0x7ff, 0x123, 0x456, 0x3ff);
    ck_assert_uint_eq(pt_index(va, 0), 0);
    ck_assert_uint_eq(pt_index(va, 1), 0x7ff);
    ck_assert_uint_eq(pt_index(va, 2), 0x123);
    ck_assert_uint_eq(pt_index(va, 3), 0x456);
    ck_assert_uint_eq(pt_index(1ull << 47, 0), 1);
    ck_assert_uint_eq(pt_index(1ull << 47, 1), 0);
}
END_TEST

START_TEST(page_descriptor_bits)
{
    pt_entry_t e = pt_make_page(0x1234, VM_PROT_READ, true);
    ck_assert_uint_eq(e & 3, 3);
    ck_assert_uint_eq(pt_pfn(e), 0x1234);
    ck_assert_uint_eq(e & PT_ADDR_MASK, 0x1234ull << 14);
    ck_assert_uint_eq(e & PT_ATTRIDX_MASK, PT_ATTRIDX(PT_ATTR_NORMAL));
    ck_assert_uint_eq(e & PT_SH_INNER, PT_SH_INNER);
    ck_assert_uint_eq(e & PT_AP_EL0, PT_AP_EL0);
    ck_assert_uint_eq(e & PT_AP_RO, PT_AP_RO);
    ck_assert_uint_eq(e & PT_AF, PT_AF);
    ck_assert_uint_eq(e & PT_NG, PT_NG);
    ck_assert_uint_eq(e & PT_PXN, PT_PXN);
    ck_assert_uint_eq(e & PT_UXN, PT_UXN);
    ck_assert_uint_eq(e & (PT_SW_WIRED | PT_SW_WRITEABLE), 0);

    pt_entry_t w = pt_make_page(7, VM_PROT_READ | VM_PROT_WRITE, false);
    ck_assert_uint_eq(w & PT_AP_RO, 0);
    ck_assert_uint_eq(w & PT_AF, 0);
    ck_assert_uint_eq(w & PT_UXN, PT_UXN);

    pt_entry_t x = pt_make_page(7, VM_PROT_READ | VM_PROT_EXECUTE, true);
    ck_assert_uint_eq(x & PT_UXN, 0);
    ck_assert_uint_eq(x & PT_PXN, PT_PXN);   /* never kernel-executable */
    ck_assert_uint_eq(x & PT_AP_RO, PT_AP_RO);
}
END_TEST

START_TEST(page_prot_round_trip)
{
    for (vm_prot_t prot = 1; prot <= VM_PROT_ALL; prot++) {
        pt_entry_t e = pt_make_page(5, prot, prot & 1);
        ck_assert_uint_eq(pt_page_prot(e), prot | VM_PROT_READ);
        ck_assert_uint_eq(pt_pfn(e), 5);
        ck_assert_uint_eq(!!(e & PT_AF), prot & 1);
    }
    pt_entry_t none = pt_make_page(5, VM_PROT_NONE, true);
    ck_assert_uint_eq(none & PT_AP_EL0, 0);
    ck_assert_uint_eq(pt_page_prot(none), VM_PROT_NONE);
}
END_TEST

START_TEST(table_descriptor)
{
    pt_entry_t t = pt_make_table(42);
    ck_assert(pt_is_table(t));
    ck_assert_uint_eq(pt_pfn(t), 42);
    ck_assert_uint_eq(t & ~PT_ADDR_MASK, PT_VALID | PT_TYPE);
    ck_assert(!pt_is_table(PT_VALID | (42ull << 14)));     /* a block */
    ck_assert(!pt_is_table(PT_TYPE | (42ull << 14)));      /* invalid */
}
END_TEST

START_TEST(walk_ok)
{
    uint64_t va = make_va(3, 5, 7, 0x10);
    pfn_t f = map(va, VM_PROT_READ | VM_PROT_WRITE, true);
    struct mmu_xlate x = { 0 };
    struct mmu_fault fault;
    ck_assert_int_eq(pt_walk(&p, root, va, VM_PROT_READ, &x, &fault), MMU_OK);
    ck_assert_uint_eq(x.pfn, f);
    ck_assert_uint_eq(x.prot, VM_PROT_READ | VM_PROT_WRITE);
    ck_assert_int_eq(pt_walk(&p, root, trunc_page(va) + PAGE_MASK, VM_PROT_WRITE, &x, &fault),
                     MMU_OK);
    ck_assert_uint_eq(x.pfn, f);

    uint64_t vx = make_va(3, 5, 8, 0);
    pfn_t g = map(vx, VM_PROT_READ | VM_PROT_EXECUTE, true);
    ck_assert_int_eq(pt_walk(&p, root, vx, VM_PROT_EXECUTE, &x, &fault), MMU_OK);
    ck_assert_uint_eq(x.pfn, g);
    ck_assert_uint_eq(x.prot, VM_PROT_READ | VM_PROT_EXECUTE);
}
END_TEST

START_TEST(translation_fault_each_level)
{
    uint64_t va = make_va(1, 2, 3, 0x20);
    struct mmu_fault f = walk_fault(va, VM_PROT_READ);
    ck_assert_int_eq(f.kind, MMU_FAULT_TRANSLATION);
    ck_assert_int_eq(f.level, 0);
    ck_assert_uint_eq(f.esr, 0x92000004u);

    /* Each table added moves the fault one level down. */
    pfn_t l1 = phys_alloc(&p, PHYS_PAGETABLE), l2 = phys_alloc(&p, PHYS_PAGETABLE),
          l3 = phys_alloc(&p, PHYS_PAGETABLE);
    phys_zero(&p, l1);
    phys_zero(&p, l2);
    phys_zero(&p, l3);
    tbl(root)[0] = pt_make_table(l1);
    f = walk_fault(va, VM_PROT_WRITE);
    ck_assert_int_eq(f.kind, MMU_FAULT_TRANSLATION);
    ck_assert_int_eq(f.level, 1);
    ck_assert_uint_eq(f.esr, 0x92000045u);

    tbl(l1)[1] = pt_make_table(l2);
    f = walk_fault(va, VM_PROT_EXECUTE);
    ck_assert_int_eq(f.kind, MMU_FAULT_TRANSLATION);
    ck_assert_int_eq(f.level, 2);
    ck_assert_uint_eq(f.esr, 0x82000006u);

    tbl(l2)[2] = pt_make_table(l3);
    f = walk_fault(va, VM_PROT_READ);
    ck_assert_int_eq(f.kind, MMU_FAULT_TRANSLATION);
    ck_assert_int_eq(f.level, 3);
    ck_assert_uint_eq(f.esr, 0x92000007u);

    pfn_t pg = phys_alloc(&p, PHYS_VM);
    tbl(l3)[3] = pt_make_page(pg, VM_PROT_READ, true);
    struct mmu_xlate x;
    ck_assert_int_eq(pt_walk(&p, root, va, VM_PROT_READ, &x, &f), MMU_OK);
    ck_assert_uint_eq(x.pfn, pg);
}
END_TEST

START_TEST(va_outside_user_range)
{
    map(0, VM_PROT_ALL, true);
    struct mmu_fault f = walk_fault(VA_USER_END, VM_PROT_READ);
    ck_assert_int_eq(f.kind, MMU_FAULT_TRANSLATION);
    ck_assert_int_eq(f.level, 0);
    f = walk_fault(0xffff000000000000ull, VM_PROT_READ);
    ck_assert_int_eq(f.level, 0);
    struct mmu_xlate x;
    ck_assert_int_eq(pt_walk(&p, root, 0, VM_PROT_READ, &x, &f), MMU_OK);
}
END_TEST

START_TEST(access_flag_fault)
{
    uint64_t va = make_va(0, 0, 9, 4);
    map(va, VM_PROT_READ, false);
    struct mmu_fault f = walk_fault(va, VM_PROT_READ);
    ck_assert_int_eq(f.kind, MMU_FAULT_ACCESS_FLAG);
    ck_assert_int_eq(f.level, 3);
    ck_assert_uint_eq(f.esr, 0x9200000bu);
    /* The access flag is checked before permissions. */
    f = walk_fault(va, VM_PROT_WRITE);
    ck_assert_int_eq(f.kind, MMU_FAULT_ACCESS_FLAG);
    ck_assert_uint_eq(f.esr, 0x9200004bu);
}
END_TEST

START_TEST(permission_faults)
{
    uint64_t ro = make_va(0, 1, 0, 0), rw = make_va(0, 1, 1, 0), none = make_va(0, 1, 2, 0);
    map(ro, VM_PROT_READ, true);
    map(rw, VM_PROT_READ | VM_PROT_WRITE, true);
    map(none, VM_PROT_NONE, true);

    struct mmu_fault f = walk_fault(ro, VM_PROT_WRITE);
    ck_assert_int_eq(f.kind, MMU_FAULT_PERMISSION);
    ck_assert_int_eq(f.level, 3);
    ck_assert_uint_eq(f.esr, 0x9200004fu);

    f = walk_fault(rw + 8, VM_PROT_EXECUTE);
    ck_assert_int_eq(f.kind, MMU_FAULT_PERMISSION);
    ck_assert_uint_eq(f.esr, 0x8200000fu);

    f = walk_fault(none, VM_PROT_READ);
    ck_assert_int_eq(f.kind, MMU_FAULT_PERMISSION);
    ck_assert_uint_eq(f.esr, 0x9200000fu);
}
END_TEST

START_TEST(corrupted_descriptors_fault)
{
    uint64_t va = make_va(4, 4, 4, 0);
    pfn_t pg = map(va, VM_PROT_READ, true);
    pfn_t l1 = pt_pfn(tbl(root)[0]);
    pfn_t l2 = pt_pfn(tbl(l1)[4]);
    pfn_t l3 = pt_pfn(tbl(l2)[4]);
    struct mmu_fault f;

    pt_entry_t save = tbl(root)[0];
    tbl(root)[0] = pt_make_table(NFRAMES + 5);              /* outside RAM */
    f = walk_fault(va, VM_PROT_READ);
    ck_assert_int_eq(f.kind, MMU_FAULT_TRANSLATION);
    ck_assert_int_eq(f.level, 0);
    tbl(root)[0] = PT_ADDR_MASK | PT_VALID | PT_TYPE;       /* top of the PA field */
    ck_assert_int_eq(walk_fault(va, VM_PROT_READ).level, 0);
    tbl(root)[0] = save + (1ull << (32 + 14));              /* l1 + 2^32 frames */
    ck_assert_int_eq(walk_fault(va, VM_PROT_READ).level, 0);
    tbl(root)[0] = save;

    save = tbl(l1)[4];
    tbl(l1)[4] = PT_VALID | (l2 << 14);                     /* block descriptor */
    f = walk_fault(va, VM_PROT_READ);
    ck_assert_int_eq(f.kind, MMU_FAULT_TRANSLATION);
    ck_assert_int_eq(f.level, 1);
    tbl(l1)[4] = save;

    save = tbl(l2)[4];
    tbl(l2)[4] = pt_make_table(0);                          /* frame 0 is never a table */
    ck_assert_int_eq(walk_fault(va, VM_PROT_READ).level, 2);
    tbl(l2)[4] = save;

    tbl(l3)[4] = pt_make_page(NFRAMES, VM_PROT_READ, true); /* page outside RAM */
    f = walk_fault(va, VM_PROT_READ);
    ck_assert_int_eq(f.kind, MMU_FAULT_TRANSLATION);
    ck_assert_int_eq(f.level, 3);
    tbl(l3)[4] = pt_make_page(pg, VM_PROT_READ, true) + (1ull << (32 + 14));
    ck_assert_int_eq(walk_fault(va, VM_PROT_READ).level, 3);
    tbl(l3)[4] = pt_make_page(pg, VM_PROT_READ, true) & ~PT_TYPE; /* reserved at L3 */
    ck_assert_int_eq(walk_fault(va, VM_PROT_READ).level, 3);

    struct mmu_xlate x;
    ck_assert_int_eq(pt_walk(&p, NFRAMES, va, VM_PROT_READ, &x, &f), MMU_FAULT_TRANSLATION);
    ck_assert_int_eq(f.level, 0);
}
END_TEST

/* Garbage in every table must never make the walker leave RAM (run under ASan). */
START_TEST(random_tables_never_escape)
{
    uint64_t va0 = make_va(0, 0, 0, 0);
    map(va0, VM_PROT_READ, true);
    srand(7);
    pfn_t tables[3] = { root, pt_pfn(tbl(root)[0]), 0 };
    tables[2] = pt_pfn(tbl(tables[1])[0]);
    for (int round = 0; round < 200; round++) {
        for (int t = 0; t < 3; t++)
            for (unsigned i = 0; i < PT_ENTRIES; i++) {
                pt_entry_t e = ((pt_entry_t)rand() << 33) ^ ((pt_entry_t)rand() << 11) ^ (pt_entry_t)rand();
                if (rand() % 4 == 0)
                    e = (e & ~PT_ADDR_MASK) | ((pt_entry_t)(rand() % (NFRAMES + 4)) << 14);
                tbl(tables[t])[i] = e;
            }
        for (int i = 0; i < 100; i++) {
            uint64_t va = ((uint64_t)rand() << 31 ^ (uint64_t)rand()) & (VA_USER_END - 1);
            struct mmu_xlate x;
            struct mmu_fault f;
            if (pt_walk(&p, root, va, VM_PROT_READ, &x, &f) == MMU_OK) {
                ck_assert_uint_gt(x.pfn, 0);
                ck_assert_uint_lt(x.pfn, NFRAMES);
            } else {
                ck_assert_int_ge(f.level, 0);
                ck_assert_int_le(f.level, 3);
            }
            pt_lookup(&p, root, va, false, NULL);
        }
    }
}
END_TEST

START_TEST(lookup_allocates_tables)
{
    unsigned made = 99;
    ck_assert_ptr_null(pt_lookup(&p, root, make_va(1, 1, 1, 0), false, &made));
    ck_assert_uint_eq(made, 0);
    ck_assert_uint_eq(p.count[PHYS_PAGETABLE], 1);

    pt_entry_t *e = pt_lookup(&p, root, make_va(1, 1, 1, 0), true, &made);
    ck_assert_ptr_nonnull(e);
    ck_assert_uint_eq(made, 3);
    ck_assert_uint_eq(p.count[PHYS_PAGETABLE], 4);
    ck_assert_uint_eq(*e, 0);                               /* new tables are zeroed */

    ck_assert_ptr_eq(pt_lookup(&p, root, make_va(1, 1, 1, 0x3fff), true, &made), e);
    ck_assert_uint_eq(made, 0);
    ck_assert_ptr_eq(pt_lookup(&p, root, make_va(1, 1, 2, 0), false, &made), e + 1);
    pt_lookup(&p, root, make_va(1, 2, 0, 0), true, &made);  /* new L3 only */
    ck_assert_uint_eq(made, 1);
    pt_lookup(&p, root, make_va(2, 0, 0, 0), true, &made);  /* new L2 and L3 */
    ck_assert_uint_eq(made, 2);
    ck_assert_uint_eq(p.count[PHYS_PAGETABLE], 7);
    ck_assert_ptr_null(pt_lookup(&p, root, VA_USER_END, true, &made));
    ck_assert_uint_eq(made, 0);

    /* A valid slot that is not a table (a block) is never replaced. */
    pfn_t l1 = pt_pfn(tbl(root)[0]);
    tbl(l1)[9] = PT_VALID | (5ull << 14);
    ck_assert_ptr_null(pt_lookup(&p, root, make_va(9, 0, 0, 0), true, &made));
    ck_assert_uint_eq(made, 0);
    ck_assert_uint_eq(tbl(l1)[9], PT_VALID | (5ull << 14));
    ck_assert_uint_eq(p.count[PHYS_PAGETABLE], 7);
}
END_TEST

START_TEST(lookup_out_of_frames)
{
    struct phys q;
    ck_assert_int_eq(phys_init(&q, 4 * PAGE_SIZE), 0);
    pfn_t r = phys_alloc(&q, PHYS_PAGETABLE);
    phys_zero(&q, r);
    unsigned made = 99;
    ck_assert_ptr_null(pt_lookup(&q, r, 0, true, &made));  /* needs 3, only 2 free */
    ck_assert_uint_eq(made, 2);
    ck_assert_uint_eq(q.count[PHYS_PAGETABLE], 3);
    ck_assert_uint_eq(q.count[PHYS_FREE], 0);
    ck_assert_uint_eq(pt_free_tables(&q, r), 3);
    ck_assert_uint_eq(q.count[PHYS_FREE], 3);
    phys_fini(&q);
}
END_TEST

START_TEST(free_tables_counts_and_keeps_pages)
{
    pfn_t a = map(make_va(0, 0, 0, 0), VM_PROT_READ, true);
    map(make_va(0, 0, 1, 0), VM_PROT_READ, true);
    map(make_va(0, 1, 0, 0), VM_PROT_READ, true);
    map(make_va(5, 0, 0, 0), VM_PROT_READ, true);
    /* root, one L1, two L2 (L1 slots 0 and 5), three L3. */
    ck_assert_uint_eq(p.count[PHYS_PAGETABLE], 1 + 1 + 2 + 3);
    ck_assert_uint_eq(p.count[PHYS_VM], 4);
    ck_assert_uint_eq(pt_free_tables(&p, root), 7);
    ck_assert_uint_eq(p.count[PHYS_PAGETABLE], 0);
    ck_assert_uint_eq(p.count[PHYS_VM], 4);
    ck_assert_uint_eq(p.use[a], PHYS_VM);
    ck_assert_uint_eq(p.count[PHYS_FREE], NFRAMES - 1 - 4);
}
END_TEST

START_TEST(traced_walk_steps)
{
    uint64_t va = make_va(2, 4, 6, 0x30);
    struct pt_walk_trace t;
    struct mmu_xlate x;
    struct mmu_fault f;
    /* Nothing mapped: one step, the invalid L0 descriptor. */
    ck_assert_int_eq(pt_walk_traced(&p, root, va, VM_PROT_READ, &x, &f, &t), MMU_FAULT_TRANSLATION);
    ck_assert_int_eq(t.nsteps, 1);
    ck_assert_int_eq(t.step[0].level, 0);
    ck_assert_uint_eq(t.step[0].table, root);
    ck_assert_uint_eq(t.step[0].desc, 0);

    pfn_t pg = map(va, VM_PROT_READ, false);
    ck_assert_int_eq(pt_walk_traced(&p, root, va, VM_PROT_READ, &x, &f, &t), MMU_FAULT_ACCESS_FLAG);
    ck_assert_int_eq(t.nsteps, 4);
    static const unsigned idx[] = { 0, 2, 4, 6 };
    for (int l = 0; l < 4; l++) {
        ck_assert_int_eq(t.step[l].level, l);
        ck_assert_uint_eq(t.step[l].index, idx[l]);
        ck_assert_uint_eq(t.step[l].desc, tbl(t.step[l].table)[idx[l]]);
        if (l > 0)   /* each table is the one the level above points to */
            ck_assert_uint_eq(t.step[l].table, pt_pfn(t.step[l - 1].desc));
    }
    ck_assert_uint_eq(pt_pfn(t.step[3].desc), pg);
    *pt_lookup(&p, root, va, false, NULL) |= PT_AF;
    ck_assert_int_eq(pt_walk_traced(&p, root, va, VM_PROT_READ, &x, &f, &t), MMU_OK);
    ck_assert_int_eq(t.nsteps, 4);
    ck_assert_uint_eq(x.pfn, pg);
    /* Beyond the user range: no descriptor is read. */
    ck_assert_int_eq(pt_walk_traced(&p, root, VA_USER_END, VM_PROT_READ, &x, &f, &t),
                     MMU_FAULT_TRANSLATION);
    ck_assert_int_eq(t.nsteps, 0);
}
END_TEST

static Suite *pt_suite(void)
{
    Suite *s = suite_create("pt");
    TCase *tc = tcase_create("pt");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, index_split);
    tcase_add_test(tc, page_descriptor_bits);
    tcase_add_test(tc, page_prot_round_trip);
    tcase_add_test(tc, table_descriptor);
    tcase_add_test(tc, walk_ok);
    tcase_add_test(tc, traced_walk_steps);
    tcase_add_test(tc, translation_fault_each_level);
    tcase_add_test(tc, va_outside_user_range);
    tcase_add_test(tc, access_flag_fault);
    tcase_add_test(tc, permission_faults);
    tcase_add_test(tc, corrupted_descriptors_fault);
    tcase_add_test(tc, random_tables_never_escape);
    tcase_add_test(tc, lookup_allocates_tables);
    tcase_add_test(tc, lookup_out_of_frames);
    tcase_add_test(tc, free_tables_counts_and_keeps_pages);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(pt_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
