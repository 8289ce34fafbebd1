/* Unit tests for mmu/pmap.c: mappings and their tables, the reverse map, the
 * reference/modify emulation end to end, TLB coherence and frame accounting. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "mmu/invariant.h"
#include "mmu/pmap.h"

#define NFRAMES 256
#define RW (VM_PROT_READ | VM_PROT_WRITE)
#define RX (VM_PROT_READ | VM_PROT_EXECUTE)

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

static enum mmu_fault_kind xlate(uint64_t va, vm_prot_t access, struct mmu_xlate *x,
                                 struct mmu_fault *f)
{
    struct mmu_xlate xx;
    struct mmu_fault ff;
    return mmu_translate(&m, va, access, x ? x : &xx, f ? f : &ff);
}

static uint32_t count_sum(void)
{
    uint32_t s = 0;
    for (int u = 0; u < PHYS_NUSES; u++)
        s += p.count[u];
    return s;
}

/* --- creation, tables, simple mappings ---------------------------------- */

START_TEST(create_gives_distinct_asids_and_roots)
{
    struct pmap *b = pmap_create(&m);
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_ne(pm->asid, 0);
    ck_assert_uint_ne(b->asid, 0);
    ck_assert_uint_ne(pm->asid, b->asid);
    ck_assert_uint_ne(pm->root, b->root);
    ck_assert_uint_eq(pm->tables, 1);
    ck_assert_uint_eq(p.use[b->root], PHYS_PAGETABLE);
    ck_assert_uint_eq(p.count[PHYS_PAGETABLE], 2);
    asid_t freed = b->asid;
    pmap_destroy(b);
    ck_assert_uint_eq(p.count[PHYS_PAGETABLE], 1);
    struct pmap *c = pmap_create(&m);
    ck_assert_uint_eq(c->asid, freed);      /* lowest free ASID is reused */
    pmap_destroy(c);
}
END_TEST

START_TEST(enter_counts_tables)
{
    pfn_t f = vm_frame();
    ck_assert_int_eq(pmap_enter(pm, 0x4000, f, RW, VM_PROT_READ, false), 0);
    ck_assert_uint_eq(pm->tables, 4);
    ck_assert_uint_eq(p.count[PHYS_PAGETABLE], 4);
    ck_assert_uint_eq(pm->resident, 1);
    ck_assert_int_eq(pmap_enter(pm, 0x8000, vm_frame(), RW, VM_PROT_READ, false), 0);
    ck_assert_uint_eq(pm->tables, 4);
    ck_assert_int_eq(pmap_enter(pm, 1ull << 25, vm_frame(), RW, VM_PROT_READ, false), 0);
    ck_assert_uint_eq(pm->tables, 5);
    ck_assert_int_eq(pmap_enter(pm, 1ull << 36, vm_frame(), RW, VM_PROT_READ, false), 0);
    ck_assert_uint_eq(pm->tables, 7);
    ck_assert_uint_eq(p.count[PHYS_PAGETABLE], 7);
    ck_assert_uint_eq(pm->resident, 4);
    ck_assert_uint_eq(count_sum(), NFRAMES);
}
END_TEST

START_TEST(enter_descriptor_bits)
{
    pfn_t a = vm_frame(), b = vm_frame(), c = vm_frame();
    /* Read fault on a clean writable page: AF, held read-only. */
    ck_assert_int_eq(pmap_enter(pm, 0x4000, a, RW, VM_PROT_READ, false), 0);
    pt_entry_t e = pmap_pte(pm, 0x4000);
    ck_assert_uint_eq(pt_pfn(e), a);
    ck_assert_uint_eq(e & PT_AF, PT_AF);
    ck_assert_uint_eq(e & PT_AP_RO, PT_AP_RO);
    ck_assert_uint_eq(e & PT_SW_WRITEABLE, PT_SW_WRITEABLE);
    ck_assert_uint_eq(e & PT_UXN, PT_UXN);
    ck_assert_uint_eq(e & PT_NG, PT_NG);
    ck_assert(pmap_is_referenced(&m, a));
    ck_assert(!pmap_is_modified(&m, a));

    /* Write fault: writable now, modified. */
    ck_assert_int_eq(pmap_enter(pm, 0x8000, b, RW, VM_PROT_WRITE, true), 0);
    e = pmap_pte(pm, 0x8000);
    ck_assert_uint_eq(e & (PT_AP_RO | PT_SW_WRITEABLE), 0);
    ck_assert_uint_eq(e & PT_SW_WIRED, PT_SW_WIRED);
    ck_assert(pmap_is_modified(&m, b));
    ck_assert_uint_eq(pm->wired, 1);

    /* Prefetch: no AF, not referenced; read-only without the software bit. */
    ck_assert_int_eq(pmap_enter(pm, 0xc000, c, RX, VM_PROT_NONE, false), 0);
    e = pmap_pte(pm, 0xc000);
    ck_assert_uint_eq(e & PT_AF, 0);
    ck_assert_uint_eq(e & PT_SW_WRITEABLE, 0);
    ck_assert_uint_eq(e & PT_UXN, 0);
    ck_assert(!pmap_is_referenced(&m, c));

    /* A frame already dirty gets write at once, even on a read fault. */
    ck_assert_int_eq(pmap_enter(pm, 0x10000, b, RW, VM_PROT_READ, false), 0);
    ck_assert_uint_eq(pmap_pte(pm, 0x10000) & PT_AP_RO, 0);
    /* Write-only asks imply read. */
    ck_assert_int_eq(pmap_enter(pm, 0x14000, a, VM_PROT_WRITE, VM_PROT_NONE, false), 0);
    ck_assert_uint_eq(pt_page_prot(pmap_pte(pm, 0x14000)), VM_PROT_READ);
    ck_assert_uint_eq(pmap_pte(pm, 0x14000) & PT_SW_WRITEABLE, PT_SW_WRITEABLE);

    ck_assert_uint_eq(pmap_extract(pm, 0x8abc), b);
    ck_assert_uint_eq(pmap_extract(pm, 0x18000), PFN_NONE);
    ck_assert_uint_eq(pmap_extract(pm, 1ull << 40), PFN_NONE);
    ck_assert_uint_eq(pmap_pte(pm, 1ull << 40), 0);
}
END_TEST

