/* Unit tests for named memory entries (vm_memory_entry.c), virtual copies
 * (vm_map_copy.c), reusable pages (vm_reusable.c) and region share modes
 * (vm_region.c), each against what XNU's source gives. */
#include "tests/unit/vm_fixture.h"
#include "vm/vm_map_copy.h"
#include "vm/vm_memory_entry.h"
#include "vm/vm_region.h"
#include "emu/mach_port.h"

#define N 4                        /* pages: 64 KB, above VM_MAP_COPY_SMALL */

static void write_byte(uint64_t va, uint8_t v)
{
    fault_ok(va, W);
    *gptr(va) = v;
}

static uint8_t read_byte(uint64_t va)
{
    fault_ok(va, R);
    return *gptr(va);
}

static int mode_of(uint64_t va)
{
    struct vm_map_entry *e;
    ck_assert(vm_map_lookup_entry(map, va, &e));
    struct vm_region_extended x;
    vm_map_region_walk(map, e, e->start, e->end, &x);
    return x.share_mode;
}

static void touch_all(uint64_t base, unsigned pages, uint8_t seed)
{
    for (unsigned i = 0; i < pages; i++)
        write_byte(base + i * PG, (uint8_t)(seed + i));
}

START_TEST(entry_shares_the_object_and_bounds_protection)
{
    enter_anon(BASE, N * PG, RW, VM_PROT_ALL);
    touch_all(BASE, N, 10);
    struct vm_named_entry *ne;
    uint64_t size = N * PG;
    ck_assert_int_eq(vm_named_entry_from_map(map, BASE, &size, RW, false, &ne), KERN_SUCCESS);
    ck_assert_uint_eq(size, N * PG);
    uint64_t shared = BASE + 16 * PG, copy = BASE + 32 * PG, a;
    a = shared;
    ck_assert_int_eq(vm_map_enter_named_entry(map, &a, N * PG, VM_FLAGS_FIXED, ne, 0, false, RW,
                                              RW, VM_INHERIT_COPY, "e"), KERN_SUCCESS);
    a = copy;
    ck_assert_int_eq(vm_map_enter_named_entry(map, &a, N * PG, VM_FLAGS_FIXED, ne, 0, true, RW,
                                              RW, VM_INHERIT_COPY, "e"), KERN_SUCCESS);
    write_byte(shared + PG, 99);
    ck_assert_uint_eq(read_byte(BASE + PG), 99);      /* the same object */
    ck_assert_uint_eq(read_byte(copy + PG), 11);      /* a snapshot when mapped */
    write_byte(copy, 7);
    ck_assert_uint_eq(read_byte(BASE), 10);
    ck_assert_int_eq(mode_of(shared), SM_TRUESHARED);
    ck_assert_int_eq(mode_of(copy), SM_COW);
    /* More than the entry allows: KERN_INVALID_RIGHT; past its end: invalid. */
    a = BASE + 48 * PG;
    ck_assert_int_eq(vm_map_enter_named_entry(map, &a, PG, VM_FLAGS_FIXED, ne, 0, false, R,
                                              VM_PROT_ALL, VM_INHERIT_COPY, "e"),
                     KERN_INVALID_RIGHT);
    ck_assert_int_eq(vm_map_enter_named_entry(map, &a, 2 * PG, VM_FLAGS_FIXED, ne, 3 * PG, false,
                                              R, R, VM_INHERIT_COPY, "e"), KERN_INVALID_ARGUMENT);
    /* The object outlives the range and the entry while a mapping holds it. */
    ck_assert_int_eq(vm_map_remove(map, BASE, BASE + N * PG), KERN_SUCCESS);
    vm_named_entry_release(ne);
    ck_assert_uint_eq(read_byte(shared + PG), 99);
    destroy_and_check_frames();
}
END_TEST

START_TEST(entry_refuses_what_the_mapping_does_not_allow)
{
    struct vm_named_entry *ne = NULL;
    uint64_t size = PG;
    enter_anon(BASE, PG, R, VM_PROT_ALL);
    ck_assert_int_eq(vm_named_entry_from_map(map, BASE, &size, RW, false, &ne), KERN_PROTECTION_FAILURE);
    ck_assert_int_eq(vm_named_entry_from_map(map, BASE + 8 * PG, &size, R, false, &ne),
                     KERN_INVALID_ADDRESS);
    /* VM_PROT_IS_MASK: what the mapping allows of what is asked. */
    ck_assert_int_eq(vm_named_entry_from_map(map, BASE, &size, RW, true, &ne), KERN_SUCCESS);
    ck_assert_int_eq(ne->protection, R);
    vm_named_entry_release(ne);
    ck_assert_int_eq(vm_named_entry_from_map(map, BASE, &size, W | VM_PROT_EXECUTE, true, &ne),
                     KERN_PROTECTION_FAILURE);
    ne = vm_named_entry_create(&vm, 3 * PG - 1, R, false);
    ck_assert_ptr_nonnull(ne);
    ck_assert_uint_eq(ne->size, 3 * PG);
    vm_named_entry_release(ne);
    destroy_and_check_frames();
}
END_TEST

