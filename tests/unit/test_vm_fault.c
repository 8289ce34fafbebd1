/* Unit tests for vm/vm_fault.c on an in-process machine (phys + mmu + vm + one map):
 * zero fill, soft faults, invalid and protection faults, copy-on-write through a shadow,
 * reference/modify emulation, the vnode pager (page-in, the tail past EOF, SIGBUS past
 * the last page), statistics, the trace hook, and frame accounting after destroy. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vm/vm_fault.h"
#include "vm/vm_map.h"
#include "tests/unit/vm_fixture.h"


/* An anonymous object of `pages` pages whose page 0 is resident and holds `byte`s. */
static struct vm_object *object_with_data(unsigned pages, uint8_t byte)
{
    struct vm_object *obj = vm_object_allocate(&vm, pages * PG);
    ck_assert_ptr_nonnull(obj);
    struct vm_page *pg = vm_page_grab(&vm);
    ck_assert_ptr_nonnull(pg);
    phys_will_write(&p, vm_page_pfn(&vm, pg));
    memset(phys_ptr(&p, vm_page_pfn(&vm, pg)), byte, PG);
    vm_page_insert(&vm, pg, obj, 0);
    vm_page_activate(&vm, pg);
    return obj;
}

/* --- anonymous memory -------------------------------------------------------- */

START_TEST(zero_fill_first_touch)
{
    enter_anon(BASE, 4 * PG, RW, VM_PROT_ALL);
    ck_assert_uint_eq(xlate(BASE + 5, R, NULL), MMU_FAULT_TRANSLATION);
    uint64_t zf = vm.stats.zero_fill, faults = vm.stats.faults;
    /* Dirty the frame that will be handed out, as a previous owner would have (frames
     * never used are known to be zero): zero fill must really zero it. */
    static pfn_t used[RAM / PG];
    unsigned n = 0;
    for (pfn_t f; (f = phys_alloc(&p, PHYS_VM)) != PFN_NONE; used[n++] = f) {
        phys_will_write(&p, f);
        memset(phys_ptr(&p, f), 0xee, PG);
    }
    while (n)
        phys_free(&p, used[--n]);      /* the lowest comes back first, dirty */
    ck_assert_uint_eq(((uint8_t *)phys_ptr(&p, p.free_head))[PG - 1], 0xee);

    ck_assert_int_eq(fault_ok(BASE + 5, R), VM_FAULT_ZERO_FILL);
    ck_assert_uint_eq(vm.stats.zero_fill, zf + 1);
    ck_assert_uint_eq(vm.stats.faults, faults + 1);
    ck_assert_uint_eq(map->stats.faults[VM_FAULT_ZERO_FILL], 1);
    pfn_t f;
    ck_assert_int_eq(xlate(BASE + 5, R, &f), MMU_OK);
    ck_assert_uint_eq(f, pmap_extract(pm, BASE));
    const uint8_t *b = phys_ptr(&p, f);
    for (size_t i = 0; i < PG; i++)
        ck_assert_uint_eq(b[i], 0);
    ck_assert_ptr_nonnull(vm.pages[f].object);
    ck_assert_uint_eq(vm.pages[f].offset, 0);
    ck_assert_uint_eq(vm.pages[f].queue, VM_PAGE_Q_ACTIVE);
    ck_assert_uint_eq(p.use[f], PHYS_VM);

    /* Another page of the entry: a second zero fill, at its offset in the same object. */
    ck_assert_int_eq(fault_ok(BASE + 3 * PG, W), VM_FAULT_ZERO_FILL);
    ck_assert_uint_eq(vm.stats.zero_fill, zf + 2);
    pfn_t f3 = pmap_extract(pm, BASE + 3 * PG);
    ck_assert_uint_ne(f3, f);
    ck_assert_ptr_eq(vm.pages[f3].object, vm.pages[f].object);
    ck_assert_uint_eq(vm.pages[f3].offset, 3 * PG);
    ck_assert_int_eq(xlate(BASE + 3 * PG, W, NULL), MMU_OK);   /* the write was granted */
    ck_assert_uint_eq(vm.pages[f].object->resident, 2);
    ck_assert_uint_eq(pm->resident, 2);
    destroy_and_check_frames();
}
END_TEST