START_TEST(enter_rejects_bad_va)
{
    ck_assert_int_eq(pmap_enter(pm, VA_USER_END, vm_frame(), RW, VM_PROT_READ, false), -EINVAL);
    ck_assert_uint_eq(pm->resident, 0);
    ck_assert_uint_eq(pm->tables, 1);
}
END_TEST

START_TEST(enter_non_vm_frame_aborts)
{
    pmap_enter(pm, 0x4000, pm->root, RW, VM_PROT_READ, false);
}
END_TEST

START_TEST(enter_frame_zero_aborts)
{
    pmap_enter(pm, 0x4000, 0, RW, VM_PROT_READ, false);
}
END_TEST

START_TEST(enter_none_removes)
{
    pfn_t f = vm_frame();
    ck_assert_int_eq(pmap_enter(pm, 0x4000, f, RW, VM_PROT_READ, false), 0);
    ck_assert_int_eq(pmap_enter(pm, 0x4000, f, VM_PROT_NONE, VM_PROT_NONE, false), 0);
    ck_assert_uint_eq(pmap_extract(pm, 0x4000), PFN_NONE);
    ck_assert_uint_eq(pmap_mapping_count(&m, f), 0);
    ck_assert_uint_eq(pm->resident, 0);
}
END_TEST

START_TEST(enter_replaces_and_invalidates)
{
    pfn_t a = vm_frame(), b = vm_frame();
    struct mmu_xlate x;
    ck_assert_int_eq(pmap_enter(pm, 0x4000, a, RW, VM_PROT_WRITE, true), 0);
    ck_assert_int_eq(xlate(0x4000, VM_PROT_WRITE, &x, NULL), MMU_OK);
    ck_assert_uint_eq(x.pfn, a);
    int before = drops;
    ck_assert_int_eq(pmap_enter(pm, 0x4000, b, VM_PROT_READ, VM_PROT_READ, false), 0);
    ck_assert_int_gt(drops, before);
    ck_assert_int_eq(xlate(0x4000, VM_PROT_READ, &x, NULL), MMU_OK);
    ck_assert_uint_eq(x.pfn, b);
    ck_assert_int_eq(xlate(0x4000, VM_PROT_WRITE, NULL, NULL), MMU_FAULT_PERMISSION);
    ck_assert_uint_eq(pmap_mapping_count(&m, a), 0);
    ck_assert_uint_eq(pmap_mapping_count(&m, b), 1);
    ck_assert_uint_eq(pm->resident, 1);
    ck_assert_uint_eq(pm->wired, 0);
    /* Same frame again: still one mapping. */
    ck_assert_int_eq(pmap_enter(pm, 0x4000, b, VM_PROT_READ, VM_PROT_READ, true), 0);
    ck_assert_uint_eq(pmap_mapping_count(&m, b), 1);
    ck_assert_uint_eq(pm->resident, 1);
    ck_assert_uint_eq(pm->wired, 1);
}
END_TEST

START_TEST(enter_out_of_table_frames)
{
    /* Leave two free frames: a new L1/L2/L3 chain needs three. */
    while (p.count[PHYS_FREE] > 2)
        vm_frame();
    pfn_t f = 1;
    while (p.use[f] != PHYS_VM)
        f++;
    ck_assert_int_eq(pmap_enter(pm, 0x4000, f, RW, VM_PROT_READ, false), -ENOMEM);
    ck_assert_uint_eq(pmap_extract(pm, 0x4000), PFN_NONE);
    ck_assert_uint_eq(pm->resident, 0);
    ck_assert_uint_eq(pmap_mapping_count(&m, f), 0);
    ck_assert_uint_eq(pm->tables, 3);
    ck_assert_uint_eq(p.count[PHYS_PAGETABLE], 3);
    ck_assert_uint_eq(count_sum(), NFRAMES);
}
END_TEST

START_TEST(wiring)
{
    pfn_t f = vm_frame();
    ck_assert_int_eq(pmap_enter(pm, 0x4000, f, RW, VM_PROT_READ, false), 0);
    pmap_change_wiring(pm, 0x4000, true);
    ck_assert_uint_eq(pm->wired, 1);
    ck_assert_uint_eq(pmap_pte(pm, 0x4000) & PT_SW_WIRED, PT_SW_WIRED);
    pmap_change_wiring(pm, 0x4000, true);
    ck_assert_uint_eq(pm->wired, 1);
    pmap_change_wiring(pm, 0x8000, true);     /* nothing mapped there */
    ck_assert_uint_eq(pm->wired, 1);
    pmap_change_wiring(pm, 0x4000, false);
    ck_assert_uint_eq(pm->wired, 0);
    ck_assert_uint_eq(pmap_pte(pm, 0x4000) & PT_SW_WIRED, 0);
    pmap_change_wiring(pm, 0x4000, true);
    pmap_remove(pm, 0, 0x8000);
    ck_assert_uint_eq(pm->wired, 0);
    ck_assert_uint_eq(pm->resident, 0);
}
END_TEST

/* --- ranges -------------------------------------------------------------- */

