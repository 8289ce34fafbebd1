/* Unit tests for the page queues and the pageout scan (vm/vm_pageout.c), wiring,
 * purgeable objects and the queries behind mach_vm_page_query / mach_vm_region:
 * targets from the iOS formulas, clean file pages dropped and paged in again (with
 * read-ahead onto the speculative queue),
 * reactivation by reference bits, dirty anonymous pages parked, volatile objects
 * emptied, ghosts of evicted file pages in the phantom cache, and the queue invariant
 * through a mixed workload. */
#include <check.h>
#include "tests/unit/vm_fixture.h"

static void check_queues(void)
{
    char why[160];
    ck_assert_msg(vm_page_queues_check(&vm, why, sizeof why), "%s", why);
}

static struct vm_object *file_object(uint64_t len, char *path)
{
    int fd = make_file(path, len);
    struct vnode *vn = vnode_get(fd, path);
    ck_assert_ptr_nonnull(vn);
    struct vm_object *obj = vm_object_for_vnode(&vm, vn);
    vnode_release(vn);
    unlink(path);
    return obj;
}

/* Makes the next allocation find fewer free frames than the target. */
static void want_frames(uint32_t n)
{
    vm.targets.free_target = p.count[PHYS_FREE] + n;
}

START_TEST(targets_follow_the_ios_formulas)
{
    /* 8 MB: 512 frames, frame 0 reserved. */
    uint32_t reserve = 512 / 64 + 28, avail = 511 - reserve;
    ck_assert_uint_eq(vm.targets.reserved, reserve);
    ck_assert_uint_eq(vm.targets.free_min, reserve + 10 + avail / 200);
    ck_assert_uint_eq(vm.targets.free_target, reserve + 15 + avail / 100);
    ck_assert_uint_ge(vm.targets.free_target, vm.targets.free_min + 5);
    check_queues();
}
END_TEST

START_TEST(clean_file_pages_are_dropped_and_paged_in_again)
{
    char path[64];
    uint64_t len = 2ull * RAM;             /* twice the machine */
    enter_obj(BASE, len, file_object(len, path), 0, true, R);
    unsigned hard = 0, soft = 0;
    for (uint64_t off = 0; off < len; off += PG) {
        enum vm_fault_kind k = fault_ok(BASE + off, R);
        if (k == VM_FAULT_PAGEIN) {
            hard++;
        } else {
            ck_assert_int_eq(k, VM_FAULT_SOFT);    /* read ahead: found on the speculative queue */
            soft++;
        }
        ck_assert_uint_eq(*gptr(BASE + off + 7), (uint8_t)((off + 7) * 13 + 1));
        ck_assert_uint_gt(p.count[PHYS_FREE], vm.targets.reserved);
    }
    ck_assert_uint_gt(soft, 0);                  /* read ahead, while frames allowed it */
    ck_assert_uint_eq(vm.stats.pageins, hard + vm.stats.read_ahead);
    ck_assert_uint_ge(vm.stats.read_ahead, soft);
    ck_assert_uint_gt(vm.stats.reclaimed, len / PG / 2);
    ck_assert_uint_eq(vm.stats.shortages, 0);
    check_queues();
    /* The first page went long ago: touching it again is a hard fault. */
    ck_assert_uint_eq(pmap_extract(pm, BASE), PFN_NONE);
    ck_assert_int_eq(fault_ok(BASE + 3, R), VM_FAULT_PAGEIN);
    ck_assert_uint_eq(*gptr(BASE + 3), (uint8_t)(3 * 13 + 1));
    ck_assert_uint_eq(vm.stats.pageins, hard + vm.stats.read_ahead + 1);
    destroy_and_check_frames();
}
END_TEST