START_TEST(soft_fault_after_pmap_remove)
{
    enter_anon(BASE, 2 * PG, RW, VM_PROT_ALL);
    ck_assert_int_eq(fault_ok(BASE + PG, W), VM_FAULT_ZERO_FILL);
    pfn_t f = pmap_extract(pm, BASE + PG);
    phys_will_write(&p, f);
    memcpy(gptr(BASE + PG + 10), "soft", 4);
    pmap_remove(pm, BASE + PG, BASE + 2 * PG);
    ck_assert_uint_eq(pmap_extract(pm, BASE + PG), PFN_NONE);
    ck_assert_uint_eq(xlate(BASE + PG, R, NULL), MMU_FAULT_TRANSLATION);

    uint64_t soft = vm.stats.soft_faults, zf = vm.stats.zero_fill;
    ck_assert_int_eq(fault_ok(BASE + PG + 10, R), VM_FAULT_SOFT);
    ck_assert_uint_eq(vm.stats.soft_faults, soft + 1);
    ck_assert_uint_eq(vm.stats.zero_fill, zf);
    ck_assert_uint_eq(pmap_extract(pm, BASE + PG), f);         /* the same frame again */
    ck_assert_mem_eq(gptr(BASE + PG + 10), "soft", 4);
    ck_assert_uint_eq(map->stats.faults[VM_FAULT_SOFT], 1);
    destroy_and_check_frames();
}
END_TEST

START_TEST(invalid_and_protection_faults)
{
    enter_anon(BASE, PG, R, R);
    enter_anon(BASE + 2 * PG, PG, VM_PROT_NONE, VM_PROT_ALL);
    uint64_t inval = vm.stats.invalid_faults;
    enum vm_fault_kind k;

    /* Nothing mapped: before, between and after the entries, and far away. */
    uint64_t holes[] = { BASE - 1, BASE + PG, BASE + 3 * PG, 0x10, 0x7fff00000000ull };
    for (unsigned i = 0; i < sizeof holes / sizeof *holes; i++) {
        k = VM_FAULT_NKINDS;
        ck_assert_int_eq(vm_fault(map, holes[i], R, &k), KERN_INVALID_ADDRESS);
        ck_assert_int_eq(k, VM_FAULT_INVALID);
    }
    /* Write to a read-only entry: first untouched, then after a read mapped it. */
    ck_assert_int_eq(vm_fault(map, BASE + 8, W, &k), KERN_PROTECTION_FAILURE);
    ck_assert_int_eq(k, VM_FAULT_INVALID);
    ck_assert_uint_eq(pmap_extract(pm, BASE), PFN_NONE);
    ck_assert_int_eq(fault_ok(BASE + 8, R), VM_FAULT_ZERO_FILL);
    ck_assert_int_eq(vm_fault(map, BASE + 8, W, &k), KERN_PROTECTION_FAILURE);
    ck_assert_int_eq(k, VM_FAULT_INVALID);
    ck_assert_int_eq(xlate(BASE + 8, W, NULL), MMU_FAULT_PERMISSION);
    ck_assert_int_eq(vm_fault(map, BASE + 8, VM_PROT_EXECUTE, &k), KERN_PROTECTION_FAILURE);
    /* PROT_NONE: every access fails. */
    ck_assert_int_eq(vm_fault(map, BASE + 2 * PG, R, &k), KERN_PROTECTION_FAILURE);
    ck_assert_int_eq(vm_fault(map, BASE + 2 * PG, W, &k), KERN_PROTECTION_FAILURE);
    ck_assert_uint_eq(vm.stats.invalid_faults, inval + 5 + 5);
    ck_assert_uint_eq(map->stats.faults[VM_FAULT_INVALID], 10);
    ck_assert_uint_eq(p.count[PHYS_VM], 1);
    destroy_and_check_frames();
}
END_TEST

