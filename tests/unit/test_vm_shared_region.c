/* Unit tests for vm/vm_shared_region.c: one file mapped in every task, its read-only
 * part through nested tables counted once, its data part copy-on-write per task. */
#include "tests/unit/vm_fixture.h"
#include "vm/vm_shared_region.h"

#define SR_BASE 0x180000000ull
#define TEXT_PAGES 4
#define DATA_PAGES 2
#define SR_DATA (SR_BASE + PMAP_TWIG_SIZE)
#define RX (VM_PROT_READ | VM_PROT_EXECUTE)

static struct vm_shared_region *sr;
static struct vnode *vn;
static char path[64];

static const struct vm_shared_mapping layout[] = {
    { SR_BASE, TEXT_PAGES * PG, 0, RX, RX },
    { SR_DATA, DATA_PAGES * PG, TEXT_PAGES * PG, RW, RW },
};

static void sr_setup(void)
{
    setup();
    int fd = make_file(path, (TEXT_PAGES + DATA_PAGES) * PG);
    vn = vnode_get(fd, path);
    ck_assert_ptr_nonnull(vn);
    char err[128];
    sr = vm_shared_region_create(&vm, vn, layout, 2, err, sizeof err);
    ck_assert_msg(sr != NULL, "%s", err);
    ck_assert_int_eq(vm_shared_region_enter(sr, map), KERN_SUCCESS);
}

static void sr_teardown(void)
{
    vm_map_destroy(map);
    map = NULL;
    if (sr)
        vm_shared_region_destroy(sr);
    vnode_release(vn);
    unlink(path);
    teardown();
}

static struct vm_map *another_task(void)
{
    struct pmap *p2 = pmap_create(&m);
    ck_assert_ptr_nonnull(p2);
    struct vm_map *m2 = vm_map_create(&vm, p2, 0x10000, 1ull << 47);
    ck_assert_ptr_nonnull(m2);
    ck_assert_int_eq(vm_shared_region_enter(sr, m2), KERN_SUCCESS);
    return m2;
}

static uint8_t byte_in(struct vm_map *mp, uint64_t va)
{
    pfn_t f = pmap_extract(mp->pmap, va);
    ck_assert_uint_ne(f, PFN_NONE);
    return ((uint8_t *)phys_ptr(&p, f))[va & PAGE_MASK];
}

static uint8_t file_byte(uint64_t off) { return (uint8_t)(off * 13 + 1); }

static uint32_t footprint(struct vm_map *m)
{
    struct vm_ledgers l;
    vm_map_ledgers(m, &l);
    return l.phys_footprint;
}

START_TEST(a_write_to_data_copies_one_page)
{
    struct vm_map *m2 = another_task();
    ck_assert_int_eq(vm_fault(m2, SR_DATA, R, NULL), KERN_SUCCESS);
    uint32_t vm_pages = p.count[PHYS_VM], fp = footprint(map);
    uint32_t tables = map->pmap->tables;
    ck_assert_int_eq(fault_ok(SR_DATA + 8, RW), VM_FAULT_COW);
    gptr(SR_DATA + 8)[0] = 0x5a;
    /* One private page more, charged to the writer only. */
    ck_assert_uint_eq(p.count[PHYS_VM], vm_pages + 1);   /* the file page is resident */
    ck_assert_uint_eq(map->pmap->internal, 1);
    /* The data twig is not nested: its L3 table is the task's, as after XNU unnests. */
    ck_assert_uint_eq(map->pmap->tables, tables + 1);
    ck_assert_uint_eq(footprint(map), fp + 1 + 1);
    ck_assert_uint_eq(m2->pmap->internal, 0);
    ck_assert_uint_eq(byte_in(m2, SR_DATA + 8), file_byte(TEXT_PAGES * PG + 8));
    ck_assert_uint_eq(byte_in(map, SR_DATA + 8), 0x5a);
    /* The other data page is still the file's. */
    ck_assert_int_eq(fault_ok(SR_DATA + PG, R), VM_FAULT_PAGEIN);
    ck_assert_uint_eq(map->pmap->internal, 1);
    /* Text cannot be written. */
    ck_assert_int_eq(vm_fault(map, SR_BASE, RW, NULL), KERN_PROTECTION_FAILURE);
    vm_map_destroy(m2);
}
END_TEST

START_TEST(nested_tables_are_counted_once_and_in_no_task)
{
    struct vm_map *m2 = another_task();
    uint32_t t1 = map->pmap->tables, t2 = m2->pmap->tables, fp = footprint(map);
    ck_assert_int_eq(fault_ok(SR_BASE + PG, R), VM_FAULT_PAGEIN);
    ck_assert_int_eq(vm_fault(m2, SR_BASE + PG, R, NULL), KERN_SUCCESS);
    ck_assert_uint_eq(pmap_extract(m2->pmap, SR_BASE + PG), pmap_extract(map->pmap, SR_BASE + PG));
    /* Entered once, in the region's pmap: not a page or table of either task. */
    ck_assert_uint_eq(sr->pmap->resident, 1);
    ck_assert_uint_eq(map->pmap->resident + m2->pmap->resident, 0);
    ck_assert_uint_eq(map->pmap->tables, t1);
    ck_assert_uint_eq(m2->pmap->tables, t2);
    ck_assert_uint_eq(footprint(map), fp);
    ck_assert_uint_eq(p.count[PHYS_PAGETABLE], sr->pmap->tables + t1 + t2);
    ck_assert_uint_eq(vm.external_pages, sr->object->resident);   /* file-backed */
    /* The second task saw the page without a fault of its own after the first. */
    pmap_activate(&m, m2->pmap);
    ck_assert_int_eq(xlate(SR_BASE + 2 * PG, R, NULL), MMU_FAULT_TRANSLATION);
    fault_ok(SR_BASE + 2 * PG, R);     /* read ahead by the first page-in: soft */
    ck_assert_int_eq(xlate(SR_BASE + 2 * PG, R, NULL), MMU_OK);
    vm_map_destroy(m2);
    ck_assert_uint_eq(sr->tasks, 1);
}
END_TEST