START_TEST(remove_range)
{
    pfn_t f[4];
    for (int i = 0; i < 4; i++) {
        f[i] = vm_frame();
        ck_assert_int_eq(pmap_enter(pm, 0x4000 * (uint64_t)(i + 1), f[i], RW, VM_PROT_WRITE, false), 0);
        ck_assert_int_eq(xlate(0x4000 * (uint64_t)(i + 1), VM_PROT_WRITE, NULL, NULL), MMU_OK);
    }
    uint64_t walks = m.stats.walks;
    pmap_remove(pm, 0x8000, 0x10000);         /* pages 2 and 3 */
    ck_assert_uint_eq(pm->resident, 2);
    /* A small range is shot down page by page: the others stay cached. */
    ck_assert_int_eq(xlate(0x4000, VM_PROT_WRITE, NULL, NULL), MMU_OK);
    ck_assert_uint_eq(m.stats.walks, walks);
    ck_assert_uint_eq(pmap_extract(pm, 0x4000), f[0]);
    ck_assert_uint_eq(pmap_extract(pm, 0x8000), PFN_NONE);
    ck_assert_uint_eq(pmap_extract(pm, 0xc000), PFN_NONE);
    ck_assert_uint_eq(pmap_extract(pm, 0x10000), f[3]);
    ck_assert_uint_eq(pmap_mapping_count(&m, f[1]), 0);
    struct mmu_fault fault;
    ck_assert_int_eq(xlate(0x8000, VM_PROT_READ, NULL, &fault), MMU_FAULT_TRANSLATION);
    ck_assert_int_eq(fault.level, 3);
    ck_assert_int_eq(xlate(0x4000, VM_PROT_READ, NULL, NULL), MMU_OK);
    ck_assert_int_eq(xlate(0x10000, VM_PROT_READ, NULL, NULL), MMU_OK);
}
END_TEST

/* A whole-space remove must skip absent tables (the tcase timeout catches a crawl). */
START_TEST(remove_whole_space_is_fast)
{
    uint64_t vas[] = { 0x4000, 1ull << 30, (1ull << 36) + 0x8000, VA_USER_END - PAGE_SIZE };
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(pmap_enter(pm, vas[i], vm_frame(), RW, VM_PROT_READ, false), 0);
        ck_assert_int_eq(xlate(vas[i], VM_PROT_READ, NULL, NULL), MMU_OK);
    }
    ck_assert_uint_eq(pm->resident, 4);
    for (int rep = 0; rep < 1000; rep++)
        pmap_remove(pm, 0, VA_USER_END);
    ck_assert_uint_eq(pm->resident, 0);
    for (int i = 0; i < 4; i++) {
        ck_assert_uint_eq(pmap_extract(pm, vas[i]), PFN_NONE);
        ck_assert_int_eq(xlate(vas[i], VM_PROT_READ, NULL, NULL), MMU_FAULT_TRANSLATION);
    }
    for (int rep = 0; rep < 1000; rep++)
        pmap_protect(pm, 0, ~0ull, VM_PROT_READ);
}
END_TEST

START_TEST(protect_lowers_and_invalidates)
{
    pfn_t a = vm_frame(), b = vm_frame();
    ck_assert_int_eq(pmap_enter(pm, 0x4000, a, VM_PROT_ALL, VM_PROT_WRITE, false), 0);
    ck_assert_int_eq(pmap_enter(pm, 0x8000, b, VM_PROT_READ, VM_PROT_READ, false), 0);
    ck_assert_int_eq(xlate(0x4000, VM_PROT_WRITE, NULL, NULL), MMU_OK);
    ck_assert_int_eq(xlate(0x4000, VM_PROT_EXECUTE, NULL, NULL), MMU_OK);

    pmap_protect(pm, 0x4000, 0xc000, RX);
    ck_assert_int_eq(xlate(0x4000, VM_PROT_WRITE, NULL, NULL), MMU_FAULT_PERMISSION);
    ck_assert_int_eq(xlate(0x4000, VM_PROT_EXECUTE, NULL, NULL), MMU_OK);
    ck_assert(!pmap_fast_fault(pm, 0x4000, VM_PROT_WRITE));
    /* Never raises: the read-only page stays non-executable. */
    ck_assert_int_eq(xlate(0x8000, VM_PROT_EXECUTE, NULL, NULL), MMU_FAULT_PERMISSION);

    pmap_protect(pm, 0x4000, 0x8000, VM_PROT_READ);
    ck_assert_int_eq(xlate(0x4000, VM_PROT_EXECUTE, NULL, NULL), MMU_FAULT_PERMISSION);
    ck_assert_int_eq(xlate(0x4000, VM_PROT_READ, NULL, NULL), MMU_OK);

    /* Held read-only writable pages lose the software write bit too. */
    pfn_t c = vm_frame();
    ck_assert_int_eq(pmap_enter(pm, 0xc000, c, RW, VM_PROT_READ, false), 0);
    pmap_protect(pm, 0xc000, 0x10000, VM_PROT_READ);
    ck_assert_uint_eq(pmap_pte(pm, 0xc000) & PT_SW_WRITEABLE, 0);
    ck_assert(!pmap_fast_fault(pm, 0xc000, VM_PROT_WRITE));

    pmap_protect(pm, 0x8000, 0xc000, VM_PROT_WRITE | VM_PROT_EXECUTE);  /* no READ */
    ck_assert_uint_eq(pmap_extract(pm, 0x8000), PFN_NONE);
    ck_assert_uint_eq(pm->resident, 2);
    pmap_protect(pm, 0, 0x10000, VM_PROT_NONE);
    ck_assert_uint_eq(pm->resident, 0);
    ck_assert_int_eq(xlate(0x4000, VM_PROT_READ, NULL, NULL), MMU_FAULT_TRANSLATION);
}
END_TEST

/* --- reverse map --------------------------------------------------------- */