/* vm_map_copyin + vm_map_copy_overwrite: the destination takes the source's object
 * copy-on-write; one write copies one page. */
START_TEST(copy_shares_pages_until_written)
{
    enter_anon(BASE, N * PG, RW, VM_PROT_ALL);
    enter_anon(BASE + 16 * PG, N * PG, RW, VM_PROT_ALL);
    touch_all(BASE, N, 20);
    uint32_t used = p.count[PHYS_VM];
    struct vm_map_copy *c;
    ck_assert(vm_map_copy_is_virtual(BASE, N * PG));
    ck_assert(!vm_map_copy_is_virtual(BASE, 2 * PG));
    ck_assert_int_eq(vm_map_copyin_check(map, BASE, N * PG), KERN_SUCCESS);
    ck_assert_int_eq(vm_map_copyin(map, BASE, N * PG, &c), KERN_SUCCESS);
    ck_assert_int_eq(vm_map_copy_overwrite_check(map, BASE + 16 * PG, N * PG, c), KERN_SUCCESS);
    ck_assert_int_eq(vm_map_copy_overwrite(map, BASE + 16 * PG, c), KERN_SUCCESS);
    ck_assert_int_eq(fault_ok(BASE + 16 * PG, R), VM_FAULT_SOFT);
    ck_assert_uint_eq(read_byte(BASE + 17 * PG), 21);
    ck_assert_uint_eq(p.count[PHYS_VM], used);        /* nothing copied */
    int d, refs;
    ck_assert_int_eq(vm_map_page_query(map, BASE + 16 * PG, &d, &refs), KERN_SUCCESS);
    ck_assert_int_eq(refs, 2);
    ck_assert(!(d & VM_PAGE_QUERY_PAGE_COPIED));
    ck_assert_int_eq(fault_ok(BASE + 18 * PG, W), VM_FAULT_COW);
    vm_map_page_query(map, BASE + 18 * PG, &d, &refs);
    ck_assert(d & VM_PAGE_QUERY_PAGE_COPIED);
    ck_assert_int_eq(refs, 1);
    ck_assert_int_eq(fault_ok(BASE + 3 * PG, W), VM_FAULT_COW);   /* the source copies too */
    ck_assert_int_eq(mode_of(BASE), SM_COW);
    destroy_and_check_frames();
}
END_TEST

START_TEST(copy_refuses_what_xnu_copies_physically)
{
    enter_anon(BASE, N * PG, RW, VM_PROT_ALL);
    enter_anon(BASE + 16 * PG, N * PG, RW | VM_PROT_EXECUTE, VM_PROT_ALL);
    touch_all(BASE, N, 1);
    ck_assert_int_eq(vm_map_copy_overwrite_check(map, BASE + 16 * PG, N * PG, NULL),
                     KERN_NOT_SUPPORTED);                      /* executable */
    ck_assert_int_eq(vm_map_copy_overwrite_check(map, BASE + 8 * PG, N * PG, NULL),
                     KERN_INVALID_ADDRESS);                    /* a hole */
    ck_assert_int_eq(vm_map_wire(map, BASE, BASE + PG, R), KERN_SUCCESS);
    ck_assert_int_eq(vm_map_copyin_check(map, BASE, N * PG), KERN_NOT_SUPPORTED);
    ck_assert_int_eq(vm_map_unwire(map, BASE, BASE + PG), KERN_SUCCESS);
    destroy_and_check_frames();
}
END_TEST

START_TEST(copyout_maps_a_new_range)
{
    enter_anon(BASE, N * PG, RW, VM_PROT_ALL);
    touch_all(BASE, N, 40);
    struct vm_map_copy *c;
    uint64_t a;
    ck_assert_int_eq(vm_map_copyin(map, BASE, N * PG, &c), KERN_SUCCESS);
    ck_assert_int_eq(vm_map_copyout(map, BASE + 64 * PG, &a, c), KERN_SUCCESS);
    ck_assert_uint_ge(a, BASE + 64 * PG);
    ck_assert_uint_eq(read_byte(a + 2 * PG), 42);
    write_byte(BASE + 2 * PG, 1);
    ck_assert_uint_eq(read_byte(a + 2 * PG), 42);
    destroy_and_check_frames();
}
END_TEST