START_TEST(referenced_pages_are_reactivated)
{
    char path[64];
    enter_obj(BASE, 8 * PG, file_object(8 * PG, path), 0, true, R);
    for (unsigned i = 0; i < 8; i++)
        fault_ok(BASE + i * PG, R);
    ck_assert_uint_eq(vm.q[VM_PAGE_Q_ACTIVE].count, 8);
    for (unsigned i = 0; i < 8; i++)
        vm_page_deactivate(&vm, &vm.pages[pmap_extract(pm, BASE + i * PG)]);
    ck_assert_uint_eq(vm.q[VM_PAGE_Q_INACTIVE_EXTERNAL].count, 8);
    /* Deactivation cleared AF: the next access is a reference fault. */
    pfn_t hot = pmap_extract(pm, BASE + 2 * PG);
    ck_assert_int_eq(xlate(BASE + 2 * PG, R, NULL), MMU_FAULT_ACCESS_FLAG);
    ck_assert_int_eq(fault_ok(BASE + 2 * PG, R), VM_FAULT_FAST);
    ck_assert(pmap_is_referenced(&m, hot));

    want_frames(7);
    vm_pageout_scan(&vm);
    ck_assert_uint_eq(vm.stats.reactivations, 1);
    ck_assert_uint_eq(vm.pages[hot].queue, VM_PAGE_Q_ACTIVE);
    ck_assert_uint_eq(pmap_extract(pm, BASE + 2 * PG), hot);
    ck_assert_uint_eq(vm.stats.reclaimed, 7);
    ck_assert_uint_eq(pmap_extract(pm, BASE), PFN_NONE);
    check_queues();
    destroy_and_check_frames();
}
END_TEST

/* vm_phantom_cache_add_ghost and vm_phantom_cache_update: each file page the pageout
 * drops leaves a ghost; a page-in of it finds the ghost once. */
START_TEST(evicted_file_pages_leave_ghosts)
{
    char path[64];
    enter_obj(BASE, 8 * PG, file_object(8 * PG, path), 0, true, R);
    for (unsigned i = 0; i < 8; i++)
        fault_ok(BASE + i * PG, R);
    ck_assert_uint_eq(vm.phantom.added, 0);
    ck_assert_uint_eq(vm.phantom.found, 0);             /* first reads: no ghost */
    for (unsigned i = 0; i < 8; i++)
        vm_page_deactivate(&vm, &vm.pages[pmap_extract(pm, BASE + i * PG)]);
    want_frames(8);
    vm_pageout_scan(&vm);
    ck_assert_uint_eq(vm.stats.reclaimed, 8);
    ck_assert_uint_eq(vm.phantom.added, 8);
    ck_assert_int_eq(fault_ok(BASE + 5 * PG, R), VM_FAULT_PAGEIN);
    ck_assert_uint_eq(vm.phantom.found, 1);
    vm_page_deactivate(&vm, &vm.pages[pmap_extract(pm, BASE + 5 * PG)]);
    ck_assert_int_eq(fault_ok(BASE + 5 * PG, R), VM_FAULT_FAST);
    ck_assert_uint_eq(vm.phantom.found, 1);             /* resident: no page-in */
    destroy_and_check_frames();
}
END_TEST

/* The ring holds RAM's pages / 10 / 4 ghosts (16 here, four pages each): a page evicted
 * long ago has lost its ghost. */
START_TEST(old_ghosts_are_forgotten)
{
    char path[64];
    uint64_t len = 2ull * RAM;
    enter_obj(BASE, len, file_object(len, path), 0, true, R);
    for (uint64_t off = 0; off < len; off += PG)
        fault_ok(BASE + off, R);
    ck_assert_uint_eq(vm.phantom.size, 16);
    ck_assert_uint_gt(vm.phantom.added, 16 * 4);
    ck_assert_uint_eq(vm.phantom.found, 0);
    ck_assert_int_eq(fault_ok(BASE, R), VM_FAULT_PAGEIN);
    ck_assert_uint_eq(vm.phantom.found, 0);
    destroy_and_check_frames();
}
END_TEST