START_TEST(ref_mod_emulation)
{
    enter_anon(BASE, PG, RW, VM_PROT_ALL);
    ck_assert_int_eq(fault_ok(BASE, R), VM_FAULT_ZERO_FILL);
    pfn_t f = pmap_extract(pm, BASE);
    ck_assert(!pmap_is_modified(&m, f));
    /* Mapped read-only until the first write, which the pmap resolves. */
    ck_assert_int_eq(xlate(BASE, R, NULL), MMU_OK);
    ck_assert_int_eq(xlate(BASE, W, NULL), MMU_FAULT_PERMISSION);
    uint64_t fast = vm.stats.fast_faults;
    ck_assert_int_eq(fault_ok(BASE, W), VM_FAULT_FAST);
    ck_assert_uint_eq(vm.stats.fast_faults, fast + 1);
    ck_assert_uint_eq(map->stats.faults[VM_FAULT_FAST], 1);
    ck_assert(pmap_is_modified(&m, f));
    ck_assert(pmap_is_referenced(&m, f));
    ck_assert_uint_eq(pmap_extract(pm, BASE), f);
    ck_assert_int_eq(xlate(BASE, W, NULL), MMU_OK);

    /* Clearing the reference bit re-arms the access-flag trap: fast again. */
    pmap_clear_reference(&m, f);
    ck_assert_int_eq(xlate(BASE, R, NULL), MMU_FAULT_ACCESS_FLAG);
    ck_assert_int_eq(fault_ok(BASE, R), VM_FAULT_FAST);
    ck_assert(pmap_is_referenced(&m, f));
    ck_assert_int_eq(xlate(BASE, R, NULL), MMU_OK);
    destroy_and_check_frames();
}
END_TEST

/* --- copy-on-write ------------------------------------------------------------- */

START_TEST(cow_through_shadow)
{
    struct vm_object *obj = object_with_data(2, 0x5a);
    vm_object_reference(obj);                       /* one reference per mapping */
    uint64_t a = BASE, b = BASE + 8 * PG;
    enter_obj(a, 2 * PG, obj, 0, true, RW);
    enter_obj(b, 2 * PG, obj, 0, true, RW);
    ck_assert_int_eq(obj->ref_count, 2);
    pfn_t orig = vm_page_pfn(&vm, obj->memq);

    uint64_t cow = vm.stats.cow_faults;
    ck_assert_int_eq(fault_ok(a + 100, W), VM_FAULT_COW);
    ck_assert_uint_eq(vm.stats.cow_faults, cow + 1);
    ck_assert_uint_eq(map->stats.faults[VM_FAULT_COW], 1);
    pfn_t fa = pmap_extract(pm, a);
    ck_assert_uint_ne(fa, orig);
    ck_assert_uint_eq(*gptr(a + 100), 0x5a);       /* the copy has the old data */
    ck_assert_uint_eq(*gptr(a + PG - 1), 0x5a);
    ck_assert_int_eq(xlate(a, W, NULL), MMU_OK);
    phys_will_write(&p, fa);
    *gptr(a + 100) = 0x11;

    /* The entry's object is now a shadow over obj, holding the copy. */
    struct vm_map_entry *ea;
    ck_assert(vm_map_lookup_entry(map, a, &ea));
    ck_assert_ptr_ne(ea->object, obj);
    ck_assert_ptr_eq(ea->object->shadow, obj);
    ck_assert(!ea->needs_copy);
    ck_assert_uint_eq(ea->object->resident, 1);
    ck_assert_ptr_eq(vm.pages[fa].object, ea->object);
    ck_assert_uint_eq(vm.objects, 2);

    /* The other mapping still sees the old data, in the original frame, read-only. */
    ck_assert_int_eq(fault_ok(b + 100, R), VM_FAULT_SOFT);
    ck_assert_uint_eq(pmap_extract(pm, b), orig);
    ck_assert_uint_eq(*gptr(b + 100), 0x5a);
    ck_assert_int_eq(xlate(b, W, NULL), MMU_FAULT_PERMISSION);
    ck_assert_uint_eq(*(uint8_t *)phys_ptr(&p, orig), 0x5a);

    /* Its own write copies too, into a separate shadow. */
    ck_assert_int_eq(fault_ok(b + 100, W), VM_FAULT_COW);
    ck_assert_uint_ne(pmap_extract(pm, b), orig);
    ck_assert_uint_ne(pmap_extract(pm, b), fa);
    ck_assert_uint_eq(*gptr(b + 100), 0x5a);
    ck_assert_uint_eq(*gptr(a + 100), 0x11);

    /* The second page, absent everywhere: zero fill straight into the shadow. */
    ck_assert_int_eq(fault_ok(a + PG, W), VM_FAULT_ZERO_FILL);
    ck_assert_ptr_eq(vm.pages[pmap_extract(pm, a + PG)].object, ea->object);
    destroy_and_check_frames();
}
END_TEST