START_TEST(reverse_map_two_pmaps)
{
    struct pmap *b = pmap_create(&m);
    pfn_t f = vm_frame();
    ck_assert_int_eq(pmap_enter(pm, 0x4000, f, RW, VM_PROT_WRITE, false), 0);
    ck_assert_int_eq(pmap_enter(pm, 0x20000, f, RW, VM_PROT_READ, false), 0);
    ck_assert_int_eq(pmap_enter(b, 0x4000, f, RW, VM_PROT_READ, false), 0);
    ck_assert_uint_eq(pmap_mapping_count(&m, f), 3);
    ck_assert_int_eq(xlate(0x4000, VM_PROT_WRITE, NULL, NULL), MMU_OK);
    ck_assert_int_eq(xlate(0x20000, VM_PROT_WRITE, NULL, NULL), MMU_OK);  /* already dirty */

    pmap_page_protect(&m, f, VM_PROT_READ);
    ck_assert_uint_eq(pmap_mapping_count(&m, f), 3);
    ck_assert_int_eq(xlate(0x4000, VM_PROT_WRITE, NULL, NULL), MMU_FAULT_PERMISSION);
    ck_assert_int_eq(xlate(0x20000, VM_PROT_READ, NULL, NULL), MMU_OK);
    ck_assert(!pmap_fast_fault(b, 0x4000, VM_PROT_WRITE));
    ck_assert_uint_eq(pmap_pte(b, 0x4000) & (PT_AP_RO | PT_SW_WRITEABLE), PT_AP_RO);

    pmap_page_protect(&m, f, VM_PROT_NONE);
    ck_assert_uint_eq(pmap_mapping_count(&m, f), 0);
    ck_assert_uint_eq(pm->resident, 0);
    ck_assert_uint_eq(b->resident, 0);
    ck_assert_uint_eq(pmap_extract(pm, 0x4000), PFN_NONE);
    ck_assert_uint_eq(pmap_extract(b, 0x4000), PFN_NONE);
    ck_assert_int_eq(xlate(0x4000, VM_PROT_READ, NULL, NULL), MMU_FAULT_TRANSLATION);
    pmap_activate(&m, b);
    ck_assert_int_eq(xlate(0x4000, VM_PROT_READ, NULL, NULL), MMU_FAULT_TRANSLATION);
    pmap_activate(&m, pm);
    pmap_destroy(b);
}
END_TEST

START_TEST(page_protect_levels)
{
    pfn_t f = vm_frame();
    ck_assert_int_eq(pmap_enter(pm, 0x4000, f, VM_PROT_ALL, VM_PROT_WRITE, false), 0);
    pt_entry_t e = pmap_pte(pm, 0x4000);
    pmap_page_protect(&m, f, VM_PROT_ALL);
    ck_assert_uint_eq(pmap_pte(pm, 0x4000), e);
    pmap_page_protect(&m, f, RW);               /* drops execute only */
    ck_assert_uint_eq(pmap_pte(pm, 0x4000), e | PT_UXN);
    pmap_page_protect(&m, f, VM_PROT_EXECUTE);  /* no READ: unmapped */
    ck_assert_uint_eq(pmap_mapping_count(&m, f), 0);
    ck_assert_uint_eq(pmap_pte(pm, 0x4000), 0);
}
END_TEST

START_TEST(compressed_markers_are_counted_until_replaced_or_removed)
{
    struct pmap *pm2 = pmap_create(&m);
    ck_assert_ptr_nonnull(pm2);
    pfn_t f = vm_frame(), g = vm_frame();
    ck_assert_int_eq(pmap_enter(pm, 0x4000, f, RW, VM_PROT_READ, false), 0);
    ck_assert_int_eq(pmap_enter(pm2, 0x8000, f, RW, VM_PROT_READ, false), 0);
    ck_assert_int_eq(pmap_enter(pm, 0xc000, g, RW, VM_PROT_READ, false), 0);
    ck_assert_int_eq(xlate(0x4000, VM_PROT_READ, NULL, NULL), MMU_OK);

    pmap_disconnect_compressed(&m, f);
    ck_assert_uint_eq(pmap_mapping_count(&m, f), 0);
    ck_assert_uint_eq(pm->compressed, 1);
    ck_assert_uint_eq(pm2->compressed, 1);
    ck_assert_uint_eq(pm->resident, 1);
    ck_assert_uint_eq(pmap_pte(pm, 0x4000), PT_COMPRESSED);
    ck_assert_uint_eq(pmap_extract(pm, 0x4000), PFN_NONE);
    ck_assert_int_eq(xlate(0x4000, VM_PROT_READ, NULL, NULL), MMU_FAULT_TRANSLATION);

    pmap_protect(pm, 0, 0x10000, VM_PROT_NONE);        /* markers stay */
    ck_assert_uint_eq(pm->compressed, 1);
    ck_assert_int_eq(pmap_enter(pm, 0x4000, g, RW, VM_PROT_READ, false), 0);
    ck_assert_uint_eq(pm->compressed, 0);              /* replaced by a mapping */
    pmap_remove(pm2, 0, 0x10000);
    ck_assert_uint_eq(pm2->compressed, 0);             /* removed */
    ck_assert_uint_eq(pmap_pte(pm2, 0x8000), 0);
    ck_assert_uint_eq(pm2->compressed_peak, 1);
    ck_assert_uint_eq(pm2->compressed_lifetime, 1);

    pmap_disconnect_compressed(&m, g);
    ck_assert_uint_eq(pm->compressed, 1);
    pmap_destroy(pm2);                                 /* with a marker: tables freed */
    ck_assert_uint_eq(count_sum(), NFRAMES);
}
END_TEST

