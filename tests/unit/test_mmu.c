/* Unit tests for mmu/mmu.c: fault syndromes, names, init and the translation path
 * (TLB first, then the walk, TLB fill, statistics, code-frame tracking). */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mmu/pmap.h"

#define NFRAMES 128

static struct phys p;
static struct mmu m;
static struct pmap *pm;
static int drops;

static void count_drop(void *ctx) { (void)ctx; drops++; }

static void setup(void)
{
    ck_assert_int_eq(phys_init(&p, NFRAMES * PAGE_SIZE), 0);
    ck_assert_int_eq(mmu_init(&m, &p, 16, 4), 0);
    m.tlb.on_drop = count_drop;
    drops = 0;
    pm = pmap_create(&m);
    ck_assert_ptr_nonnull(pm);
    pmap_activate(&m, pm);
}

static void teardown(void)
{
    pmap_destroy(pm);
    mmu_fini(&m);
    phys_fini(&p);
}

static pfn_t vm_frame(void)
{
    pfn_t f = phys_alloc(&p, PHYS_VM);
    ck_assert_uint_ne(f, PFN_NONE);
    return f;
}

START_TEST(esr_encoding)
{
    static const struct { enum mmu_fault_kind k; int level; vm_prot_t a; uint32_t esr; } cases[] = {
        { MMU_FAULT_TRANSLATION, 0, VM_PROT_READ, 0x92000004 },
        { MMU_FAULT_TRANSLATION, 1, VM_PROT_READ, 0x92000005 },
        { MMU_FAULT_TRANSLATION, 2, VM_PROT_WRITE, 0x92000046 },
        { MMU_FAULT_TRANSLATION, 3, VM_PROT_EXECUTE, 0x82000007 },
        { MMU_FAULT_ACCESS_FLAG, 0, VM_PROT_READ, 0x92000008 },
        { MMU_FAULT_ACCESS_FLAG, 1, VM_PROT_WRITE, 0x92000049 },
        { MMU_FAULT_ACCESS_FLAG, 2, VM_PROT_EXECUTE, 0x8200000a },
        { MMU_FAULT_ACCESS_FLAG, 3, VM_PROT_READ, 0x9200000b },
        { MMU_FAULT_PERMISSION, 0, VM_PROT_EXECUTE, 0x8200000c },
        { MMU_FAULT_PERMISSION, 1, VM_PROT_READ, 0x9200000d },
        { MMU_FAULT_PERMISSION, 2, VM_PROT_READ, 0x9200000e },
        { MMU_FAULT_PERMISSION, 3, VM_PROT_WRITE, 0x9200004f },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        ck_assert_msg(mmu_esr(cases[i].k, cases[i].level, cases[i].a) == cases[i].esr,
                      "case %zu: got 0x%08x want 0x%08x", i,
                      mmu_esr(cases[i].k, cases[i].level, cases[i].a), cases[i].esr);
    ck_assert_uint_eq(mmu_esr(MMU_OK, 3, VM_PROT_READ), 0);
}
END_TEST

START_TEST(fault_names)
{
    ck_assert_str_eq(mmu_fault_name(MMU_OK), "ok");
    ck_assert_str_eq(mmu_fault_name(MMU_FAULT_TRANSLATION), "translation");
    ck_assert_str_eq(mmu_fault_name(MMU_FAULT_ACCESS_FLAG), "access-flag");
    ck_assert_str_eq(mmu_fault_name(MMU_FAULT_PERMISSION), "permission");
    ck_assert_str_eq(mmu_fault_name((enum mmu_fault_kind)42), "unknown");
}
END_TEST

START_TEST(init_rejects_bad_tlb)
{
    struct mmu n;
    ck_assert_int_eq(mmu_init(&n, &p, 3, 4), -EINVAL);
    ck_assert_int_eq(mmu_init(&n, &p, 4, 0), -EINVAL);
    ck_assert_int_eq(mmu_init(&n, &p, 64, 4), 0);
    ck_assert_ptr_nonnull(n.pv_head);
    ck_assert_ptr_nonnull(n.attr);
    ck_assert_ptr_null(n.current);
    mmu_fini(&n);
}
END_TEST

START_TEST(no_current_pmap_faults)
{
    pfn_t f = vm_frame();
    ck_assert_int_eq(pmap_enter(pm, 0x4000, f, VM_PROT_READ, VM_PROT_READ, false), 0);
    pmap_activate(&m, NULL);
    struct mmu_xlate x;
    struct mmu_fault fault;
    ck_assert_int_eq(mmu_translate(&m, 0x4000, VM_PROT_READ, &x, &fault), MMU_FAULT_TRANSLATION);
    ck_assert_int_eq(fault.level, 0);
    ck_assert_uint_eq(fault.esr, 0x92000004);
    ck_assert_uint_eq(m.stats.faults[MMU_FAULT_TRANSLATION], 1);
}
END_TEST

START_TEST(walk_then_hit)
{
    pfn_t f = vm_frame();
    ck_assert_int_eq(pmap_enter(pm, 0x10000, f, VM_PROT_READ | VM_PROT_WRITE, VM_PROT_WRITE, false), 0);
    struct mmu_xlate x = { 0 };
    struct mmu_fault fault;
    ck_assert_int_eq(mmu_translate(&m, 0x10123, VM_PROT_READ, &x, &fault), MMU_OK);
    ck_assert_uint_eq(x.pfn, f);
    ck_assert_uint_eq(x.prot, VM_PROT_READ | VM_PROT_WRITE);
    ck_assert_uint_eq(m.stats.walks, 1);
    ck_assert_uint_eq(m.tlb.stats.fills, 1);
    x.pfn = 0;
    ck_assert_int_eq(mmu_translate(&m, 0x13fff, VM_PROT_WRITE, &x, &fault), MMU_OK);
    ck_assert_uint_eq(x.pfn, f);
    ck_assert_uint_eq(m.stats.walks, 1);
    ck_assert_uint_eq(m.tlb.stats.hits, 1);
    ck_assert_uint_eq(m.stats.translations, 2);
    ck_assert_uint_eq(p.flags[f] & PHYS_F_CODE, 0);
}
END_TEST

/* A TLB entry without the right is not a fault by itself: the walk decides. */
START_TEST(hit_without_right_walks)
{
    pfn_t f = vm_frame();
    ck_assert_int_eq(pmap_enter(pm, 0x8000, f, VM_PROT_READ, VM_PROT_READ, false), 0);
    struct mmu_xlate x;
    struct mmu_fault fault;
    ck_assert_int_eq(mmu_translate(&m, 0x8000, VM_PROT_READ, &x, &fault), MMU_OK);
    ck_assert_int_eq(mmu_translate(&m, 0x8008, VM_PROT_WRITE, &x, &fault), MMU_FAULT_PERMISSION);
    ck_assert_uint_eq(fault.va, 0x8008);
    ck_assert_int_eq(fault.level, 3);
    ck_assert_uint_eq(fault.esr, 0x9200004f);
    ck_assert_uint_eq(m.stats.walks, 2);
    ck_assert_uint_eq(m.stats.faults[MMU_FAULT_PERMISSION], 1);
    ck_assert_uint_eq(m.stats.faults[MMU_FAULT_TRANSLATION], 0);
}
END_TEST

START_TEST(fault_counts_by_kind)
{
    pfn_t f = vm_frame();
    struct mmu_xlate x;
    struct mmu_fault fault;
    ck_assert_int_eq(mmu_translate(&m, 0x4000, VM_PROT_READ, &x, &fault), MMU_FAULT_TRANSLATION);
    ck_assert_int_eq(fault.level, 0);
    ck_assert_int_eq(pmap_enter(pm, 0x4000, f, VM_PROT_READ, VM_PROT_NONE, false), 0);
    ck_assert_int_eq(mmu_translate(&m, 0x8000, VM_PROT_READ, &x, &fault), MMU_FAULT_TRANSLATION);
    ck_assert_int_eq(fault.level, 3);
    ck_assert_int_eq(mmu_translate(&m, 0x4000, VM_PROT_READ, &x, &fault), MMU_FAULT_ACCESS_FLAG);
    ck_assert_uint_eq(m.stats.faults[MMU_FAULT_TRANSLATION], 2);
    ck_assert_uint_eq(m.stats.faults[MMU_FAULT_ACCESS_FLAG], 1);
    ck_assert_uint_eq(m.stats.faults[MMU_FAULT_PERMISSION], 0);
    ck_assert_uint_eq(m.tlb.stats.fills, 0);     /* faults are never cached */
}
END_TEST

START_TEST(execute_marks_code_frame)
{
    pfn_t code = vm_frame(), data = vm_frame();
    ck_assert_int_eq(pmap_enter(pm, 0x4000, code, VM_PROT_READ | VM_PROT_EXECUTE,
                                VM_PROT_EXECUTE, false), 0);
    ck_assert_int_eq(pmap_enter(pm, 0x8000, data, VM_PROT_READ | VM_PROT_WRITE,
                                VM_PROT_READ, false), 0);
    struct mmu_xlate x;
    struct mmu_fault fault;
    ck_assert_int_eq(mmu_translate(&m, 0x8000, VM_PROT_READ, &x, &fault), MMU_OK);
    ck_assert_uint_eq(p.flags[data] & PHYS_F_CODE, 0);
    ck_assert_int_eq(mmu_translate(&m, 0x8000, VM_PROT_EXECUTE, &x, &fault), MMU_FAULT_PERMISSION);
    ck_assert_uint_eq(fault.esr, 0x8200000f);
    ck_assert_uint_eq(p.flags[data] & PHYS_F_CODE, 0);

    ck_assert_int_eq(mmu_translate(&m, 0x4000, VM_PROT_EXECUTE, &x, &fault), MMU_OK);
    ck_assert_uint_eq(x.prot, VM_PROT_READ | VM_PROT_EXECUTE);
    ck_assert_uint_eq(p.flags[code] & PHYS_F_CODE, PHYS_F_CODE);
    phys_will_write(&p, code);
    ck_assert_uint_eq(phys_take_stale_code(&p), 1);
    /* Still in the TLB: handing it out again must flag it again. */
    uint64_t walks = m.stats.walks;
    ck_assert_int_eq(mmu_translate(&m, 0x4000, VM_PROT_EXECUTE, &x, &fault), MMU_OK);
    ck_assert_uint_eq(m.stats.walks, walks);
    ck_assert_uint_eq(p.flags[code] & PHYS_F_CODE, PHYS_F_CODE);
}
END_TEST

START_TEST(activate_calls_on_drop)
{
    struct pmap *other = pmap_create(&m);
    ck_assert_ptr_nonnull(other);
    int before = drops;
    pmap_activate(&m, other);
    ck_assert_ptr_eq(m.current, other);
    ck_assert_int_eq(drops, before + 1);
    pmap_destroy(other);
    ck_assert_ptr_null(m.current);
    pmap_activate(&m, pm);
    ck_assert_int_eq(drops, before + 2);
}
END_TEST

static Suite *mmu_suite(void)
{
    Suite *s = suite_create("mmu");
    TCase *tc = tcase_create("translate");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, esr_encoding);
    tcase_add_test(tc, fault_names);
    tcase_add_test(tc, init_rejects_bad_tlb);
    tcase_add_test(tc, no_current_pmap_faults);
    tcase_add_test(tc, walk_then_hit);
    tcase_add_test(tc, hit_without_right_walks);
    tcase_add_test(tc, fault_counts_by_kind);
    tcase_add_test(tc, execute_marks_code_frame);
    tcase_add_test(tc, activate_calls_on_drop);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(mmu_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