START_TEST(dirty_anonymous_pages_are_parked_not_lost)
{
    enter_anon(BASE, 16 * PG, RW, VM_PROT_ALL);
    for (unsigned i = 0; i < 16; i++) {
        fault_ok(BASE + i * PG, W);
        phys_will_write(&p, pmap_extract(pm, BASE + i * PG));
        *gptr(BASE + i * PG) = (uint8_t)(0xa0 + i);
    }
    want_frames(16);
    ck_assert_uint_eq(vm_pageout_scan(&vm), 0);
    ck_assert_uint_eq(vm.q[VM_PAGE_Q_THROTTLED].count, 16);
    ck_assert_uint_eq(vm.stats.throttled, 16);
    check_queues();
    for (unsigned i = 0; i < 16; i++) {
        fault_ok(BASE + i * PG, R);    /* fast (AF cleared) or nothing to do */
        ck_assert_uint_eq(*gptr(BASE + i * PG), (uint8_t)(0xa0 + i));
    }
    destroy_and_check_frames();
}
END_TEST

START_TEST(volatile_objects_are_emptied_first)
{
    uint64_t a = BASE;
    int state;
    ck_assert_int_eq(vm_map_enter(map, &a, 4 * PG, VM_FLAGS_FIXED | VM_FLAGS_PURGABLE, NULL, 0,
                                  false, RW, VM_PROT_ALL, VM_INHERIT_COPY, "purgeable"),
                     KERN_SUCCESS);
    enter_anon(BASE + 8 * PG, PG, RW, VM_PROT_ALL);
    ck_assert_int_eq(vm_map_purgable_control(map, BASE + 8 * PG, VM_PURGABLE_GET_STATE, &state),
                     KERN_INVALID_ARGUMENT);         /* not purgeable */
    for (unsigned i = 0; i < 4; i++)
        fault_ok(BASE + i * PG, W);
    state = VM_PURGABLE_VOLATILE;
    ck_assert_int_eq(vm_map_purgable_control(map, BASE, VM_PURGABLE_SET_STATE, &state), KERN_SUCCESS);
    ck_assert_int_eq(state, VM_PURGABLE_NONVOLATILE);                 /* the old state */
    struct vm_page_counts c;
    vm_page_counts(&vm, &c);
    ck_assert_uint_eq(c.purgeable, 4);

    want_frames(1);
    vm_pageout_scan(&vm);
    ck_assert_uint_eq(vm.stats.purges, 4);
    ck_assert_int_eq(vm_map_purgable_control(map, BASE, VM_PURGABLE_GET_STATE, &state), KERN_SUCCESS);
    ck_assert_int_eq(state, VM_PURGABLE_EMPTY);
    /* Touching emptied memory is an error until it is made nonvolatile again. */
    ck_assert_int_eq(vm_fault(map, BASE, R, NULL), KERN_MEMORY_ERROR);
    state = VM_PURGABLE_NONVOLATILE;
    ck_assert_int_eq(vm_map_purgable_control(map, BASE, VM_PURGABLE_SET_STATE, &state), KERN_SUCCESS);
    ck_assert_int_eq(state, VM_PURGABLE_EMPTY);
    ck_assert_int_eq(fault_ok(BASE + 5, R), VM_FAULT_ZERO_FILL);
    ck_assert_uint_eq(*gptr(BASE + 5), 0);
    state = VM_PURGABLE_DENY;
    ck_assert_int_eq(vm_map_purgable_control(map, BASE, VM_PURGABLE_SET_STATE, &state),
                     KERN_INVALID_ARGUMENT);
    check_queues();
    destroy_and_check_frames();
}
END_TEST

/* Jetsam reads the footprint from the pmap's ledgers; it must match a walk of every page
 * through each change: faults, a volatile region, unmapping, a purge. */
static void footprint_agrees(uint32_t want)
{
    struct vm_map_usage u;
    vm_map_usage(map, &u);
    uint32_t vol;
    ck_assert_uint_eq(vm_map_footprint(map, &vol), u.footprint);
    ck_assert_uint_eq(vol, u.volatile_resident);
    ck_assert_uint_eq(u.footprint, want + u.tables);
}