START_TEST(pv_pool_grows)
{
    pfn_t f = vm_frame();
    for (uint64_t i = 0; i < 500; i++)
        ck_assert_int_eq(pmap_enter(pm, (i + 1) * PAGE_SIZE, f, VM_PROT_READ, VM_PROT_READ, false), 0);
    ck_assert_uint_eq(pmap_mapping_count(&m, f), 500);
    ck_assert_uint_ge(m.pv_cap, 501);
    pmap_remove(pm, 0, 251 * PAGE_SIZE);
    ck_assert_uint_eq(pmap_mapping_count(&m, f), 250);
    ck_assert_uint_eq(pm->resident, 250);
    for (uint64_t i = 250; i < 500; i++)
        ck_assert_uint_eq(pmap_extract(pm, (i + 1) * PAGE_SIZE), f);
}
END_TEST

/* --- reference / modify emulation ---------------------------------------- */

START_TEST(ref_mod_end_to_end)
{
    pfn_t f = vm_frame();
    uint64_t va = 0x123c000;
    struct mmu_xlate x;
    struct mmu_fault fault;

    ck_assert_int_eq(pmap_enter(pm, va, f, RW, VM_PROT_NONE, false), 0);
    ck_assert(!pmap_is_referenced(&m, f));

    /* First touch: access-flag fault, fixed by the fast path. */
    ck_assert_int_eq(xlate(va + 8, VM_PROT_READ, &x, &fault), MMU_FAULT_ACCESS_FLAG);
    ck_assert_int_eq(fault.level, 3);
    ck_assert_uint_eq(fault.esr, 0x9200000b);
    ck_assert(pmap_fast_fault(pm, va + 8, VM_PROT_READ));
    ck_assert(pmap_is_referenced(&m, f));
    ck_assert(!pmap_is_modified(&m, f));
    ck_assert_uint_eq(m.stats.fast_ref, 1);
    ck_assert_int_eq(xlate(va + 8, VM_PROT_READ, &x, NULL), MMU_OK);
    ck_assert_uint_eq(x.pfn, f);
    ck_assert_uint_eq(x.prot, VM_PROT_READ);

    /* First write: permission fault, fixed by the fast path. */
    ck_assert_int_eq(xlate(va, VM_PROT_WRITE, &x, &fault), MMU_FAULT_PERMISSION);
    ck_assert_uint_eq(fault.esr, 0x9200004f);
    ck_assert(pmap_fast_fault(pm, va, VM_PROT_WRITE));
    ck_assert(pmap_is_modified(&m, f));
    ck_assert_uint_eq(m.stats.fast_mod, 1);
    ck_assert_int_eq(xlate(va, VM_PROT_WRITE, &x, NULL), MMU_OK);
    ck_assert_uint_eq(x.prot, RW);

    /* Clearing the reference re-arms the trap and the TLB no longer hits. */
    uint64_t walks = m.stats.walks;
    pmap_clear_reference(&m, f);
    ck_assert(!pmap_is_referenced(&m, f));
    ck_assert_uint_eq(pmap_pte(pm, va) & PT_AF, 0);
    ck_assert_int_eq(xlate(va, VM_PROT_READ, NULL, &fault), MMU_FAULT_ACCESS_FLAG);
    ck_assert_uint_eq(m.stats.walks, walks + 1);
    ck_assert(pmap_fast_fault(pm, va, VM_PROT_READ));
    ck_assert_uint_eq(m.stats.fast_ref, 2);
    /* Still dirty: write allowed without a new fault. */
    ck_assert_int_eq(xlate(va, VM_PROT_WRITE, NULL, NULL), MMU_OK);

    /* Clearing modify re-arms the write trap. */
    pmap_clear_modify(&m, f);
    ck_assert(!pmap_is_modified(&m, f));
    ck_assert_uint_eq(pmap_pte(pm, va) & (PT_AP_RO | PT_SW_WRITEABLE), PT_AP_RO | PT_SW_WRITEABLE);
    ck_assert_int_eq(xlate(va, VM_PROT_WRITE, NULL, NULL), MMU_FAULT_PERMISSION);
    ck_assert_int_eq(xlate(va, VM_PROT_READ, NULL, NULL), MMU_OK);
    ck_assert(pmap_fast_fault(pm, va, VM_PROT_WRITE));
    ck_assert(pmap_is_modified(&m, f));
    ck_assert_int_eq(xlate(va, VM_PROT_WRITE, NULL, NULL), MMU_OK);
    ck_assert_uint_eq(m.stats.fast_mod, 2);
}
END_TEST

/* Code fetched through a mapping is dropped (stale_code) when that mapping loses its
 * access flag or goes; a data mapping, or code not fetched since, drops nothing. */
START_TEST(code_is_dropped_with_its_fetch_mapping)
{
    pfn_t code = vm_frame(), data = vm_frame();
    ck_assert_int_eq(pmap_enter(pm, 0x400000, code, RX, VM_PROT_READ, false), 0);
    ck_assert_int_eq(pmap_enter(pm, 0x800000, data, RW, VM_PROT_READ, false), 0);
    ck_assert_int_eq(xlate(0x800000, VM_PROT_READ, NULL, NULL), MMU_OK);
    ck_assert_int_eq(xlate(0x400000, VM_PROT_EXECUTE, NULL, NULL), MMU_OK);
    ck_assert(p.flags[code] & PHYS_F_CODE);
    pmap_clear_reference(&m, data);
    ck_assert_uint_eq(phys_take_stale_code(&p), 0);
    pmap_clear_reference(&m, code);
    ck_assert_uint_eq(phys_take_stale_code(&p), 1);
    ck_assert(!(p.flags[code] & PHYS_F_CODE));
    ck_assert(pmap_fast_fault(pm, 0x400000, VM_PROT_EXECUTE));
    pmap_remove(pm, 0x400000, 0x404000);           /* not fetched since: nothing to drop */
    ck_assert_uint_eq(phys_take_stale_code(&p), 0);
    ck_assert_int_eq(pmap_enter(pm, 0x400000, code, RX, VM_PROT_READ, false), 0);
    ck_assert_int_eq(xlate(0x400000, VM_PROT_EXECUTE, NULL, NULL), MMU_OK);
    pmap_remove(pm, 0x400000, 0x404000);
    ck_assert_uint_eq(phys_take_stale_code(&p), 1);
}
END_TEST