/* MADV_FREE_REUSABLE: out of internal and phys_footprint, into the reusable ledger;
 * MADV_FREE_REUSE brings them back with their contents; the scan frees them first. */
START_TEST(reusable_pages_leave_the_footprint)
{
    enter_anon(BASE, N * PG, RW, VM_PROT_ALL);
    touch_all(BASE, N, 50);
    struct vm_ledgers l0, l1;
    vm_map_ledgers(map, &l0);
    ck_assert_int_eq(vm_map_reusable_pages(map, BASE, BASE + N * PG), KERN_SUCCESS);
    vm_map_ledgers(map, &l1);
    ck_assert_uint_eq(l0.phys_footprint - l1.phys_footprint, N);
    ck_assert_uint_eq(l1.reusable, N);
    struct vm_map_usage u;
    vm_map_usage(map, &u);
    ck_assert_uint_eq(u.footprint, l1.phys_footprint);
    int d, refs;
    vm_map_page_query(map, BASE, &d, &refs);
    ck_assert_int_eq(d, VM_PAGE_QUERY_PAGE_PRESENT | VM_PAGE_QUERY_PAGE_REUSABLE);
    /* Still mapped: a read only sets the reference bit, the page stays reusable. */
    ck_assert_int_eq(fault_ok(BASE + PG, R), VM_FAULT_FAST);
    ck_assert_int_eq(xlate(BASE + PG, W, NULL) != MMU_OK, 1);     /* a write must fault */
    vm_map_ledgers(map, &l1);
    ck_assert_uint_eq(l1.reusable, N);
    ck_assert_int_eq(vm_map_reuse_pages(map, BASE, BASE + 2 * PG), KERN_SUCCESS);
    vm_map_ledgers(map, &l1);
    ck_assert_uint_eq(l1.reusable, N - 2);
    ck_assert_uint_eq(l0.phys_footprint - l1.phys_footprint, N - 2);
    ck_assert_uint_eq(read_byte(BASE + PG), 51);
    write_byte(BASE + 3 * PG, 9);                                 /* a write takes it back */
    vm_map_ledgers(map, &l1);
    ck_assert_uint_eq(l1.reusable, N - 3);
    ck_assert_uint_eq(vm.reusable_pages, 1);
    destroy_and_check_frames();
    ck_assert_uint_eq(vm.reusable_pages, 0);
}
END_TEST

START_TEST(reusable_needs_private_writable_memory)
{
    enter_anon(BASE, PG, R, VM_PROT_ALL);
    ck_assert_int_eq(vm_map_reusable_pages(map, BASE, BASE + PG), KERN_PROTECTION_FAILURE);
    ck_assert_int_eq(vm_map_reusable_pages(map, BASE + 4 * PG, BASE + 5 * PG), KERN_INVALID_ADDRESS);
    enter_anon(BASE + 8 * PG, 2 * PG, RW, VM_PROT_ALL);
    touch_all(BASE + 8 * PG, 2, 1);
    struct vm_map *child = vm_map_fork(map, pmap_create(&m));    /* now copy-on-write */
    ck_assert_ptr_nonnull(child);
    ck_assert_int_eq(fault_ok(BASE + 8 * PG, W), VM_FAULT_COW);  /* shadowed */
    ck_assert_int_eq(vm_map_reusable_pages(map, BASE + 8 * PG, BASE + 10 * PG),
                     KERN_INVALID_ADDRESS);
    vm_map_destroy(child);
    destroy_and_check_frames();
}
END_TEST

/* A child that touches a reusable page after a fork takes it back for both: the
 * parent's ledgers and a walk of its pages still agree. */
START_TEST(a_fork_takes_reusable_pages_back_for_both)
{
    enter_anon(BASE, 2 * PG, RW, VM_PROT_ALL);
    touch_all(BASE, 2, 60);
    ck_assert_int_eq(vm_map_reusable_pages(map, BASE, BASE + 2 * PG), KERN_SUCCESS);
    struct vm_map *child = vm_map_fork(map, pmap_create(&m));
    ck_assert_ptr_nonnull(child);
    ck_assert_int_eq(vm_fault(child, BASE, R, NULL), KERN_SUCCESS);
    struct vm_ledgers l;
    struct vm_map_usage u;
    vm_map_ledgers(map, &l);
    vm_map_usage(map, &u);
    ck_assert_uint_eq(l.phys_footprint, u.footprint);
    ck_assert_uint_eq(l.reusable, 1);
    ck_assert_uint_eq(read_byte(BASE), 60);
    vm_map_destroy(child);
    destroy_and_check_frames();
}
END_TEST