START_TEST(cow_after_read_mapping)
{
    /* Both mappings read the shared page first, then one writes. */
    struct vm_object *obj = object_with_data(1, 0x3c);
    vm_object_reference(obj);
    uint64_t a = BASE, b = BASE + 4 * PG;
    enter_obj(a, PG, obj, 0, true, RW);
    enter_obj(b, PG, obj, 0, true, RW);
    pfn_t orig = vm_page_pfn(&vm, obj->memq);
    ck_assert_int_eq(fault_ok(a, R), VM_FAULT_SOFT);
    ck_assert_int_eq(fault_ok(b, R), VM_FAULT_SOFT);
    ck_assert_uint_eq(pmap_extract(pm, a), orig);
    ck_assert_int_eq(xlate(a, W, NULL), MMU_FAULT_PERMISSION);

    ck_assert_int_eq(fault_ok(a, W), VM_FAULT_COW);
    pfn_t fa = pmap_extract(pm, a);
    ck_assert_uint_ne(fa, orig);
    phys_will_write(&p, fa);
    memset(gptr(a), 0x99, 16);
    ck_assert_uint_eq(pmap_extract(pm, b), orig);
    ck_assert_uint_eq(*gptr(b), 0x3c);
    ck_assert_uint_eq(*gptr(b + 15), 0x3c);
    ck_assert_int_eq(xlate(b, W, NULL), MMU_FAULT_PERMISSION);
    destroy_and_check_frames();
}
END_TEST

START_TEST(cow_at_object_offset)
{
    /* A mapping of the object's page 1 only: the copy comes from offset PG. */
    struct vm_object *obj = vm_object_allocate(&vm, 2 * PG);
    ck_assert_ptr_nonnull(obj);
    for (unsigned i = 0; i < 2; i++) {
        struct vm_page *pg = vm_page_grab(&vm);
        ck_assert_ptr_nonnull(pg);
        memset(phys_ptr(&p, vm_page_pfn(&vm, pg)), 0x70 + i, PG);
        vm_page_insert(&vm, pg, obj, i * PG);
        vm_page_activate(&vm, pg);             /* every VM page is on a queue */
    }
    enter_obj(BASE, PG, obj, PG, true, RW);
    ck_assert_int_eq(fault_ok(BASE, W), VM_FAULT_COW);
    ck_assert_uint_eq(*gptr(BASE), 0x71);
    destroy_and_check_frames();
}
END_TEST

/* --- the vnode pager ------------------------------------------------------------ */

#define FILE_LEN (PG + 100)

START_TEST(vnode_pagein_and_eof)
{
    char path[64];
    int fd = make_file(path, FILE_LEN);
    ck_assert_int_ge(fd, 0);
    struct vnode *vn = vnode_get(fd, path);
    ck_assert_ptr_nonnull(vn);
    ck_assert_uint_eq(vn->size, FILE_LEN);
    struct vm_object *obj = vm_object_for_vnode(&vm, vn);
    ck_assert_ptr_nonnull(obj);
    ck_assert(!vm_object_internal(obj));
    ck_assert_ptr_eq(vm_object_for_vnode(&vm, vn), obj);   /* one object per file */
    ck_assert_int_eq(obj->ref_count, 2);
    vm_object_deallocate(obj);
    vnode_release(vn);                              /* the object keeps it alive */
    unlink(path);

    enter_obj(BASE, 3 * PG, obj, 0, true, R);
    uint64_t pageins = vm.stats.pageins;
    ck_assert_int_eq(fault_ok(BASE + 1, R), VM_FAULT_PAGEIN);
    ck_assert_uint_eq(vm.stats.pageins, pageins + 1);
    ck_assert_uint_eq(map->stats.faults[VM_FAULT_PAGEIN], 1);
    for (size_t i = 0; i < PG; i++)
        ck_assert_uint_eq(*gptr(BASE + i), (uint8_t)(i * 13 + 1));
    ck_assert_ptr_eq(vm.pages[pmap_extract(pm, BASE)].object, obj);

    /* The last page: the file's 100 bytes, then zeros. */
    ck_assert_int_eq(fault_ok(BASE + PG + 5000, R), VM_FAULT_PAGEIN);
    for (size_t i = 0; i < PG; i++) {
        uint8_t want = i < 100 ? (uint8_t)((PG + i) * 13 + 1) : 0;
        ck_assert_msg(*gptr(BASE + PG + i) == want, "byte %zu of the last page is 0x%x, want 0x%x",
                      i, *gptr(BASE + PG + i), want);
    }
    ck_assert_uint_eq(vm.stats.pageins, pageins + 2);

    /* A page wholly past EOF: KERN_MEMORY_ERROR (SIGBUS), nothing mapped. */
    enum vm_fault_kind k;
    ck_assert_int_eq(vm_fault(map, BASE + 2 * PG, R, &k), KERN_MEMORY_ERROR);
    ck_assert_int_eq(k, VM_FAULT_INVALID);
    ck_assert_int_eq(vm_fault(map, BASE + 3 * PG - 1, R, &k), KERN_MEMORY_ERROR);
    ck_assert_uint_eq(pmap_extract(pm, BASE + 2 * PG), PFN_NONE);
    ck_assert_uint_eq(vm.stats.pageins, pageins + 2);

    /* A resident file page: a soft fault, no second read. */
    pmap_remove(pm, BASE, BASE + PG);
    ck_assert_int_eq(fault_ok(BASE, R), VM_FAULT_SOFT);
    ck_assert_uint_eq(vm.stats.pageins, pageins + 2);

    destroy_and_check_frames();
    /* The object's last reference closed the file. */
    ck_assert_int_eq(fcntl(fd, F_GETFD), -1);
    ck_assert_int_eq(errno, EBADF);
}
END_TEST