/* A write to a never-touched writable page: AF fault first, one fix makes it writable. */
START_TEST(write_to_untouched_page)
{
    pfn_t f = vm_frame();
    ck_assert_int_eq(pmap_enter(pm, 0x4000, f, RW, VM_PROT_NONE, false), 0);
    ck_assert_int_eq(xlate(0x4000, VM_PROT_WRITE, NULL, NULL), MMU_FAULT_ACCESS_FLAG);
    ck_assert(pmap_fast_fault(pm, 0x4000, VM_PROT_WRITE));
    ck_assert(pmap_is_referenced(&m, f));
    ck_assert(pmap_is_modified(&m, f));
    ck_assert_int_eq(xlate(0x4000, VM_PROT_WRITE, NULL, NULL), MMU_OK);
}
END_TEST

START_TEST(fast_fault_refuses)
{
    pfn_t r = vm_frame(), w = vm_frame();
    ck_assert(!pmap_fast_fault(pm, 0x4000, VM_PROT_READ));               /* no tables */
    ck_assert_int_eq(pmap_enter(pm, 0x4000, r, VM_PROT_READ, VM_PROT_NONE, false), 0);
    ck_assert(!pmap_fast_fault(pm, 0x8000, VM_PROT_READ));               /* no mapping */
    ck_assert(!pmap_fast_fault(pm, 0x4000, VM_PROT_WRITE));              /* read-only */
    ck_assert(!pmap_fast_fault(pm, 0x4000, VM_PROT_EXECUTE));            /* UXN */
    ck_assert(!pmap_is_referenced(&m, r));
    ck_assert_uint_eq(pmap_pte(pm, 0x4000) & PT_AF, 0);
    ck_assert_uint_eq(m.stats.fast_ref + m.stats.fast_mod, 0);
    /* Already allowed: nothing to fix, the access may simply be retried. */
    ck_assert_int_eq(pmap_enter(pm, 0x8000, w, RW, VM_PROT_WRITE, false), 0);
    ck_assert(pmap_fast_fault(pm, 0x8000, VM_PROT_WRITE));
    ck_assert_uint_eq(m.stats.fast_ref + m.stats.fast_mod, 0);
}
END_TEST

START_TEST(fast_fault_fixes_every_mapping)
{
    struct pmap *b = pmap_create(&m);
    pfn_t f = vm_frame();
    ck_assert_int_eq(pmap_enter(pm, 0x4000, f, RW, VM_PROT_NONE, false), 0);
    ck_assert_int_eq(pmap_enter(b, 0x8000, f, RW, VM_PROT_NONE, false), 0);
    ck_assert_int_eq(pmap_enter(b, 0xc000, f, VM_PROT_READ, VM_PROT_NONE, false), 0);

    ck_assert(pmap_fast_fault(pm, 0x4000, VM_PROT_READ));
    ck_assert_uint_eq(pmap_pte(b, 0x8000) & PT_AF, PT_AF);
    ck_assert_uint_eq(pmap_pte(b, 0xc000) & PT_AF, PT_AF);
    ck_assert_uint_eq(pmap_pte(b, 0x8000) & PT_AP_RO, PT_AP_RO);

    ck_assert(pmap_fast_fault(b, 0x8000, VM_PROT_WRITE));
    ck_assert_uint_eq(pmap_pte(pm, 0x4000) & (PT_AP_RO | PT_SW_WRITEABLE), 0);
    ck_assert_uint_eq(pmap_pte(b, 0x8000) & (PT_AP_RO | PT_SW_WRITEABLE), 0);
    ck_assert_uint_eq(pmap_pte(b, 0xc000) & PT_AP_RO, PT_AP_RO);   /* never writable */
    ck_assert_int_eq(xlate(0x4000, VM_PROT_WRITE, NULL, NULL), MMU_OK);

    pmap_clear_reference(&m, f);
    ck_assert_uint_eq(pmap_pte(pm, 0x4000) & PT_AF, 0);
    ck_assert_uint_eq(pmap_pte(b, 0x8000) & PT_AF, 0);
    ck_assert_uint_eq(pmap_pte(b, 0xc000) & PT_AF, 0);
    ck_assert_int_eq(xlate(0x4000, VM_PROT_READ, NULL, NULL), MMU_FAULT_ACCESS_FLAG);
    pmap_destroy(b);
}
END_TEST

START_TEST(set_modify_grants_write_on_next_enter)
{
    pfn_t f = vm_frame();
    pmap_set_modify(&m, f);
    ck_assert(pmap_is_modified(&m, f));
    ck_assert_int_eq(pmap_enter(pm, 0x4000, f, RW, VM_PROT_READ, false), 0);
    ck_assert_uint_eq(pmap_pte(pm, 0x4000) & PT_AP_RO, 0);
    pmap_clear_modify(&m, f);
    ck_assert_int_eq(pmap_enter(pm, 0x8000, f, RW, VM_PROT_READ, false), 0);
    ck_assert_uint_eq(pmap_pte(pm, 0x8000) & PT_AP_RO, PT_AP_RO);
}
END_TEST

/* --- destroy and accounting ---------------------------------------------- */

