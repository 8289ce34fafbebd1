/* Unit tests for the page queues and the pageout scan (vm/vm_pageout.c), wiring,
 * purgeable objects and the queries behind mach_vm_page_query / mach_vm_region:
 * targets from vm_page_free_reserve, clean file pages dropped and paged in again
 * (with read-ahead onto the speculative queue), reactivation by reference bits and its
 * limit, victims chosen as vps_choose_victim_page does, the speculative aging bins,
 * purgeable token aging and forced purges, dirty anonymous pages parked when there is
 * no compressor, ghosts of evicted file pages in the phantom cache, and the queue
 * invariant through a mixed workload. Where a test checks a rule of XNU, the XNU
 * function is named. */
#include <check.h>
#include "tests/unit/vm_fixture.h"
#include "vm/vm_compressor.h"

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

/* vm_page_free_reserve on iOS: a reserve of 100 + 28 pages whatever the RAM, the caps
 * on the totals; a machine of a few MB keeps 7/8 of its frames. */
START_TEST(targets_follow_vm_page_free_reserve)
{
    struct vm_targets t;
    const uint32_t MB = 64;                             /* frames */
    vm_pageout_targets_for(64 * MB, 64 * MB - 100, true, &t);
    ck_assert_uint_eq(t.reserved, 128);
    ck_assert_uint_eq(t.free_min, 128 + 10 + (64 * MB - 228) / 200);
    ck_assert_uint_eq(t.free_target, 128 + 15 + (64 * MB - 228) / 100);
    vm_pageout_targets_for(64 * MB, 64 * MB - 100, false, &t);
    ck_assert_uint_eq(t.reserved, 100);                 /* no compressor: no 28 */
    /* 4 GB: the target's total is capped (2000), the min's not yet. */
    vm_pageout_targets_for(4096 * MB, 4096 * MB, true, &t);
    ck_assert_uint_eq(t.free_target, 2000);
    ck_assert_uint_eq(t.free_min, 128 + 10 + (4096 * MB - 128) / 200);
    /* 8 GB: both capped at the totals (1500, 2000), the reserve still 128. */
    vm_pageout_targets_for(8192 * MB, 8192 * MB, true, &t);
    ck_assert_uint_eq(t.reserved, 128);
    ck_assert_uint_eq(t.free_min, 1500);
    ck_assert_uint_eq(t.free_target, 2000);
    /* 8 MB (the fixture, no compressor): the reserve is 1/8 of the frames. */
    uint32_t reserve = 512 / 8, avail = 511 - reserve;
    ck_assert_uint_eq(vm.targets.reserved, reserve);
    ck_assert_uint_eq(vm.targets.free_min, reserve + 10 + avail / 200);
    ck_assert_uint_eq(vm.targets.free_target, reserve + 15 + avail / 100);
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
    /* The inactive target is half of active + inactive: the last page stays active. */
    ck_assert_uint_eq(vm.q[VM_PAGE_Q_THROTTLED].count, 15);
    ck_assert_uint_eq(vm.q[VM_PAGE_Q_ACTIVE].count, 1);
    ck_assert_uint_eq(vm.stats.throttled, 15);
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
    struct vm_ledgers l;
    vm_map_ledgers(map, &l);
    ck_assert_uint_eq(l.phys_footprint, u.footprint);
    ck_assert_uint_eq(l.purgeable_volatile, u.volatile_resident);
    ck_assert_uint_eq(l.purgeable_volatile_compressed, u.volatile_compressed);
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

/* n pages of a file at va and n anonymous pages at va2, all on their inactive queues
 * with their reference bits clear. */
static void inactive_file_and_anon(uint64_t va, uint64_t va2, unsigned n)
{
    char path[64];
    enter_obj(va, n * PG, file_object(n * PG, path), 0, true, R);
    enter_anon(va2, n * PG, RW, VM_PROT_ALL);
    for (unsigned i = 0; i < n; i++) {
        fault_ok(va + i * PG, R);
        fault_ok(va2 + i * PG, W);
        memset(gptr(va2 + i * PG), (int)i + 1, 256);
    }
    for (unsigned i = 0; i < n; i++) {
        vm_page_deactivate(&vm, &vm.pages[pmap_extract(pm, va + i * PG)]);
        vm_page_deactivate(&vm, &vm.pages[pmap_extract(pm, va2 + i * PG)]);
    }
    ck_assert_uint_eq(vm.q[VM_PAGE_Q_INACTIVE_EXTERNAL].count, n);
    ck_assert_uint_eq(vm.q[VM_PAGE_Q_INACTIVE_INTERNAL].count, n);
}

static void with_compressor(void)
{
    struct vm_compressor_config cfg = { .codec = COMPRESSOR_CODEC_HYBRID };
    ck_assert_int_eq(vm_compressor_init(&vm, &cfg), 0);
}

static void without_compressor(void)
{
    destroy_and_check_frames();
    vm_compressor_fini(&vm);
}

/* vps_choose_victim_page: with the file cache under its floor's reach (the compressor
 * low on space: no floor) and small beside Jetsam's critical line, anonymous and
 * file-backed pages are taken in turn, at most ANONS_GRABBED_LIMIT (2) anonymous ones
 * in a row. */
START_TEST(victims_interleave_anonymous_and_file_pages)
{
    with_compressor();
    static compressor_handle_t z[941];
    uint8_t zero[PG] = { 0 };
    for (unsigned i = 0; i < 941; i++)              /* 941 of 960: low on space */
        ck_assert_int_eq(compressor_put(vm.compressor, zero, &z[i]), 0);
    ck_assert(compressor_low_on_space(vm.compressor));
    inactive_file_and_anon(BASE, BASE + 64 * PG, 40);
    const struct compressor_stats *cs = compressor_stats(vm.compressor);
    uint64_t c0 = cs->compressions;
    want_frames(9);
    vm_pageout_scan(&vm);
    uint64_t anon = cs->compressions - c0, file = vm.stats.reclaimed;
    ck_assert_uint_ge(file, 3);
    ck_assert_uint_ge(anon, 2 * file);              /* A A F A A F ...: cut anywhere */
    ck_assert_uint_le(anon, 2 * file + 2);
    ck_assert_uint_eq(vm.stats.throttled, 0);
    for (unsigned i = 0; i < 941; i++)
        ck_assert_int_eq(compressor_free(vm.compressor, &z[i]), 0);
    check_queues();
    without_compressor();
}
END_TEST

/* The same, with a file cache well above the critical line (file pages x 2 > critical
 * x 5, vm_pageout_memorystatus_fb_factor): file pages only. */
START_TEST(a_large_file_cache_goes_first)
{
    with_compressor();
    static compressor_handle_t z[941];
    uint8_t zero[PG] = { 0 };
    for (unsigned i = 0; i < 941; i++)
        ck_assert_int_eq(compressor_put(vm.compressor, zero, &z[i]), 0);
    inactive_file_and_anon(BASE, BASE + 128 * PG, 100);   /* 100 x 2 > 25 x 5 */
    uint64_t c0 = compressor_stats(vm.compressor)->compressions;
    want_frames(9);
    vm_pageout_scan(&vm);
    ck_assert_uint_eq(compressor_stats(vm.compressor)->compressions, c0);
    ck_assert_uint_eq(vm.stats.reclaimed, 9);
    for (unsigned i = 0; i < 941; i++)
        ck_assert_int_eq(compressor_free(vm.compressor, &z[i]), 0);
    check_queues();
    without_compressor();
}
END_TEST

/* vps_calculate_filecache_min: while the compressor has room, a file cache under 10/70
 * of the non-compressed memory is kept: anonymous pages go, and once there are none
 * the file pages met are reactivated, all but one in a hundred. */
START_TEST(the_file_cache_floor_keeps_file_pages)
{
    with_compressor();
    inactive_file_and_anon(BASE, BASE + 64 * PG, 40);    /* 40 < 10/70 of ~450 */
    const struct compressor_stats *cs = compressor_stats(vm.compressor);
    want_frames(16);
    vm_pageout_scan(&vm);
    ck_assert_uint_eq(vm.stats.reclaimed, 0);
    ck_assert_uint_ge(cs->compressions, 16);
    for (unsigned i = 0; i < 40; i++)                     /* no anonymous page left */
        if (pmap_extract(pm, BASE + (64 + i) * PG) != PFN_NONE)
            vm_compressor_pageout(&vm, &vm.pages[pmap_extract(pm, BASE + (64 + i) * PG)]);
    ck_assert_uint_eq(vm.q[VM_PAGE_Q_INACTIVE_INTERNAL].count, 0);
    uint64_t reactivated = vm.stats.filecache_reactivated;
    want_frames(2);
    vm_pageout_scan(&vm);
    ck_assert_uint_eq(vm.stats.filecache_reactivated, reactivated);   /* no anonymous: taken */
    ck_assert_uint_ge(vm.stats.reclaimed, 1);
    check_queues();
    without_compressor();
}
END_TEST

/* VM_PAGE_REACTIVATE_LIMIT: one scan reactivates at most (active + inactive) / 4
 * referenced pages; past that it takes them anyway. */
START_TEST(reactivations_are_limited_per_scan)
{
    char path[64];
    enter_obj(BASE, 64 * PG, file_object(64 * PG, path), 0, true, R);
    for (unsigned i = 0; i < 64; i++)
        fault_ok(BASE + i * PG, R);
    for (unsigned i = 0; i < 64; i++)
        vm_page_deactivate(&vm, &vm.pages[pmap_extract(pm, BASE + i * PG)]);
    for (unsigned i = 0; i < 64; i++)
        ck_assert_int_eq(fault_ok(BASE + i * PG, R), VM_FAULT_FAST);   /* referenced again */
    want_frames(4);
    vm_pageout_scan(&vm);
    ck_assert_uint_eq(vm.stats.reactivations, 15);      /* the 16th reaches the limit */
    ck_assert_uint_eq(vm.stats.reactivation_limit, 4);
    ck_assert_uint_eq(vm.stats.reclaimed, 4);
    check_queues();
    destroy_and_check_frames();
}
END_TEST

static uint64_t clock_ms;
static uint64_t fake_now(void *ctx) { (void)ctx; return clock_ms; }

/* n pages of obj from offset `from`, read ahead: onto the speculative queue. */
static void read_ahead(struct vm_object *obj, unsigned from, unsigned n)
{
    for (unsigned i = from; i < from + n; i++) {
        struct vm_page *pg = vm_page_grab(&vm);
        ck_assert_ptr_nonnull(pg);
        vm_page_insert(&vm, pg, obj, (uint64_t)i * PG);
        vm_page_speculate(&vm, pg);
    }
}

/* vm_page_speculate and vps_age_speculative_queue: read-ahead pages wait in 500 ms
 * bins and are taken only once their bin is 5 s past its close (or the queue is over
 * 5% of active + inactive); a bin reused after ten is aged at once. */
START_TEST(speculative_pages_age_in_bins)
{
    char path[64];
    vm.env.now_ms = fake_now;
    clock_ms = 1000;
    struct vm_object *spec = file_object(64 * PG, path);
    enter_obj(BASE, 200 * PG, file_object(200 * PG, path), 0, true, R);
    for (unsigned i = 0; i < 200; i++)
        fault_ok(BASE + i * PG, R);                     /* 200 active: a target of 10 */
    read_ahead(spec, 0, 4);                             /* bin 1, closes at 1500 */
    clock_ms = 1600;
    read_ahead(spec, 4, 4);                             /* bin 2, closes at 2100 */
    ck_assert_uint_eq(vm.spec.count[1], 4);
    ck_assert_uint_eq(vm.spec.count[2], 4);
    want_frames(4);
    vm_pageout_scan(&vm);
    ck_assert_uint_eq(vm.q[VM_PAGE_Q_SPECULATIVE].count, 8);    /* young: kept */
    ck_assert_uint_eq(vm.stats.reclaimed, 4);
    clock_ms = 1500 + 5000;                             /* bin 1 is ripe, bin 2 not */
    want_frames(4);
    vm_pageout_scan(&vm);
    ck_assert_uint_eq(vm.q[VM_PAGE_Q_SPECULATIVE].count, 4);
    ck_assert_uint_eq(vm.spec.count[2], 4);
    ck_assert_uint_eq(vm.stats.speculative_aged, 1);
    ck_assert_uint_eq(vm.stats.reclaimed, 8);
    /* Ten bins later bin 2's turn comes again: its pages are aged on the way. */
    for (unsigned b = 0; b < 10; b++) {
        clock_ms += 600;
        read_ahead(spec, 8 + b, 1);
    }
    ck_assert_uint_eq(vm.spec.count[0], 4);
    ck_assert_uint_eq(vm.spec.count[2], 1);
    vm_object_deallocate(spec);
    check_queues();
    destroy_and_check_frames();
}
END_TEST

static enum vm_pressure_level level;
static enum vm_pressure_level fake_level(void *ctx) { (void)ctx; return level; }

static uint64_t purgeable_at(uint64_t va, unsigned n, int group)
{
    uint64_t a = va;
    ck_assert_int_eq(vm_map_enter(map, &a, n * PG, VM_FLAGS_FIXED | VM_FLAGS_PURGABLE, NULL, 0,
                                  false, RW, VM_PROT_ALL, VM_INHERIT_COPY, "purgeable"),
                     KERN_SUCCESS);
    for (unsigned i = 0; i < n; i++)
        fault_ok(va + i * PG, W);
    int state = VM_PURGABLE_VOLATILE | group << 8;    /* VM_VOLATILE_GROUP_SHIFT */
    ck_assert_int_eq(vm_map_purgable_control(map, va, VM_PURGABLE_SET_STATE, &state), KERN_SUCCESS);
    return va;
}

static int state_of(uint64_t va)
{
    int state;
    ck_assert_int_eq(vm_map_purgable_control(map, va, VM_PURGABLE_GET_STATE, &state), KERN_SUCCESS);
    return state & 3;
}

/* vm_purgeable_token_add, vm_purgeable_q_advance_all, vm_purgeable_object_purge_one: a
 * volatile object waits until the pages that were inactive when it became volatile
 * have left the inactive queues; under pressure the groups below 2 (warning), 5
 * (urgent) or 8 (critical) go without waiting (vps_purge_object). */
START_TEST(purgeable_tokens_age_and_pressure_forces)
{
    enter_anon(BASE, 20 * PG, RW, VM_PROT_ALL);
    for (unsigned i = 0; i < 20; i++) {
        fault_ok(BASE + i * PG, W);
        vm_page_deactivate(&vm, &vm.pages[pmap_extract(pm, BASE + i * PG)]);
    }
    uint64_t a = purgeable_at(BASE + 32 * PG, 4, 0);  /* its token counts 20 pages */
    ck_assert_uint_eq(vm.tokens.n, 1);
    ck_assert_uint_eq(vm.tokens.ripe, 0);
    ck_assert(!vm_purgeable_purge_one(&vm, 0));
    for (unsigned i = 0; i < 19; i++)                  /* 19 of them leave */
        vm_page_activate(&vm, &vm.pages[pmap_extract(pm, BASE + i * PG)]);
    ck_assert(!vm_purgeable_purge_one(&vm, 0));
    ck_assert_int_eq(state_of(a), VM_PURGABLE_VOLATILE);
    vm_page_activate(&vm, &vm.pages[pmap_extract(pm, BASE + 19 * PG)]);
    ck_assert_uint_eq(vm.tokens.ripe, 1);
    ck_assert(vm_purgeable_purge_one(&vm, 0));
    ck_assert_int_eq(state_of(a), VM_PURGABLE_EMPTY);
    ck_assert_uint_eq(vm.tokens.n, 0);

    /* Two more, in groups 1 and 4, behind 20 inactive anonymous pages: not ripe.
     * Ten file pages give the scan something to free at normal pressure. */
    char path[64];
    enter_obj(BASE + 64 * PG, 10 * PG, file_object(10 * PG, path), 0, true, R);
    for (unsigned i = 0; i < 10; i++) {
        fault_ok(BASE + (64 + i) * PG, R);
        vm_page_deactivate(&vm, &vm.pages[pmap_extract(pm, BASE + (64 + i) * PG)]);
    }
    for (unsigned i = 0; i < 20; i++)
        vm_page_deactivate(&vm, &vm.pages[pmap_extract(pm, BASE + i * PG)]);
    uint64_t g1 = purgeable_at(BASE + 40 * PG, 4, 1), g4 = purgeable_at(BASE + 48 * PG, 4, 4);
    vm.env.pressure = fake_level;
    level = VM_PRESSURE_NORMAL;
    want_frames(1);
    vm_pageout_scan(&vm);                              /* two parked, a file page freed */
    ck_assert_uint_eq(vm.stats.reclaimed, 1);
    ck_assert_int_eq(state_of(g1), VM_PURGABLE_VOLATILE);
    ck_assert_int_eq(state_of(g4), VM_PURGABLE_VOLATILE);
    level = VM_PRESSURE_WARNING;                       /* groups 0 and 1 */
    want_frames(4);
    vm_pageout_scan(&vm);
    ck_assert_int_eq(state_of(g1), VM_PURGABLE_EMPTY);
    ck_assert_int_eq(state_of(g4), VM_PURGABLE_VOLATILE);
    ck_assert_uint_eq(vm.stats.forced_purges, 1);
    level = VM_PRESSURE_CRITICAL;                      /* groups 0 to 7 */
    want_frames(4);
    vm_pageout_scan(&vm);
    ck_assert_int_eq(state_of(g4), VM_PURGABLE_EMPTY);
    ck_assert_uint_eq(vm.stats.forced_purges, 2);
    ck_assert_uint_eq(vm.stats.purged_objects, 3);     /* the first by hand */
    check_queues();
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
    tcase_add_test(tc, targets_follow_vm_page_free_reserve);
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
    tcase_add_test(tc, victims_interleave_anonymous_and_file_pages);
    tcase_add_test(tc, a_large_file_cache_goes_first);
    tcase_add_test(tc, the_file_cache_floor_keeps_file_pages);
    tcase_add_test(tc, reactivations_are_limited_per_scan);
    tcase_add_test(tc, speculative_pages_age_in_bins);
    tcase_add_test(tc, purgeable_tokens_age_and_pressure_forces);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