START_TEST(share_modes_follow_xnu)
{
    enter_anon(BASE, 2 * PG, RW, VM_PROT_ALL);
    ck_assert_int_eq(mode_of(BASE), SM_EMPTY);
    touch_all(BASE, 2, 1);
    ck_assert_int_eq(mode_of(BASE), SM_PRIVATE);
    struct vm_region_extended x;
    struct vm_map_entry *e;
    vm_map_lookup_entry(map, BASE, &e);
    vm_map_region_walk(map, e, e->start, e->end, &x);
    ck_assert_uint_eq(x.pages_resident, 2);
    ck_assert_uint_eq(x.ref_count, 1);
    struct vm_region_top t;
    vm_map_region_top_walk(e, &t);
    ck_assert_int_eq(t.share_mode, SM_PRIVATE);
    ck_assert_uint_eq(t.private_pages_resident, 2);
    /* Two entries of this map on one object that nobody else holds: private aliased. */
    vm_object_reference(e->object);
    enter_obj(BASE + 8 * PG, 2 * PG, e->object, 0, false, RW);
    ck_assert_int_eq(mode_of(BASE), SM_PRIVATE_ALIASED);
    /* Held from outside too (another task): shared aliased. */
    vm_object_reference(e->object);
    ck_assert_int_eq(mode_of(BASE), SM_SHARED_ALIASED);
    vm_object_deallocate(e->object);
    ck_assert_str_eq(vm_share_mode_name(SM_PRIVATE_ALIASED), "ALI");
    ck_assert_str_eq(vm_share_mode_name(SM_TRUESHARED), "SHM");
    destroy_and_check_frames();
}
END_TEST

/* A task's port names: XNU's shape (index << 8 | generation), a freed slot's next name
 * differs from the old one, which no longer names anything; the space frees its entries. */
START_TEST(port_names_are_per_slot_and_generation)
{
    struct ipc_space sp = { 0 };
    uint32_t a = ipc_space_insert_entry(&sp, vm_named_entry_create(&vm, PG, RW, false));
    uint32_t b = ipc_space_insert_entry(&sp, vm_named_entry_create(&vm, PG, RW, false));
    ck_assert_uint_eq(a & 0xff, 3);
    ck_assert_uint_ne(a, b);
    ck_assert_ptr_nonnull(ipc_space_entry(&sp, b));
    ck_assert_int_eq(ipc_space_deallocate(&sp, a), KERN_SUCCESS);
    ck_assert_int_eq(ipc_space_deallocate(&sp, a), KERN_INVALID_NAME);
    uint32_t c = ipc_space_insert_entry(&sp, vm_named_entry_create(&vm, PG, RW, false));
    ck_assert_uint_eq(c >> 8, a >> 8);                 /* the same slot ... */
    ck_assert_uint_ne(c, a);                           /* ... under a new generation */
    ck_assert_ptr_null(ipc_space_entry(&sp, a));
    ck_assert_ptr_null(ipc_space_entry(&sp, 0x103));   /* the task port is no entry */
    ck_assert_uint_eq(ipc_space_count(&sp), 2);
    ipc_space_destroy(&sp);
    ck_assert_uint_eq(vm.objects, 0);
}
END_TEST

static Suite *entries_suite(void)
{
    Suite *s = suite_create("vm_entries");
    TCase *tc = tcase_create("entries, copies, reusable pages, share modes");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, entry_shares_the_object_and_bounds_protection);
    tcase_add_test(tc, entry_refuses_what_the_mapping_does_not_allow);
    tcase_add_test(tc, copy_shares_pages_until_written);
    tcase_add_test(tc, copy_refuses_what_xnu_copies_physically);
    tcase_add_test(tc, copyout_maps_a_new_range);
    tcase_add_test(tc, reusable_pages_leave_the_footprint);
    tcase_add_test(tc, reusable_needs_private_writable_memory);
    tcase_add_test(tc, a_fork_takes_reusable_pages_back_for_both);
    tcase_add_test(tc, share_modes_follow_xnu);
    tcase_add_test(tc, port_names_are_per_slot_and_generation);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(entries_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