START_TEST(destroy_frees_tables_and_tlb)
{
    struct pmap *b = pmap_create(&m);
    pfn_t f = vm_frame();
    uint32_t free_before = p.count[PHYS_FREE];
    for (uint64_t i = 0; i < 5; i++)
        ck_assert_int_eq(pmap_enter(b, i << 36, f, RW, VM_PROT_WRITE, false), 0);
    ck_assert_uint_eq(b->tables, 1 + 1 + 5 + 5);
    ck_assert_uint_eq(p.count[PHYS_PAGETABLE], 1 + b->tables);
    pmap_activate(&m, b);
    ck_assert_int_eq(xlate(0, VM_PROT_WRITE, NULL, NULL), MMU_OK);
    asid_t asid = b->asid;
    ck_assert(tlb_lookup(&m.tlb, asid, 0, NULL));
    pmap_destroy(b);
    ck_assert(!tlb_lookup(&m.tlb, asid, 0, NULL));
    ck_assert_ptr_null(m.current);
    ck_assert_uint_eq(p.count[PHYS_PAGETABLE], 1);
    ck_assert_uint_eq(p.count[PHYS_FREE], free_before + 1);   /* + b's root */
    ck_assert_uint_eq(pmap_mapping_count(&m, f), 0);
    ck_assert_uint_eq(p.use[f], PHYS_VM);                     /* pages belong to the VM */
    pmap_activate(&m, pm);
}
END_TEST

/* Random operations on several pmaps; afterwards (and along the way) every
 * frame is accounted for, the reverse map matches the tables exactly and the
 * TLB never answers differently from the tables. */
#define NPMAPS 3
#define NVAS 24
#define NPAGES 20

static uint64_t rvas[NVAS];
static pfn_t pages[NPAGES];

static void check_consistency(struct pmap **pms)
{
    ck_assert_uint_eq(count_sum(), NFRAMES);
    uint32_t tables = 0, resident = 0, mappings = 0;
    for (int i = 0; i < NPMAPS; i++) {
        tables += pms[i]->tables;
        uint32_t valid = 0;
        for (int v = 0; v < NVAS; v++) {
            pfn_t f = pmap_extract(pms[i], rvas[v]);
            if (f == PFN_NONE)
                continue;
            valid++;
            bool found = false;
            for (uint32_t k = m.pv_head[f]; k; k = m.pv[k].next)
                found |= m.pv[k].pmap == pms[i] && m.pv[k].va == rvas[v];
            ck_assert_msg(found, "mapping missing from the reverse map");
        }
        ck_assert_uint_eq(pms[i]->resident, valid);
        char why[128];
        ck_assert_msg(pmap_check(pms[i], why, sizeof why), "%s", why);
        resident += valid;
    }
    for (int j = 0; j < NPAGES; j++)
        mappings += pmap_mapping_count(&m, pages[j]);
    ck_assert_uint_eq(mappings, resident);
    ck_assert_uint_eq(p.count[PHYS_PAGETABLE], tables + 1);   /* + the fixture's pmap */
    ck_assert_uint_eq(p.count[PHYS_VM], NPAGES);

    /* The current pmap's TLB agrees with its tables for every access. */
    struct pmap *cur = m.current;
    for (int v = 0; v < NVAS; v++)
        for (vm_prot_t a = 1; a <= 4; a <<= 1) {
            pt_entry_t e = pmap_pte(cur, rvas[v]);
            bool ok = pt_is_table(e) && (e & PT_AF) && (pt_page_prot(e) & a);
            struct mmu_xlate x;
            enum mmu_fault_kind k = xlate(rvas[v] + 0x10, a, &x, NULL);
            ck_assert_int_eq(k == MMU_OK, ok);
            if (ok)
                ck_assert_uint_eq(x.pfn, pt_pfn(e));
        }
}

START_TEST(random_accounting)
{
    struct pmap *pms[NPMAPS];
    for (int i = 0; i < NPMAPS; i++)
        pms[i] = pmap_create(&m);
    for (int v = 0; v < NVAS; v++)   /* some share an L3 table, some are far apart */
        rvas[v] = v % 3 == 0 ? (uint64_t)v * PAGE_SIZE
                : v % 3 == 1 ? ((uint64_t)v << 27) : ((uint64_t)v << 41);
    for (int j = 0; j < NPAGES; j++)
        pages[j] = vm_frame();
    pmap_activate(&m, pms[0]);
    srand(12345);
    unsigned destroys = 0;
    for (int step = 0; step < 4000; step++) {
        struct pmap *t = pms[rand() % NPMAPS];
        uint64_t va = rvas[rand() % NVAS];
        pfn_t f = pages[rand() % NPAGES];
        switch (rand() % 12) {
        case 0: case 1: case 2: case 3:
            ck_assert_int_eq(pmap_enter(t, va, f, (vm_prot_t)(rand() % 8),
                                        (vm_prot_t)(rand() % 2 ? 0 : 1 << rand() % 3),
                                        rand() % 4 == 0), 0);
            break;
        case 4:
            pmap_remove(t, va, va + (uint64_t)(rand() % 4) * PAGE_SIZE);
            break;
        case 5:
            pmap_protect(t, va, va + PAGE_SIZE, (vm_prot_t)(rand() % 8));
            break;
        case 6:
            pmap_page_protect(&m, f, (vm_prot_t)(rand() % 8));
            break;
        case 7:
            pmap_clear_reference(&m, f);
            break;
        case 8:
            pmap_clear_modify(&m, f);
            break;
        case 9:
            pmap_fast_fault(t, va, (vm_prot_t)(1 << rand() % 3));
            break;
        case 10:
            pmap_activate(&m, t);
            break;
        case 11:
            if (rand() % 8 == 0) {
                int i = rand() % NPMAPS;
                bool was_current = m.current == pms[i];
                pmap_destroy(pms[i]);
                pms[i] = pmap_create(&m);
                ck_assert_ptr_nonnull(pms[i]);
                if (was_current)
                    pmap_activate(&m, pms[i]);
                destroys++;
            }
            break;
        }
        if (step % 50 == 0)
            check_consistency(pms);
    }
    check_consistency(pms);
    ck_assert_uint_gt(destroys, 0);
    ck_assert_uint_gt(m.stats.fast_ref, 0);
    ck_assert_uint_gt(m.stats.fast_mod, 0);
    pmap_activate(&m, pm);
    for (int i = 0; i < NPMAPS; i++)
        pmap_destroy(pms[i]);
    ck_assert_uint_eq(p.count[PHYS_PAGETABLE], 1);
    ck_assert_uint_eq(count_sum(), NFRAMES);
    for (int j = 0; j < NPAGES; j++)
        ck_assert_uint_eq(m.pv_head[pages[j]], 0);
}
END_TEST