START_TEST(footprint_ledger_matches_a_page_walk)
{
    int state;
    uint64_t a = BASE;
    ck_assert_int_eq(vm_map_enter(map, &a, 4 * PG, VM_FLAGS_FIXED | VM_FLAGS_PURGABLE, NULL, 0,
                                  false, RW, VM_PROT_ALL, VM_INHERIT_COPY, "cache"),
                     KERN_SUCCESS);
    enter_anon(BASE + 8 * PG, 4 * PG, RW, VM_PROT_ALL);
    footprint_agrees(0);
    for (unsigned i = 0; i < 4; i++) {
        fault_ok(BASE + i * PG, W);
        fault_ok(BASE + (8 + i) * PG, i & 1 ? R : W);
    }
    footprint_agrees(8);
    state = VM_PURGABLE_VOLATILE;
    ck_assert_int_eq(vm_map_purgable_control(map, BASE, VM_PURGABLE_SET_STATE, &state), KERN_SUCCESS);
    footprint_agrees(4);                             /* volatile pages are not counted */
    ck_assert_int_eq(vm_map_remove(map, BASE + 10 * PG, BASE + 12 * PG), KERN_SUCCESS);
    footprint_agrees(2);
    want_frames(1);
    vm_pageout_scan(&vm);                            /* purges the volatile region */
    footprint_agrees(2);
    state = VM_PURGABLE_NONVOLATILE;
    ck_assert_int_eq(vm_map_purgable_control(map, BASE, VM_PURGABLE_SET_STATE, &state), KERN_SUCCESS);
    fault_ok(BASE, W);
    footprint_agrees(3);
    destroy_and_check_frames();
}
END_TEST

START_TEST(wired_pages_stay)
{
    enter_anon(BASE, 4 * PG, RW, VM_PROT_ALL);
    enter_anon(BASE + 8 * PG, PG, R, R);
    ck_assert_int_eq(vm_map_wire(map, BASE + PG, BASE + 3 * PG, R), KERN_SUCCESS);
    ck_assert_uint_eq(vm.q[VM_PAGE_Q_WIRED].count, 2);
    ck_assert_uint_eq(pm->wired, 2);
    ck_assert_uint_eq(map->nentries, 4);             /* clipped around the wired part */
    ck_assert_int_eq(vm_map_wire(map, BASE + PG, BASE + 2 * PG, R), KERN_SUCCESS);   /* nests */
    want_frames(64);
    vm_pageout_scan(&vm);
    ck_assert_uint_eq(vm.q[VM_PAGE_Q_WIRED].count, 2);
    ck_assert_int_eq(xlate(BASE + PG, W, NULL), MMU_OK);   /* wired with write: copy made */
    check_queues();

    ck_assert_int_eq(vm_map_wire(map, BASE + 3 * PG, BASE + 5 * PG, R), KERN_INVALID_ADDRESS);
    ck_assert_int_eq(vm_map_wire(map, BASE + 8 * PG, BASE + 9 * PG, W), KERN_PROTECTION_FAILURE);
    ck_assert_int_eq(vm_map_unwire(map, BASE, BASE + PG), KERN_SUCCESS);   /* not wired: passed over */
    ck_assert_int_eq(vm_map_unwire(map, BASE + PG, BASE + 3 * PG), KERN_SUCCESS);
    ck_assert_uint_eq(vm.q[VM_PAGE_Q_WIRED].count, 1);   /* page 1 was wired twice */
    ck_assert_int_eq(vm_map_unwire(map, BASE + PG, BASE + 2 * PG), KERN_SUCCESS);
    ck_assert_uint_eq(vm.q[VM_PAGE_Q_WIRED].count, 0);
    ck_assert_uint_eq(pm->wired, 0);
    ck_assert_int_eq(vm_map_unwire(map, BASE + PG, BASE + 2 * PG), KERN_SUCCESS);
    ck_assert_int_eq(vm_map_unwire(map, BASE + 3 * PG, BASE + 5 * PG), KERN_INVALID_ADDRESS);
    check_queues();
    destroy_and_check_frames();
}
END_TEST