START_TEST(vnode_private_write_copies)
{
    char path[64];
    int fd = make_file(path, FILE_LEN);
    struct vnode *vn = vnode_get(fd, path);
    ck_assert_ptr_nonnull(vn);
    struct vm_object *obj = vm_object_for_vnode(&vm, vn);
    vnode_release(vn);
    enter_obj(BASE, 2 * PG, obj, 0, true, RW);

    /* Read (page-in into the file's object), then write: the write copies. */
    ck_assert_int_eq(fault_ok(BASE, R), VM_FAULT_PAGEIN);
    pfn_t filepg = pmap_extract(pm, BASE);
    ck_assert_int_eq(xlate(BASE, W, NULL), MMU_FAULT_PERMISSION);
    ck_assert_int_eq(fault_ok(BASE, W), VM_FAULT_COW);
    pfn_t copy = pmap_extract(pm, BASE);
    ck_assert_uint_ne(copy, filepg);
    ck_assert_uint_eq(*gptr(BASE + 1), (uint8_t)(1 * 13 + 1));
    phys_will_write(&p, copy);
    *gptr(BASE + 1) = 0;
    ck_assert_uint_eq(*(uint8_t *)phys_ptr(&p, filepg) + 0, 1);        /* byte 0 of the file */
    ck_assert_uint_eq(((uint8_t *)phys_ptr(&p, filepg))[1], 14);       /* unchanged */
    /* Writing a page never read: page-in below, copy on top, in one fault. */
    ck_assert_int_eq(fault_ok(BASE + PG, W), VM_FAULT_COW);
    ck_assert_uint_eq(*gptr(BASE + PG), (uint8_t)(PG * 13 + 1));

    /* The host file is unchanged. */
    uint8_t b[2];
    ck_assert_int_eq(pread(fd, b, 2, 0), 2);
    ck_assert_uint_eq(b[1], 14);
    destroy_and_check_frames();
    unlink(path);
}
END_TEST

/* --- trace and accounting ---------------------------------------------------------- */

static struct vm_fault_event events[16];
static unsigned nevents;
static void record(void *ctx, const struct vm_fault_event *ev)
{
    ck_assert_ptr_eq(ctx, &nevents);
    if (nevents < 16)
        events[nevents] = *ev;
    nevents++;
}

START_TEST(trace_hook_sees_every_fault)
{
    vm.trace = record;
    vm.trace_ctx = &nevents;
    nevents = 0;
    map->owner = 7;
    enter_anon(BASE, 2 * PG, RW, VM_PROT_ALL);
    fault_ok(BASE + 0x123, R);
    fault_ok(BASE + 0x123, W);
    ck_assert_int_eq(vm_fault(map, BASE + 4 * PG, R, NULL), KERN_INVALID_ADDRESS);
    ck_assert_uint_eq(nevents, 3);
    ck_assert_int_eq(events[0].task, 7);
    ck_assert_uint_eq(events[0].va, BASE + 0x123);
    ck_assert_uint_eq(events[0].access, R);
    ck_assert_int_eq(events[0].kind, VM_FAULT_ZERO_FILL);
    ck_assert_int_eq(events[0].result, KERN_SUCCESS);
    ck_assert_uint_eq(events[0].pfn, pmap_extract(pm, BASE));
    ck_assert_uint_ne(events[0].object, 0);
    ck_assert_int_eq(events[1].kind, VM_FAULT_FAST);
    ck_assert_uint_eq(events[1].access, W);
    ck_assert_int_eq(events[2].kind, VM_FAULT_INVALID);
    ck_assert_int_eq(events[2].result, KERN_INVALID_ADDRESS);
    ck_assert_uint_eq(events[2].pfn, PFN_NONE);
    ck_assert_uint_eq(events[2].object, 0);
    vm.trace = NULL;
    destroy_and_check_frames();
}
END_TEST