START_TEST(changing_the_nested_range_unnests_that_task)
{
    struct vm_map *m2 = another_task();
    ck_assert_int_eq(fault_ok(SR_BASE, R), VM_FAULT_PAGEIN);
    ck_assert_int_eq(vm_map_protect(map, SR_BASE, SR_BASE + PG, R, false), KERN_SUCCESS);
    ck_assert_ptr_null(map->pmap->nested);
    ck_assert_ptr_nonnull(m2->pmap->nested);
    /* Now an ordinary file mapping of this task: its own tables and mapping. */
    ck_assert_int_eq(fault_ok(SR_BASE, R), VM_FAULT_SOFT);
    ck_assert_uint_eq(map->pmap->resident, 1);
    ck_assert_uint_eq(sr->pmap->resident, 1);
    ck_assert_int_eq(vm_fault(m2, SR_BASE, R, NULL), KERN_SUCCESS);
    ck_assert_uint_eq(m2->pmap->resident, 0);
    char why[160];
    ck_assert_msg(pmap_check(map->pmap, why, sizeof why), "%s", why);
    ck_assert_msg(pmap_check(m2->pmap, why, sizeof why), "%s", why);
    vm_map_destroy(m2);
}
END_TEST

START_TEST(fork_nests_the_child)
{
    ck_assert_int_eq(fault_ok(SR_BASE, R), VM_FAULT_PAGEIN);
    struct pmap *p2 = pmap_create(&m);
    struct vm_map *child = vm_map_fork(map, p2);
    ck_assert_ptr_nonnull(child);
    ck_assert_ptr_eq(child->pmap->nested, sr->pmap);
    ck_assert_uint_eq(sr->tasks, 2);
    pmap_activate(&m, p2);
    ck_assert_int_eq(xlate(SR_BASE, R, NULL), MMU_OK);
    vm_map_destroy(child);
    ck_assert_uint_eq(sr->pmap->nest_count, 1);
}
END_TEST

START_TEST(bad_layouts_are_refused)
{
    char err[128];
    struct vm_shared_mapping bad[2] = { layout[0], layout[1] };
    bad[1].address = SR_BASE + TEXT_PAGES * PG;       /* data inside the nested twig */
    ck_assert_ptr_null(vm_shared_region_create(&vm, vn, bad, 2, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "nested"));
    bad[1] = layout[1];
    bad[1].file_offset = 64 * PG;                        /* past the end of the file */
    ck_assert_ptr_null(vm_shared_region_create(&vm, vn, bad, 2, err, sizeof err));
    bad[0].address += PG;                                /* not at a twig */
    ck_assert_ptr_null(vm_shared_region_create(&vm, vn, bad, 1, err, sizeof err));
    /* A second region in the same map is refused, and so is an occupied range. */
    ck_assert_int_eq(vm_shared_region_enter(sr, map), KERN_INVALID_ARGUMENT);
    struct pmap *p2 = pmap_create(&m);
    struct vm_map *m2 = vm_map_create(&vm, p2, 0x10000, 1ull << 47);
    uint64_t a = SR_DATA;
    ck_assert_int_eq(vm_map_enter(m2, &a, PG, VM_FLAGS_FIXED, NULL, 0, false, RW, RW,
                                  VM_INHERIT_COPY, "anon"), KERN_SUCCESS);
    ck_assert_int_eq(vm_shared_region_enter(sr, m2), KERN_NO_SPACE);
    ck_assert_ptr_null(m2->shared_region);
    vm_map_destroy(m2);
}
END_TEST

START_TEST(nothing_is_left_behind)
{
    ck_assert_int_eq(fault_ok(SR_BASE, R), VM_FAULT_PAGEIN);
    ck_assert_int_eq(fault_ok(SR_DATA, RW), VM_FAULT_COW);
    vm_shared_region_unnest(map);
    vm_shared_region_release(map);
    vm_shared_region_destroy(sr);
    sr = NULL;
    destroy_and_check_frames();
}
END_TEST

static Suite *sr_suite(void)
{
    Suite *s = suite_create("vm_shared_region");
    TCase *tc = tcase_create("shared region");
    tcase_add_checked_fixture(tc, sr_setup, sr_teardown);
    tcase_add_test(tc, a_write_to_data_copies_one_page);
    tcase_add_test(tc, nested_tables_are_counted_once_and_in_no_task);
    tcase_add_test(tc, changing_the_nested_range_unnests_that_task);
    tcase_add_test(tc, fork_nests_the_child);
    tcase_add_test(tc, bad_layouts_are_refused);
    tcase_add_test(tc, nothing_is_left_behind);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr_run = srunner_create(sr_suite());
    srunner_run_all(sr_run, CK_NORMAL);
    int failed = srunner_ntests_failed(sr_run);
    srunner_free(sr_run);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