START_TEST(page_query_and_region)
{
    char path[64];
    int d, refs;
    enter_anon(BASE, 2 * PG, RW, VM_PROT_ALL);
    enter_obj(BASE + 4 * PG, PG, file_object(PG, path), 0, true, RW);
    ck_assert_int_eq(vm_map_page_query(map, BASE, &d, &refs), KERN_SUCCESS);
    ck_assert_int_eq(d, 0);
    fault_ok(BASE, R);
    ck_assert_int_eq(vm_map_page_query(map, BASE, &d, &refs), KERN_SUCCESS);
    ck_assert_int_eq(d, VM_PAGE_QUERY_PAGE_PRESENT | VM_PAGE_QUERY_PAGE_REF);
    fault_ok(BASE, W);
    vm_map_page_query(map, BASE, &d, &refs);
    ck_assert_int_eq(d, VM_PAGE_QUERY_PAGE_PRESENT | VM_PAGE_QUERY_PAGE_REF | VM_PAGE_QUERY_PAGE_DIRTY);
    ck_assert_int_eq(refs, 1);
    fault_ok(BASE + 4 * PG, R);
    vm_map_page_query(map, BASE + 4 * PG, &d, &refs);
    ck_assert_int_eq(d, VM_PAGE_QUERY_PAGE_PRESENT | VM_PAGE_QUERY_PAGE_REF | VM_PAGE_QUERY_PAGE_EXTERNAL);
    fault_ok(BASE + 4 * PG, W);
    vm_map_page_query(map, BASE + 4 * PG, &d, &refs);
    ck_assert_int_eq(d, VM_PAGE_QUERY_PAGE_PRESENT | VM_PAGE_QUERY_PAGE_REF |
                        VM_PAGE_QUERY_PAGE_DIRTY | VM_PAGE_QUERY_PAGE_COPIED);
    ck_assert_int_eq(vm_map_page_query(map, BASE + 3 * PG, &d, &refs), KERN_SUCCESS);
    ck_assert_int_eq(d, 0);                          /* no entry, no page: not an error */

    struct vm_region_info r;
    uint64_t a = BASE + 2 * PG;                      /* in the hole: the next region */
    ck_assert_int_eq(vm_map_region(map, &a, &r), KERN_SUCCESS);
    ck_assert_uint_eq(a, BASE + 4 * PG);
    ck_assert_uint_eq(r.end, BASE + 5 * PG);
    ck_assert_uint_eq(r.resident, 1);
    ck_assert_uint_eq(r.dirty, 1);
    ck_assert_uint_eq(r.shadow_depth, 2);
    ck_assert_int_eq(r.protection, RW);
    a = BASE + 5 * PG;
    ck_assert_int_eq(vm_map_region(map, &a, &r), KERN_INVALID_ADDRESS);
    destroy_and_check_frames();
}
END_TEST

START_TEST(kernel_memory_is_wired_frames)
{
    struct vm_kmem k = { 0 };
    struct vm_page_counts c;
    ck_assert_int_eq(vm_kmem_resize(&vm, &k, 2 * PG + 1), KERN_SUCCESS);
    ck_assert_uint_eq(k.n, 3);
    vm_page_counts(&vm, &c);
    ck_assert_uint_eq(c.kernel, 3);
    ck_assert_uint_eq(c.wired, 3 + p.count[PHYS_PAGETABLE]);
    check_queues();
    ck_assert_int_eq(vm_kmem_resize(&vm, &k, 100), KERN_SUCCESS);
    ck_assert_uint_eq(p.count[PHYS_KERNEL], 1);
    vm_kmem_release(&vm, &k);
    ck_assert_uint_eq(p.count[PHYS_KERNEL], 0);
    ck_assert_ptr_null(k.frames);
    destroy_and_check_frames();
}
END_TEST

/* xorshift: the same workload every run. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* A user's kernel memory (a new task's) stops where fewer than free_target frames would
 * be left; the kernel's own growth goes on below. */