START_TEST(exhaustion_and_accounting)
{
    /* Touch more pages than RAM holds: dirty anonymous memory cannot be paged out
     * without the compressor, so faults fail cleanly once only the reserve (kept for
     * page tables) is left. */
    uint64_t len = (uint64_t)p.nframes * PG;
    enter_anon(BASE, len, RW, VM_PROT_ALL);
    unsigned ok = 0;
    kern_return_t kr = KERN_SUCCESS;
    for (uint64_t va = BASE; va < BASE + len; va += PG) {
        kr = vm_fault(map, va, W, NULL);
        if (kr != KERN_SUCCESS)
            break;
        ok++;
    }
    ck_assert_int_eq(kr, KERN_RESOURCE_SHORTAGE);
    ck_assert_uint_gt(ok, p.nframes / 2);
    ck_assert_uint_eq(p.count[PHYS_FREE], vm.targets.reserved);
    ck_assert_uint_eq(p.count[PHYS_VM], ok);
    ck_assert_uint_eq(vm.stats.shortages, 1);
    ck_assert_uint_eq(vm.stats.reclaimed, 0);
    ck_assert_uint_gt(vm.q[VM_PAGE_Q_THROTTLED].count, 0);
    char why[128];
    ck_assert_msg(vm_page_queues_check(&vm, why, sizeof why), "%s", why);
    destroy_and_check_frames();
}
END_TEST

START_TEST(fault_range_makes_resident)
{
    enter_anon(BASE, 8 * PG, RW, VM_PROT_ALL);
    ck_assert_int_eq(vm_fault_range(map, BASE + PG + 1, BASE + 5 * PG, W), KERN_SUCCESS);
    ck_assert_uint_eq(pm->resident, 4);
    for (unsigned i = 1; i < 5; i++)
        ck_assert_int_eq(xlate(BASE + i * PG, W, NULL), MMU_OK);
    ck_assert_uint_eq(pmap_extract(pm, BASE), PFN_NONE);
    ck_assert_uint_eq(pmap_extract(pm, BASE + 5 * PG), PFN_NONE);
    ck_assert_int_eq(vm_fault_range(map, BASE + 7 * PG, BASE + 10 * PG, R), KERN_INVALID_ADDRESS);
    destroy_and_check_frames();
}
END_TEST


/* --- fork ---------------------------------------------------------------------- */

static uint8_t read_in(struct vm_map *mp, uint64_t va)
{
    ck_assert_int_eq(vm_fault(mp, va, R, NULL), KERN_SUCCESS);
    pfn_t f = pmap_extract(mp->pmap, va);
    ck_assert_uint_ne(f, PFN_NONE);
    return *((uint8_t *)phys_ptr(&p, f) + (va & PAGE_MASK));
}

START_TEST(fork_copy_on_write_both_ways)
{
    enter_anon(BASE, 4 * PG, RW, VM_PROT_ALL);
    fault_ok(BASE, W);
    *gptr(BASE) = 0x11;
    struct pmap *cpm = pmap_create(&m);
    ck_assert_ptr_nonnull(cpm);
    struct vm_map *child = vm_map_fork(map, cpm);
    ck_assert_ptr_nonnull(child);
    /* The parent's writable mapping is now read-only: its next write copies. */
    ck_assert_int_eq(xlate(BASE, W, NULL), MMU_FAULT_PERMISSION);
    ck_assert_int_eq(fault_ok(BASE, W), VM_FAULT_COW);
    phys_will_write(&p, pmap_extract(pm, BASE));
    *gptr(BASE) = 0x22;
    ck_assert_uint_eq(read_in(child, BASE), 0x11);
    /* The child's write copies too and leaves the parent alone. */
    ck_assert_int_eq(vm_fault(child, BASE + 8, W, NULL), KERN_SUCCESS);
    *((uint8_t *)phys_ptr(&p, pmap_extract(cpm, BASE)) + 8) = 0x33;
    ck_assert_uint_eq(*gptr(BASE + 8), 0);
    ck_assert_uint_eq(*gptr(BASE), 0x22);
    vm_map_destroy(child);
    destroy_and_check_frames();
}
END_TEST