/* pmap_check against a pmap whose ledgers are made wrong one at a time. */
START_TEST(check_finds_broken_ledgers)
{
    pfn_t f = vm_frame(), g = vm_frame();
    ck_assert_int_eq(pmap_enter(pm, 0x10000, f, RW, VM_PROT_WRITE, PMAP_OPT_WIRED), 0);
    ck_assert_int_eq(pmap_enter(pm, 0x40000000, g, RW, 0, PMAP_OPT_INTERNAL), 0);
    ck_assert_int_eq(pmap_enter(pm, 0x14000, g, RW, 0, PMAP_OPT_INTERNAL), 0);
    pmap_disconnect_compressed(&m, g);       /* two compressed markers */
    ck_assert_int_eq(pmap_enter(pm, 0x18000, g, RX, 0, 0), 0);
    char why[128];
    ck_assert_msg(pmap_check(pm, why, sizeof why), "%s", why);
    struct { uint32_t *counter; const char *name; } ledgers[] = {
        { &pm->resident, "resident pages" }, { &pm->wired, "wired pages" },
        { &pm->internal, "internal pages" }, { &pm->compressed, "compressed markers" },
        { &pm->tables, "table frames" },
    };
    for (unsigned i = 0; i < sizeof ledgers / sizeof *ledgers; i++) {
        ++*ledgers[i].counter;
        ck_assert(!pmap_check(pm, why, sizeof why));
        ck_assert_msg(strstr(why, ledgers[i].name), "%s: %s", ledgers[i].name, why);
        --*ledgers[i].counter;
    }
    /* A mapping its frame's reverse map has lost. */
    uint32_t head = m.pv_head[f];
    m.pv_head[f] = 0;
    ck_assert(!pmap_check(pm, why, sizeof why));
    ck_assert_msg(strstr(why, "no pv entry"), "%s", why);
    m.pv_head[f] = head;
    ck_assert_msg(pmap_check(pm, why, sizeof why), "%s", why);
}
END_TEST

/* With invariant checks built in (make asan), a pmap whose resident count is wrong
 * aborts at the removal that would take it below zero. */
START_TEST(broken_resident_count_aborts)
{
    ck_assert_int_eq(pmap_enter(pm, 0x10000, vm_frame(), RW, 0, 0), 0);
    pm->resident = 0;
    pmap_remove(pm, 0x10000, 0x14000);
}
END_TEST

static Suite *pmap_suite(void)
{
    Suite *s = suite_create("pmap");
    TCase *tc = tcase_create("mappings");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, create_gives_distinct_asids_and_roots);
    tcase_add_test(tc, enter_counts_tables);
    tcase_add_test(tc, enter_descriptor_bits);
    tcase_add_test(tc, enter_rejects_bad_va);
    tcase_add_test_raise_signal(tc, enter_non_vm_frame_aborts, SIGABRT);
    tcase_add_test_raise_signal(tc, enter_frame_zero_aborts, SIGABRT);
    tcase_add_test(tc, enter_none_removes);
    tcase_add_test(tc, enter_replaces_and_invalidates);
    tcase_add_test(tc, enter_out_of_table_frames);
    tcase_add_test(tc, wiring);
    suite_add_tcase(s, tc);

    TCase *rg = tcase_create("ranges");
    tcase_add_checked_fixture(rg, setup, teardown);
    tcase_set_timeout(rg, 2);
    tcase_add_test(rg, remove_range);
    tcase_add_test(rg, remove_whole_space_is_fast);
    tcase_add_test(rg, protect_lowers_and_invalidates);
    suite_add_tcase(s, rg);

    TCase *rm = tcase_create("reverse map and ref/mod");
    tcase_add_checked_fixture(rm, setup, teardown);
    tcase_add_test(rm, reverse_map_two_pmaps);
    tcase_add_test(rm, page_protect_levels);
    tcase_add_test(rm, compressed_markers_are_counted_until_replaced_or_removed);
    tcase_add_test(rm, pv_pool_grows);
    tcase_add_test(rm, ref_mod_end_to_end);
    tcase_add_test(rm, code_is_dropped_with_its_fetch_mapping);
    tcase_add_test(rm, write_to_untouched_page);
    tcase_add_test(rm, fast_fault_refuses);
    tcase_add_test(rm, fast_fault_fixes_every_mapping);
    tcase_add_test(rm, set_modify_grants_write_on_next_enter);
    suite_add_tcase(s, rm);

    TCase *acc = tcase_create("accounting");
    tcase_add_checked_fixture(acc, setup, teardown);
    tcase_set_timeout(acc, 30);
    tcase_add_test(acc, destroy_frees_tables_and_tlb);
    tcase_add_test(acc, random_accounting);
    tcase_add_test(acc, check_finds_broken_ledgers);
    if (MMU_INVARIANTS)
        tcase_add_test_raise_signal(acc, broken_resident_count_aborts, SIGABRT);
    suite_add_tcase(s, acc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(pmap_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