START_TEST(a_charge_leaves_free_target_free)
{
    struct vm_kmem held = { 0 }, k = { 0 };
    uint32_t above = p.count[PHYS_FREE] - vm.targets.free_target;
    ck_assert_int_eq(vm_kmem_resize(&vm, &held, (uint64_t)(above - 2) * PG), KERN_SUCCESS);
    ck_assert_uint_eq(p.count[PHYS_FREE], vm.targets.free_target + 2);
    uint64_t refused = vm.stats.shortages;
    ck_assert_int_eq(vm_kmem_charge(&vm, &k, 3 * PG), KERN_RESOURCE_SHORTAGE);
    ck_assert_uint_eq(k.n, 0);
    ck_assert_uint_eq(vm.stats.shortages, refused + 1);
    ck_assert_int_eq(vm_kmem_charge(&vm, &k, 2 * PG), KERN_SUCCESS);
    ck_assert_uint_eq(p.count[PHYS_FREE], vm.targets.free_target);
    ck_assert_int_eq(vm_kmem_charge(&vm, &k, 2 * PG), KERN_SUCCESS);   /* nothing more */
    ck_assert_int_eq(vm_kmem_charge(&vm, &k, 3 * PG), KERN_RESOURCE_SHORTAGE);
    ck_assert_int_eq(vm_kmem_resize(&vm, &k, 3 * PG), KERN_SUCCESS);
    ck_assert_uint_eq(p.count[PHYS_FREE], vm.targets.free_target - 1);
    check_queues();
    vm_kmem_release(&vm, &k);
    vm_kmem_release(&vm, &held);
    destroy_and_check_frames();
}
END_TEST

START_TEST(queues_stay_consistent_under_a_mixed_load)
{
    char path[64];
    const uint64_t anon = BASE, file = BASE + 1024 * PG, n = 640;
    enter_anon(anon, n * PG, RW, VM_PROT_ALL);
    enter_obj(file, n * PG, file_object(n * PG, path), 0, true, RW);
    struct vm_map *child = NULL;
    for (unsigned step = 0; step < 6000; step++) {
        uint64_t r = next_rand(), page = (r >> 8) % n;
        switch (r % 8) {
        case 0: case 1: vm_fault(map, anon + page * PG, (r & 0x100) ? W : R, NULL); break;
        case 2: case 3: vm_fault(map, file + page * PG, (r & 0x100) ? W : R, NULL); break;
        case 4: vm_map_discard(map, anon + page * PG, anon + (page + 1) * PG); break;
        case 5:
            if (child) {
                vm_map_destroy(child);
                child = NULL;
            } else {
                child = vm_map_fork(map, pmap_create(&m));
            }
            break;
        case 6: want_frames(8); vm_pageout_scan(&vm); break;
        default: vm_map_protect(map, file + page * PG, file + (page + 1) * PG, R, false); break;
        }
        if (step % 500 == 0)
            check_queues();
    }
    check_queues();
    ck_assert_uint_gt(vm.stats.reclaimed, 0);
    ck_assert_uint_gt(vm.stats.deactivations, 0);
    if (child)
        vm_map_destroy(child);
    pmap_activate(&m, pm);
    destroy_and_check_frames();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vm_pageout");
    TCase *tc = tcase_create("pageout");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, targets_follow_the_ios_formulas);
    tcase_add_test(tc, clean_file_pages_are_dropped_and_paged_in_again);
    tcase_add_test(tc, referenced_pages_are_reactivated);
    tcase_add_test(tc, evicted_file_pages_leave_ghosts);
    tcase_add_test(tc, old_ghosts_are_forgotten);
    tcase_add_test(tc, dirty_anonymous_pages_are_parked_not_lost);
    tcase_add_test(tc, volatile_objects_are_emptied_first);
    tcase_add_test(tc, footprint_ledger_matches_a_page_walk);
    tcase_add_test(tc, wired_pages_stay);
    tcase_add_test(tc, page_query_and_region);
    tcase_add_test(tc, kernel_memory_is_wired_frames);
    tcase_add_test(tc, a_charge_leaves_free_target_free);
    tcase_add_test(tc, queues_stay_consistent_under_a_mixed_load);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