static void write_in(struct vm_map *mp, uint64_t va, uint8_t v)
{
    ck_assert_int_eq(vm_fault(mp, va, W, NULL), KERN_SUCCESS);
    pfn_t f = pmap_extract(mp->pmap, va);
    phys_will_write(&p, f);
    *((uint8_t *)phys_ptr(&p, f) + (va & PAGE_MASK)) = v;
}

/* Memory shared with one child (SHARE), then inherited COPY by another: the copy
 * is a snapshot, and the sharing goes on. The copy is delayed: pages are pushed
 * into it only when a sharer is about to change them. */
START_TEST(fork_copy_of_shared_memory_is_a_snapshot)
{
    enter_anon(BASE, 2 * PG, RW, VM_PROT_ALL);
    write_in(map, BASE, 1);
    ck_assert_int_eq(vm_map_inherit(map, BASE, BASE + 2 * PG, VM_INHERIT_SHARE), KERN_SUCCESS);
    struct vm_map *sharer = vm_map_fork(map, pmap_create(&m));
    ck_assert_ptr_nonnull(sharer);
    ck_assert_int_eq(vm_map_inherit(map, BASE, BASE + 2 * PG, VM_INHERIT_COPY), KERN_SUCCESS);
    struct vm_map *copier = vm_map_fork(map, pmap_create(&m));
    ck_assert_ptr_nonnull(copier);
    struct vm_object *copy = copier->header.next->object;
    ck_assert_uint_eq(copy->resident, 0);
    ck_assert_int_eq(xlate(BASE, W, NULL), MMU_FAULT_PERMISSION);   /* writes must push */
    ck_assert_uint_eq(read_in(copier, BASE), 1);     /* maps the shared page, read-only */
    write_in(sharer, BASE, 2);
    write_in(sharer, BASE + PG, 3);
    ck_assert_uint_eq(copy->resident, 2);             /* the old page and a zero page */
    ck_assert_uint_eq(read_in(map, BASE), 2);        /* the parent still shares */
    ck_assert_uint_eq(read_in(map, BASE + PG), 3);
    ck_assert_uint_eq(read_in(copier, BASE), 1);     /* the copy kept the fork's view */
    ck_assert_uint_eq(read_in(copier, BASE + PG), 0);
    write_in(copier, BASE, 9);
    ck_assert_uint_eq(read_in(map, BASE), 2);
    ck_assert_uint_eq(read_in(sharer, BASE), 2);
    vm_map_destroy(copier);
    vm_map_destroy(sharer);
    pmap_activate(&m, pm);
    destroy_and_check_frames();
}
END_TEST

START_TEST(fork_exit_loop_keeps_chain_short)
{
    enter_anon(BASE, 4 * PG, RW, VM_PROT_ALL);
    fault_ok(BASE, W);
    for (int i = 0; i < 50; i++) {
        struct pmap *cpm = pmap_create(&m);
        ck_assert_ptr_nonnull(cpm);
        struct vm_map *child = vm_map_fork(map, cpm);
        ck_assert_ptr_nonnull(child);
        ck_assert_int_eq(fault_ok(BASE, W), VM_FAULT_COW);
        phys_will_write(&p, pmap_extract(pm, BASE));
        *gptr(BASE) = (uint8_t)i;
        vm_map_destroy(child);
    }
    fault_ok(BASE + PG, W);   /* a fault after the last exit collapses what is left */
    ck_assert_uint_le(vm_map_shadow_depth(map, BASE), 2);
    ck_assert_uint_le(vm.objects, 2);
    ck_assert_uint_ge(vm.stats.collapses, 48);
    ck_assert_uint_eq(*gptr(BASE), 49);
    destroy_and_check_frames();
}
END_TEST

/* The O(1) sums that builds with invariants check after every fault. */
START_TEST(totals_check_finds_a_miscount)
{
    enter_anon(BASE, 4 * PG, RW, VM_PROT_ALL);
    for (unsigned i = 0; i < 4; i++)
        fault_ok(BASE + i * PG, W);
    char why[200];
    ck_assert_msg(vm_page_totals_check(&vm, why, sizeof why), "%s", why);
    vm.q[VM_PAGE_Q_ACTIVE].count++;
    ck_assert(!vm_page_totals_check(&vm, why, sizeof why));
    ck_assert_msg(strstr(why, "queued 5"), "%s", why);
    vm.q[VM_PAGE_Q_ACTIVE].count--;
    ck_assert_msg(vm_page_queues_check(&vm, why, sizeof why), "%s", why);
    destroy_and_check_frames();
}
END_TEST

/* With invariant checks built in (make asan), taking a reference on an object whose
 * last one is gone aborts. */
START_TEST(reference_to_a_dead_object_aborts)
{
    struct vm_object *obj = vm_object_allocate(&vm, PG);
    obj->ref_count = 0;
    vm_object_reference(obj);
}
END_TEST

/* One vocabulary: every kind's name parses back to it; the older spellings are aliases. */
START_TEST(kind_names_and_aliases)
{
    for (int k = 0; k < VM_FAULT_NKINDS; k++)
        ck_assert_int_eq(vm_fault_kind_parse(vm_fault_kind_name((enum vm_fault_kind)k)), k);
    ck_assert_str_eq(vm_fault_kind_name(VM_FAULT_ZERO_FILL), "zero-fill");
    ck_assert_str_eq(vm_fault_kind_name(VM_FAULT_PAGEIN), "pagein");
    ck_assert_str_eq(vm_fault_kind_name(VM_FAULT_DECOMPRESS), "decompress");
    ck_assert_int_eq(vm_fault_kind_parse("zero"), VM_FAULT_ZERO_FILL);
    ck_assert_int_eq(vm_fault_kind_parse("file"), VM_FAULT_PAGEIN);
    ck_assert_int_eq(vm_fault_kind_parse("compressed"), VM_FAULT_DECOMPRESS);
    ck_assert_int_eq(vm_fault_kind_parse("bogus"), -1);
    ck_assert_int_eq(vm_fault_kind_parse(""), -1);
}
END_TEST

static Suite *vm_fault_suite(void)
{
    Suite *s = suite_create("vm_fault");
    TCase *an = tcase_create("anonymous");
    tcase_add_checked_fixture(an, setup, teardown);
    tcase_add_test(an, zero_fill_first_touch);
    tcase_add_test(an, soft_fault_after_pmap_remove);
    tcase_add_test(an, invalid_and_protection_faults);
    tcase_add_test(an, ref_mod_emulation);
    tcase_add_test(an, fault_range_makes_resident);
    suite_add_tcase(s, an);

    TCase *cow = tcase_create("copy-on-write");
    tcase_add_checked_fixture(cow, setup, teardown);
    tcase_add_test(cow, cow_through_shadow);
    tcase_add_test(cow, cow_after_read_mapping);
    tcase_add_test(cow, cow_at_object_offset);
    suite_add_tcase(s, cow);

    TCase *vn = tcase_create("vnode pager");
    tcase_add_checked_fixture(vn, setup, teardown);
    tcase_add_test(vn, vnode_pagein_and_eof);
    tcase_add_test(vn, vnode_private_write_copies);
    suite_add_tcase(s, vn);

    TCase *fk = tcase_create("fork");
    tcase_add_checked_fixture(fk, setup, teardown);
    tcase_add_test(fk, fork_copy_on_write_both_ways);
    tcase_add_test(fk, fork_exit_loop_keeps_chain_short);
    tcase_add_test(fk, fork_copy_of_shared_memory_is_a_snapshot);
    suite_add_tcase(s, fk);

    TCase *acc = tcase_create("trace and accounting");
    tcase_add_checked_fixture(acc, setup, teardown);
    tcase_set_timeout(acc, 30);
    tcase_add_test(acc, trace_hook_sees_every_fault);
    tcase_add_test(acc, exhaustion_and_accounting);
    tcase_add_test(acc, totals_check_finds_a_miscount);
    tcase_add_test(acc, kind_names_and_aliases);
    if (VM_INVARIANTS)
        tcase_add_test_raise_signal(acc, reference_to_a_dead_object_aborts, SIGABRT);
    suite_add_tcase(s, acc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(vm_fault_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
