/* Unit tests for vm/vm_map.c on an in-process machine (phys + mmu + vm + one map):
 * vm_map_enter FIXED / ANYWHERE / OVERWRITE, clipping by protect and remove (and the
 * pages of a removed piece freed unless something else maps them), coalescing
 * of compatible neighbours, max_protection, vm_map_move, vm_map_discard, frame
 * accounting after vm_map_destroy; lookups and first-fit searches among many entries
 * (the tree over the list), the limit on entries, and the count of purgeable entries
 * the ledgers visit (kept through clips, merges, removal, fork, copy-on-write and
 * discard; the footprint's peak kept by faults in a map without any). Guest memory is read and written
 * through pmap_extract + phys_ptr after vm_fault made it resident. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "vm/vm_fault.h"
#include "vm/vm_map.h"
#include "vm/vm_map_tree.h"
#include "tests/unit/vm_fixture.h"



static kern_return_t enter(uint64_t *addr, uint64_t size, int flags, vm_prot_t cur, vm_prot_t max)
{
    return vm_map_enter(map, addr, size, flags, NULL, 0, false, cur, max, VM_INHERIT_COPY,
                        "test");
}

static void enter_at(uint64_t addr, uint64_t size, vm_prot_t cur, vm_prot_t max)
{
    uint64_t a = addr;
    ck_assert_int_eq(enter(&a, size, VM_FLAGS_FIXED, cur, max), KERN_SUCCESS);
    ck_assert_uint_eq(a, addr);
}

static uint8_t peek(uint64_t va)
{
    ck_assert_int_eq(vm_fault(map, va, VM_PROT_READ, NULL), KERN_SUCCESS);
    return *gptr(va);
}

static void poke(uint64_t va, uint8_t v)
{
    ck_assert_int_eq(vm_fault(map, va, VM_PROT_WRITE, NULL), KERN_SUCCESS);
    phys_will_write(&p, pmap_extract(map->pmap, va));
    *gptr(va) = v;
}

/* The n-th entry of the map (0 = lowest). */
static struct vm_map_entry *nth(unsigned n)
{
    struct vm_map_entry *e = map->header.next;
    for (unsigned i = 0; i < n; i++) {
        ck_assert_ptr_ne(e, &map->header);
        e = e->next;
    }
    ck_assert_ptr_ne(e, &map->header);
    return e;
}

static void assert_entry(unsigned n, uint64_t start, uint64_t end)
{
    struct vm_map_entry *e = nth(n);
    ck_assert_msg(e->start == start && e->end == end,
                  "entry %u is [0x%llx-0x%llx), expected [0x%llx-0x%llx)", n,
                  (unsigned long long)e->start, (unsigned long long)e->end,
                  (unsigned long long)start, (unsigned long long)end);
}

/* --- vm_map_enter ------------------------------------------------------------ */

START_TEST(enter_fixed_and_overlap)
{
    enter_at(BASE, 4 * PG, RW, VM_PROT_ALL);
    ck_assert_uint_eq(map->nentries, 1);
    ck_assert_uint_eq(map->size, 4 * PG);
    assert_entry(0, BASE, BASE + 4 * PG);
    ck_assert(vm_map_range_mapped(map, BASE, BASE + 4 * PG));
    ck_assert(!vm_map_range_mapped(map, BASE, BASE + 5 * PG));
    ck_assert(vm_map_range_free(map, BASE + 4 * PG, BASE + 8 * PG));

    /* Overlapping at the start, in the middle, at the end, and covering it. */
    uint64_t tries[][2] = {
        { BASE - PG, 2 * PG }, { BASE + PG, PG }, { BASE + 3 * PG, 2 * PG }, { BASE - PG, 8 * PG },
    };
    for (unsigned i = 0; i < sizeof tries / sizeof *tries; i++) {
        uint64_t a = tries[i][0];
        ck_assert_int_eq(enter(&a, tries[i][1], VM_FLAGS_FIXED, RW, VM_PROT_ALL), KERN_NO_SPACE);
        ck_assert_uint_eq(a, tries[i][0]);
    }
    ck_assert_uint_eq(map->nentries, 1);
    ck_assert_uint_eq(map->size, 4 * PG);

    /* A failed enter consumes the object reference it was given. */
    struct vm_object *obj = vm_object_allocate(&vm, PG);
    ck_assert_uint_eq(vm.objects, 1);
    uint64_t a = BASE;
    ck_assert_int_eq(vm_map_enter(map, &a, PG, VM_FLAGS_FIXED, obj, 0, false, RW, VM_PROT_ALL,
                                  VM_INHERIT_COPY, "obj"), KERN_NO_SPACE);
    ck_assert_uint_eq(vm.objects, 0);

    /* Bad arguments. */
    a = BASE + 100;
    ck_assert_int_eq(enter(&a, PG, VM_FLAGS_FIXED, RW, VM_PROT_ALL), KERN_INVALID_ARGUMENT);
    a = BASE + 16 * PG;
    ck_assert_int_eq(enter(&a, PG + 1, VM_FLAGS_FIXED, RW, VM_PROT_ALL), KERN_INVALID_ARGUMENT);
    ck_assert_int_eq(enter(&a, 0, VM_FLAGS_FIXED, RW, VM_PROT_ALL), KERN_INVALID_ARGUMENT);
    ck_assert_int_eq(enter(&a, PG, VM_FLAGS_FIXED, RW, R), KERN_INVALID_ARGUMENT); /* cur > max */
    a = 0;                          /* below map->min */
    ck_assert_int_eq(enter(&a, PG, VM_FLAGS_FIXED, RW, VM_PROT_ALL), KERN_INVALID_ADDRESS);
    a = (1ull << 47) - PG;          /* runs past map->max */
    ck_assert_int_eq(enter(&a, 2 * PG, VM_FLAGS_FIXED, RW, VM_PROT_ALL), KERN_INVALID_ADDRESS);
    ck_assert_uint_eq(map->nentries, 1);
    destroy_and_check_frames();
}
END_TEST

START_TEST(enter_anywhere)
{
    /* From 0: the first fit is map->min. */
    uint64_t a = 0;
    ck_assert_int_eq(enter(&a, 2 * PG, VM_FLAGS_ANYWHERE, RW, VM_PROT_ALL), KERN_SUCCESS);
    ck_assert_uint_eq(a, 0x10000);

    enter_at(BASE, 4 * PG, RW, R | VM_PROT_EXECUTE | VM_PROT_WRITE);
    enter_at(BASE + 5 * PG, 2 * PG, R, R);     /* a one-page hole at BASE + 4 PG */

    /* A hint inside an entry moves past it; one page fits the hole, two do not. */
    a = BASE + PG;
    ck_assert_int_eq(enter(&a, PG, VM_FLAGS_ANYWHERE, R, R), KERN_SUCCESS);
    ck_assert_uint_eq(a, BASE + 4 * PG);
    a = BASE;
    ck_assert_int_eq(enter(&a, 2 * PG, VM_FLAGS_ANYWHERE, R, VM_PROT_ALL), KERN_SUCCESS);
    ck_assert_uint_eq(a, BASE + 7 * PG);
    /* The hint must be page aligned (vm_map.h), like the size. */
    a = BASE + 20 * PG + 1;
    ck_assert_int_eq(enter(&a, PG, VM_FLAGS_ANYWHERE, R, R), KERN_INVALID_ARGUMENT);
    a = BASE + 20 * PG;
    ck_assert_int_eq(enter(&a, PG, VM_FLAGS_ANYWHERE, R, VM_PROT_READ | VM_PROT_EXECUTE),
                     KERN_SUCCESS);
    ck_assert_uint_eq(a, BASE + 20 * PG);
    /* Nothing fits above the top. */
    a = (1ull << 47) - PG;
    ck_assert_int_eq(enter(&a, 2 * PG, VM_FLAGS_ANYWHERE, RW, VM_PROT_ALL), KERN_NO_SPACE);

    /* Entries stay sorted and disjoint. */
    uint64_t last = 0;
    unsigned n = 0;
    for (struct vm_map_entry *e = map->header.next; e != &map->header; e = e->next, n++) {
        ck_assert_uint_ge(e->start, last);
        ck_assert_uint_lt(e->start, e->end);
        last = e->end;
    }
    ck_assert_uint_eq(n, map->nentries);
    destroy_and_check_frames();
}
END_TEST

START_TEST(enter_overwrite)
{
    enter_at(BASE, 4 * PG, RW, VM_PROT_ALL);
    for (unsigned i = 0; i < 4; i++)
        poke(BASE + i * PG + 7, (uint8_t)(0xa0 + i));

    /* Replace pages 1-2 with fresh read-only anonymous memory. */
    uint64_t a = BASE + PG;
    ck_assert_int_eq(enter(&a, 2 * PG, VM_FLAGS_FIXED | VM_FLAGS_OVERWRITE, R, R), KERN_SUCCESS);
    ck_assert_uint_eq(a, BASE + PG);
    ck_assert_uint_eq(map->nentries, 3);
    ck_assert_uint_eq(map->size, 4 * PG);
    assert_entry(0, BASE, BASE + PG);
    assert_entry(1, BASE + PG, BASE + 3 * PG);
    assert_entry(2, BASE + 3 * PG, BASE + 4 * PG);
    ck_assert_uint_eq(nth(1)->protection, R);
    ck_assert_uint_eq(pmap_extract(pm, BASE + PG), PFN_NONE);   /* old mappings gone */
    ck_assert_uint_eq(pmap_extract(pm, BASE + 2 * PG), PFN_NONE);

    ck_assert_uint_eq(peek(BASE + 7), 0xa0);
    ck_assert_uint_eq(peek(BASE + PG + 7), 0);
    ck_assert_uint_eq(peek(BASE + 2 * PG + 7), 0);
    ck_assert_uint_eq(peek(BASE + 3 * PG + 7), 0xa3);
    ck_assert_int_eq(vm_fault(map, BASE + PG, VM_PROT_WRITE, NULL), KERN_PROTECTION_FAILURE);

    /* OVERWRITE of free space is a plain FIXED enter. */
    a = BASE + 10 * PG;
    ck_assert_int_eq(enter(&a, PG, VM_FLAGS_FIXED | VM_FLAGS_OVERWRITE, RW, VM_PROT_ALL),
                     KERN_SUCCESS);
    ck_assert_uint_eq(map->nentries, 4);
    destroy_and_check_frames();
}
END_TEST

START_TEST(adjacent_enters_coalesce)
{
    enter_at(BASE, 2 * PG, RW, VM_PROT_ALL);
    enter_at(BASE + 2 * PG, 3 * PG, RW, VM_PROT_ALL);
    ck_assert_uint_eq(map->nentries, 1);
    assert_entry(0, BASE, BASE + 5 * PG);
    ck_assert_uint_eq(map->size, 5 * PG);
    /* One below, too. */
    enter_at(BASE - PG, PG, RW, VM_PROT_ALL);
    ck_assert_uint_eq(map->nentries, 1);
    assert_entry(0, BASE - PG, BASE + 5 * PG);

    /* Incompatible neighbours stay apart: other protection, other tag, a gap. */
    enter_at(BASE + 5 * PG, PG, R, VM_PROT_ALL);
    ck_assert_uint_eq(map->nentries, 2);
    uint64_t a = BASE + 6 * PG;
    ck_assert_int_eq(vm_map_enter(map, &a, PG, VM_FLAGS_FIXED, NULL, 0, false, R, VM_PROT_ALL,
                                  VM_INHERIT_COPY, "other tag"), KERN_SUCCESS);
    ck_assert_uint_eq(map->nentries, 3);
    enter_at(BASE + 8 * PG, PG, R, VM_PROT_ALL);
    ck_assert_uint_eq(map->nentries, 4);
    /* Filling the gap joins it with the entry after, not with the other-tag one. */
    enter_at(BASE + 7 * PG, PG, R, VM_PROT_ALL);
    ck_assert_uint_eq(map->nentries, 4);
    assert_entry(3, BASE + 7 * PG, BASE + 9 * PG);
    ck_assert_uint_eq(map->size, 10 * PG);
    destroy_and_check_frames();
}
END_TEST

/* --- clipping ------------------------------------------------------------------ */

START_TEST(protect_clips_and_merges_back)
{
    enter_at(BASE, 8 * PG, RW, VM_PROT_ALL);
    for (unsigned i = 0; i < 8; i++)
        poke(BASE + i * PG + 1, (uint8_t)(0x10 + i));   /* allocates the entry's object */
    struct vm_object *obj = nth(0)->object;
    ck_assert_ptr_nonnull(obj);
    ck_assert_int_eq(obj->ref_count, 1);

    ck_assert_int_eq(vm_map_protect(map, BASE + 2 * PG, BASE + 5 * PG, R, false), KERN_SUCCESS);
    ck_assert_uint_eq(map->nentries, 3);
    ck_assert_uint_eq(map->size, 8 * PG);
    assert_entry(0, BASE, BASE + 2 * PG);
    assert_entry(1, BASE + 2 * PG, BASE + 5 * PG);
    assert_entry(2, BASE + 5 * PG, BASE + 8 * PG);
    ck_assert_uint_eq(nth(0)->protection, RW);
    ck_assert_uint_eq(nth(1)->protection, R);
    ck_assert_uint_eq(nth(2)->protection, RW);
    /* The pieces share the object at consecutive offsets. */
    for (unsigned i = 0; i < 3; i++)
        ck_assert_ptr_eq(nth(i)->object, obj);
    ck_assert_int_eq(obj->ref_count, 3);
    ck_assert_uint_eq(nth(0)->offset, 0);
    ck_assert_uint_eq(nth(1)->offset, 2 * PG);
    ck_assert_uint_eq(nth(2)->offset, 5 * PG);

    /* Lowered rights take effect at once; the data is unchanged. */
    struct mmu_xlate x;
    struct mmu_fault f;
    ck_assert_int_eq(mmu_translate(&m, BASE + 3 * PG, VM_PROT_WRITE, &x, &f), MMU_FAULT_PERMISSION);
    ck_assert_int_eq(vm_fault(map, BASE + 3 * PG, VM_PROT_WRITE, NULL), KERN_PROTECTION_FAILURE);
    ck_assert_int_eq(mmu_translate(&m, BASE + PG, VM_PROT_WRITE, &x, &f), MMU_OK);
    for (unsigned i = 0; i < 8; i++)
        ck_assert_uint_eq(peek(BASE + i * PG + 1), 0x10 + i);

    /* Protecting it back merges the three into one again. */
    ck_assert_int_eq(vm_map_protect(map, BASE + 2 * PG, BASE + 5 * PG, RW, false), KERN_SUCCESS);
    ck_assert_uint_eq(map->nentries, 1);
    assert_entry(0, BASE, BASE + 8 * PG);
    ck_assert_ptr_eq(nth(0)->object, obj);
    ck_assert_uint_eq(nth(0)->offset, 0);
    ck_assert_int_eq(obj->ref_count, 1);
    ck_assert_uint_eq(map->size, 8 * PG);
    poke(BASE + 3 * PG + 1, 0x77);
    ck_assert_uint_eq(peek(BASE + 3 * PG + 1), 0x77);
    destroy_and_check_frames();
}
END_TEST

START_TEST(protect_untouched_merges_back)
{
    enter_at(BASE, 6 * PG, RW, VM_PROT_ALL);
    ck_assert_int_eq(vm_map_protect(map, BASE + PG, BASE + 2 * PG, VM_PROT_NONE, false),
                     KERN_SUCCESS);
    ck_assert_uint_eq(map->nentries, 3);
    ck_assert_int_eq(vm_fault(map, BASE + PG, VM_PROT_READ, NULL), KERN_PROTECTION_FAILURE);
    ck_assert_int_eq(vm_map_protect(map, BASE + PG, BASE + 2 * PG, RW, false), KERN_SUCCESS);
    ck_assert_uint_eq(map->nentries, 1);
    assert_entry(0, BASE, BASE + 6 * PG);
    ck_assert_uint_eq(peek(BASE + PG), 0);
    destroy_and_check_frames();
}
END_TEST

START_TEST(protect_beyond_max_fails_and_changes_nothing)
{
    enter_at(BASE, 2 * PG, RW, VM_PROT_ALL);
    enter_at(BASE + 2 * PG, 2 * PG, R, R);       /* max READ */
    ck_assert_uint_eq(map->nentries, 2);
    poke(BASE + 5, 0x42);

    ck_assert_int_eq(vm_map_protect(map, BASE + 2 * PG, BASE + 3 * PG, RW, false),
                     KERN_PROTECTION_FAILURE);
    /* Spanning both entries: all or nothing, the first entry is not touched either. */
    ck_assert_int_eq(vm_map_protect(map, BASE + PG, BASE + 4 * PG, VM_PROT_ALL, false),
                     KERN_PROTECTION_FAILURE);
    ck_assert_uint_eq(map->nentries, 2);
    assert_entry(0, BASE, BASE + 2 * PG);
    assert_entry(1, BASE + 2 * PG, BASE + 4 * PG);
    ck_assert_uint_eq(nth(0)->protection, RW);
    ck_assert_uint_eq(nth(0)->max_protection, VM_PROT_ALL);
    ck_assert_uint_eq(nth(1)->protection, R);
    ck_assert_uint_eq(nth(1)->max_protection, R);
    ck_assert_int_eq(vm_fault(map, BASE + 2 * PG, VM_PROT_WRITE, NULL), KERN_PROTECTION_FAILURE);
    poke(BASE + PG, 1);                            /* still writable */

    /* Lowering is allowed; set_max lowers max and clamps cur. */
    ck_assert_int_eq(vm_map_protect(map, BASE, BASE + PG, R, true), KERN_SUCCESS);
    ck_assert_uint_eq(nth(0)->max_protection, R);
    ck_assert_uint_eq(nth(0)->protection, R);
    ck_assert_int_eq(vm_map_protect(map, BASE, BASE + PG, RW, false), KERN_PROTECTION_FAILURE);
    ck_assert_int_eq(vm_map_protect(map, BASE, BASE + PG, RW, true), KERN_PROTECTION_FAILURE);
    ck_assert_uint_eq(nth(0)->max_protection, R);
    ck_assert_uint_eq(peek(BASE + 5), 0x42);

    /* An unmapped hole in the range. */
    ck_assert_int_eq(vm_map_protect(map, BASE + 3 * PG, BASE + 5 * PG, R, false),
                     KERN_INVALID_ADDRESS);
    ck_assert_int_eq(vm_map_protect(map, BASE + 1, BASE + PG, R, false), KERN_INVALID_ARGUMENT);
    destroy_and_check_frames();
}
END_TEST

START_TEST(remove_middle_clips)
{
    struct vm_object *obj = vm_object_allocate(&vm, 16 * PG);
    ck_assert_ptr_nonnull(obj);
    uint64_t a = BASE;
    ck_assert_int_eq(vm_map_enter(map, &a, 8 * PG, VM_FLAGS_FIXED, obj, 4 * PG, false, RW,
                                  VM_PROT_ALL, VM_INHERIT_COPY, "obj"), KERN_SUCCESS);
    for (unsigned i = 0; i < 8; i++)
        poke(BASE + i * PG, (uint8_t)(0x30 + i));
    ck_assert_uint_eq(obj->resident, 8);

    ck_assert_int_eq(vm_map_remove(map, BASE + 3 * PG, BASE + 5 * PG), KERN_SUCCESS);
    ck_assert_uint_eq(map->nentries, 2);
    ck_assert_uint_eq(map->size, 6 * PG);
    assert_entry(0, BASE, BASE + 3 * PG);
    assert_entry(1, BASE + 5 * PG, BASE + 8 * PG);
    ck_assert_ptr_eq(nth(0)->object, obj);
    ck_assert_ptr_eq(nth(1)->object, obj);
    ck_assert_uint_eq(nth(0)->offset, 4 * PG);
    ck_assert_uint_eq(nth(1)->offset, 9 * PG);
    ck_assert_int_eq(obj->ref_count, 2);
    ck_assert_uint_eq(obj->resident, 6);           /* the hole's pages are freed */
    ck_assert_uint_eq(pmap_extract(pm, BASE + 3 * PG), PFN_NONE);
    ck_assert_uint_eq(pmap_extract(pm, BASE + 4 * PG), PFN_NONE);
    ck_assert_int_eq(vm_fault(map, BASE + 3 * PG, VM_PROT_READ, NULL), KERN_INVALID_ADDRESS);
    ck_assert_int_eq(vm_fault(map, BASE + 4 * PG + 100, VM_PROT_READ, NULL), KERN_INVALID_ADDRESS);
    /* The surviving pieces still see their pages. */
    for (unsigned i = 0; i < 8; i++)
        if (i < 3 || i >= 5)
            ck_assert_uint_eq(peek(BASE + i * PG), 0x30 + i);

    /* Removing the front of the second piece, then everything. */
    ck_assert_int_eq(vm_map_remove(map, BASE + 5 * PG, BASE + 6 * PG), KERN_SUCCESS);
    assert_entry(1, BASE + 6 * PG, BASE + 8 * PG);
    ck_assert_uint_eq(nth(1)->offset, 10 * PG);
    ck_assert_uint_eq(peek(BASE + 6 * PG), 0x36);
    ck_assert_int_eq(vm_map_remove(map, BASE + 2 * PG, BASE + 3 * PG + 0), KERN_SUCCESS);
    ck_assert_uint_eq(map->nentries, 2);
    ck_assert_int_eq(vm_map_remove(map, BASE - 10 * PG, BASE + 20 * PG), KERN_SUCCESS);
    ck_assert_uint_eq(map->nentries, 0);
    ck_assert_uint_eq(map->size, 0);
    ck_assert_uint_eq(vm.objects, 0);              /* the last reference went with it */
    ck_assert_int_eq(vm_map_remove(map, BASE + 1, BASE + PG), KERN_INVALID_ARGUMENT);
    destroy_and_check_frames();
}
END_TEST

/* Two untouched neighbours merge into one entry, which gets one object at its first
 * fault: unmapping one of them must free its pages then, not when the other goes. */
START_TEST(remove_frees_the_pages_of_a_merged_neighbour)
{
    enter_at(BASE, 4 * PG, RW, VM_PROT_ALL);
    enter_at(BASE + 4 * PG, 4 * PG, RW, VM_PROT_ALL);
    ck_assert_uint_eq(map->nentries, 1);
    for (unsigned i = 0; i < 8; i++)
        poke(BASE + i * PG, (uint8_t)(0x40 + i));
    struct vm_object *obj = nth(0)->object;
    ck_assert_uint_eq(obj->resident, 8);
    uint32_t free_before = p.count[PHYS_FREE];

    ck_assert_int_eq(vm_map_remove(map, BASE, BASE + 4 * PG), KERN_SUCCESS);
    ck_assert_uint_eq(obj->resident, 4);
    ck_assert_uint_eq(p.count[PHYS_FREE], free_before + 4);
    /* A hole in the middle of what is left frees its page; the rest stays. */
    ck_assert_int_eq(vm_map_remove(map, BASE + 5 * PG, BASE + 6 * PG), KERN_SUCCESS);
    ck_assert_uint_eq(obj->resident, 3);
    ck_assert_uint_eq(p.count[PHYS_FREE], free_before + 5);
    for (unsigned i = 4; i < 8; i++)
        if (i != 5)
            ck_assert_uint_eq(peek(BASE + i * PG), 0x40 + i);
    destroy_and_check_frames();
}
END_TEST

/* Pieces moved apart no longer sit at one distance from their offsets: the pages of
 * the piece removed go all the same; pages another entry maps twice stay. */
START_TEST(remove_frees_moved_pieces_and_keeps_what_is_mapped_twice)
{
    enter_at(BASE, 8 * PG, RW, VM_PROT_ALL);
    for (unsigned i = 0; i < 8; i++)
        poke(BASE + i * PG, (uint8_t)(0x50 + i));
    struct vm_object *obj = nth(0)->object;
    ck_assert_int_eq(vm_map_move(map, BASE + 4 * PG, 4 * PG, BASE + 32 * PG), KERN_SUCCESS);
    ck_assert_int_eq(vm_map_remove(map, BASE, BASE + 4 * PG), KERN_SUCCESS);
    ck_assert_uint_eq(obj->resident, 4);
    for (unsigned i = 4; i < 8; i++)
        ck_assert_uint_eq(peek(BASE + 28 * PG + i * PG), 0x50 + i);

    /* The same pages mapped a second time in the map: removing one mapping keeps them. */
    vm_object_reference(obj);
    enter_obj(BASE + 64 * PG, 4 * PG, obj, 4 * PG, false, RW);
    ck_assert_int_eq(vm_map_remove(map, BASE + 32 * PG, BASE + 36 * PG), KERN_SUCCESS);
    ck_assert_uint_eq(obj->resident, 4);
    for (unsigned i = 4; i < 8; i++)
        ck_assert_uint_eq(peek(BASE + 60 * PG + i * PG), 0x50 + i);
    destroy_and_check_frames();
}
END_TEST

/* What another task still maps stays: a child forked before the unmap reads it. */
START_TEST(remove_keeps_the_pages_a_child_maps)
{
    enter_at(BASE, 4 * PG, RW, VM_PROT_ALL);
    enter_at(BASE + 4 * PG, 4 * PG, RW, VM_PROT_ALL);
    for (unsigned i = 0; i < 8; i++)
        poke(BASE + i * PG, (uint8_t)(0x60 + i));
    struct vm_object *obj = nth(0)->object;
    struct vm_map *child = vm_map_fork(map, pmap_create(&m));
    ck_assert_ptr_nonnull(child);

    ck_assert_int_eq(vm_map_remove(map, BASE, BASE + 4 * PG), KERN_SUCCESS);
    ck_assert_uint_eq(obj->resident, 8);
    for (unsigned i = 0; i < 4; i++) {
        ck_assert_int_eq(vm_fault(child, BASE + i * PG, R, NULL), KERN_SUCCESS);
        pfn_t f = pmap_extract(child->pmap, BASE + i * PG);
        ck_assert_uint_eq(*(uint8_t *)phys_ptr(&p, f), 0x60 + i);
    }
    vm_map_destroy(child);
    destroy_and_check_frames();
}
END_TEST

/* --- move and discard ---------------------------------------------------------- */

START_TEST(move_keeps_contents)
{
    enter_at(BASE, 4 * PG, RW, VM_PROT_ALL);
    for (unsigned i = 0; i < 4; i++) {
        poke(BASE + i * PG, (uint8_t)(0x50 + i));
        poke(BASE + i * PG + PG - 1, (uint8_t)(0x60 + i));
    }
    uint32_t free_before = p.count[PHYS_FREE] + p.count[PHYS_PAGETABLE];
    uint64_t to = BASE + 100 * PG;
    /* The target must be free. */
    enter_at(to + PG, PG, R, R);
    ck_assert_int_eq(vm_map_move(map, BASE + PG, 2 * PG, to), KERN_NO_SPACE);
    ck_assert_uint_eq(map->nentries, 2);
    ck_assert_uint_eq(peek(BASE + PG), 0x51);          /* nothing moved */
    ck_assert_int_eq(vm_map_remove(map, to + PG, to + 2 * PG), KERN_SUCCESS);
    ck_assert_int_eq(vm_map_move(map, BASE + 10 * PG, PG, to), KERN_INVALID_ADDRESS);

    /* Move the middle two pages. */
    ck_assert_int_eq(vm_map_move(map, BASE + PG, 2 * PG, to), KERN_SUCCESS);
    ck_assert_uint_eq(map->size, 4 * PG);
    ck_assert(vm_map_range_free(map, BASE + PG, BASE + 3 * PG));
    ck_assert(vm_map_range_mapped(map, to, to + 2 * PG));
    ck_assert_int_eq(vm_fault(map, BASE + PG, VM_PROT_READ, NULL), KERN_INVALID_ADDRESS);
    for (unsigned i = 1; i < 3; i++) {
        ck_assert_uint_eq(peek(to + (i - 1) * PG), 0x50 + i);
        ck_assert_uint_eq(peek(to + (i - 1) * PG + PG - 1), 0x60 + i);
    }
    ck_assert_uint_eq(peek(BASE), 0x50);
    ck_assert_uint_eq(peek(BASE + 3 * PG), 0x53);
    /* No page was copied: only page tables may have been added. */
    ck_assert_uint_eq(p.count[PHYS_FREE] + p.count[PHYS_PAGETABLE], free_before);
    destroy_and_check_frames();
}
END_TEST

START_TEST(discard_reads_zero)
{
    enter_at(BASE, 4 * PG, RW, VM_PROT_ALL);
    for (unsigned i = 0; i < 4; i++)
        poke(BASE + i * PG + 3, (uint8_t)(0x90 + i));
    uint32_t vm_frames = p.count[PHYS_VM];
    ck_assert_uint_eq(vm_frames, 4);

    /* The whole entry: its pages go back to the free list, the next touch is zero fill. */
    ck_assert_int_eq(vm_map_discard(map, BASE, BASE + 4 * PG), KERN_SUCCESS);
    ck_assert_uint_eq(p.count[PHYS_VM], 0);
    ck_assert_uint_eq(pmap_extract(pm, BASE), PFN_NONE);
    for (unsigned i = 0; i < 4; i++) {
        enum vm_fault_kind k;
        ck_assert_int_eq(vm_fault(map, BASE + i * PG + 3, VM_PROT_READ, &k), KERN_SUCCESS);
        ck_assert_int_eq(k, VM_FAULT_ZERO_FILL);
        ck_assert_uint_eq(*gptr(BASE + i * PG + 3), 0);
    }
    ck_assert_uint_eq(map->nentries, 1);
    destroy_and_check_frames();
}
END_TEST

START_TEST(discard_part_of_entry)
{
    enter_at(BASE, 4 * PG, RW, VM_PROT_ALL);
    for (unsigned i = 0; i < 4; i++)
        poke(BASE + i * PG + 3, (uint8_t)(0x90 + i));
    ck_assert_int_eq(vm_map_discard(map, BASE + PG, BASE + 3 * PG), KERN_SUCCESS);
    ck_assert_uint_eq(peek(BASE + 3), 0x90);
    ck_assert_uint_eq(peek(BASE + PG + 3), 0);
    ck_assert_uint_eq(peek(BASE + 2 * PG + 3), 0);
    ck_assert_uint_eq(peek(BASE + 3 * PG + 3), 0x93);
    poke(BASE + 2 * PG + 3, 0x11);
    ck_assert_uint_eq(peek(BASE + 2 * PG + 3), 0x11);
    ck_assert_int_eq(vm_map_discard(map, BASE + 1, BASE + PG), KERN_INVALID_ARGUMENT);
    destroy_and_check_frames();
}
END_TEST

/* An anonymous object mapped copy-on-write (as after fork or mach_vm_copy), written
 * (so the entry now has a private shadow over it), then discarded: the next touch must
 * see zeros, as vm_map.h promises for anonymous memory, not the pre-copy data. */
START_TEST(discard_cow_anonymous_reads_zero)
{
    struct vm_object *obj = vm_object_allocate(&vm, PG);
    ck_assert_ptr_nonnull(obj);
    struct vm_page *pg = vm_page_grab(&vm);
    ck_assert_ptr_nonnull(pg);
    memset(phys_ptr(&p, vm_page_pfn(&vm, pg)), 0xcd, PG);
    vm_page_insert(&vm, pg, obj, 0);
    vm_page_activate(&vm, pg);
    vm_object_reference(obj);
    uint64_t a = BASE, b = BASE + 4 * PG;
    ck_assert_int_eq(vm_map_enter(map, &a, PG, VM_FLAGS_FIXED, obj, 0, true, RW, VM_PROT_ALL,
                                  VM_INHERIT_COPY, "a"), KERN_SUCCESS);
    ck_assert_int_eq(vm_map_enter(map, &b, PG, VM_FLAGS_FIXED, obj, 0, true, RW, VM_PROT_ALL,
                                  VM_INHERIT_COPY, "b"), KERN_SUCCESS);
    poke(a + 8, 0x01);
    ck_assert_ptr_eq(nth(0)->object->shadow, obj);

    ck_assert_int_eq(vm_map_discard(map, a, a + PG), KERN_SUCCESS);
    ck_assert_uint_eq(peek(a + 8), 0);
    ck_assert_uint_eq(peek(a + 9), 0);
    ck_assert_uint_eq(peek(b + 8), 0xcd);
    destroy_and_check_frames();
}
END_TEST

START_TEST(destroy_frees_everything)
{
    /* Many entries, objects, shadows, page tables far apart. */
    enter_at(BASE, 16 * PG, RW, VM_PROT_ALL);
    for (unsigned i = 0; i < 16; i++)
        poke(BASE + i * PG, (uint8_t)i);
    enter_at(0x7000000000ull, 4 * PG, RW, VM_PROT_ALL);
    poke(0x7000000000ull + PG, 1);
    ck_assert_int_eq(vm_map_protect(map, BASE + 4 * PG, BASE + 6 * PG, R, false), KERN_SUCCESS);
    ck_assert_int_eq(vm_map_remove(map, BASE + 10 * PG, BASE + 11 * PG), KERN_SUCCESS);
    ck_assert_uint_gt(p.count[PHYS_PAGETABLE], 4);
    ck_assert_uint_gt(vm.objects, 0);
    destroy_and_check_frames();
}
END_TEST

/* --- many entries, and the limit on them ------------------------------------- */

static void assert_tree(void)
{
    char why[200];
    ck_assert_msg(vm_map_tree_check(map, why, sizeof why), "%s", why);
}

/* The first fit as the list alone would find it, entry by entry. */
static kern_return_t first_fit_by_walk(uint64_t hint, uint64_t size, uint64_t mask, uint64_t *addr)
{
    mask |= PAGE_MASK;
    uint64_t at = hint < map->min ? map->min : hint;
    for (struct vm_map_entry *e = map->header.next;; e = e->next) {
        at = (at + mask) & ~mask;
        uint64_t limit = e == &map->header ? map->max : e->start;
        if (at + size <= limit) {
            *addr = at;
            return KERN_SUCCESS;
        }
        if (e == &map->header)
            return KERN_NO_SPACE;
        if (e->end > at)
            at = e->end;
    }
}

#define MANY 20000u
#define OVERWRITE (VM_FLAGS_FIXED | VM_FLAGS_OVERWRITE)

static uint64_t many_at(unsigned i) { return BASE + 2ull * i * PG; }

/* One-page entries with a one-page hole between each two; every third removed. */
START_TEST(lookup_among_many_entries)
{
    for (unsigned i = 0; i < MANY; i++)
        enter_at(many_at(i), PG, i % 2 ? R : RW, VM_PROT_ALL);
    ck_assert_uint_eq(map->nentries, MANY);
    assert_tree();
    for (unsigned round = 0; round < 2; round++) {
        /* Out of order, so that the hint rarely helps. */
        for (unsigned k = 0; k < MANY; k++) {
            unsigned i = (unsigned)((k * 7919ull) % MANY);
            bool gone = round == 1 && i % 3 == 0;
            struct vm_map_entry *e;
            ck_assert(vm_map_lookup_entry(map, many_at(i) + 5, &e) == !gone);
            if (!gone)
                ck_assert_uint_eq(e->start, many_at(i));
            ck_assert(!vm_map_lookup_entry(map, many_at(i) + PG, &e));
            if (!gone)
                ck_assert_uint_eq(e->start, many_at(i));   /* the entry below the hole */
        }
        for (unsigned i = 0; round == 0 && i < MANY; i += 3)
            ck_assert_int_eq(vm_map_remove(map, many_at(i), many_at(i) + PG), KERN_SUCCESS);
        assert_tree();
    }
    ck_assert_uint_eq(map->nentries, MANY - (MANY + 2) / 3);
    struct vm_map_entry *e;
    ck_assert(!vm_map_lookup_entry(map, BASE - 1, &e));
    ck_assert_ptr_eq(e, &map->header);

    /* Holes of one page everywhere, of three where an entry went: the first fit from
     * any hint, for any size and alignment, is the one a walk of the list finds. */
    const uint64_t sizes[] = { PG, 2 * PG, 3 * PG, 4 * PG };
    const uint64_t masks[] = { 0, 2 * PG - 1, 8 * PG - 1 };
    for (unsigned k = 0; k < 3000; k++) {
        uint64_t hint = BASE + ((k * 104729ull) % (2 * MANY + 10)) * PG - 4 * PG;
        uint64_t size = sizes[k % 4], mask = masks[(k / 4) % 3], got = 0, want = 0;
        kern_return_t kr = vm_map_find_space(map, hint, size, mask, &got);
        ck_assert_int_eq(kr, first_fit_by_walk(hint, size, mask, &want));
        ck_assert_msg(got == want, "hint 0x%llx size %llu mask 0x%llx: 0x%llx, a walk finds 0x%llx",
                      (unsigned long long)hint, (unsigned long long)size, (unsigned long long)mask,
                      (unsigned long long)got, (unsigned long long)want);
    }
    uint64_t got;
    ck_assert_int_eq(vm_map_find_space(map, (1ull << 47) - PG, 2 * PG, 0, &got), KERN_NO_SPACE);
    destroy_and_check_frames();
}
END_TEST

static uint32_t rnd_state = 12345;
static uint32_t rnd(uint32_t n)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 17;
    rnd_state ^= rnd_state << 5;
    return rnd_state % n;
}

#define WINDOW 64u

/* Random enters, overwrites, removals and protections over a small window against a
 * page-by-page model: lookups agree with it, the tree with the list, and neighbours
 * that can merge have merged. */
START_TEST(random_operations_keep_the_tree_in_step)
{
    vm_prot_t model[WINDOW] = { 0 };           /* 0: unmapped */
    for (unsigned step = 0; step < 6000; step++) {
        uint32_t a = rnd(WINDOW), n = 1 + rnd(6), op = rnd(5);
        if (a + n > WINDOW)
            n = WINDOW - a;
        uint64_t va = BASE + a * PG, len = n * PG;
        vm_prot_t prot = rnd(2) ? R : RW;
        bool free_ = true, mapped = true;
        for (uint32_t i = a; i < a + n; i++) {
            free_ &= model[i] == 0;
            mapped &= model[i] != 0;
        }
        uint64_t at = va;
        switch (op) {
        case 0:
            ck_assert_int_eq(enter(&at, len, VM_FLAGS_FIXED, prot, VM_PROT_ALL),
                             free_ ? KERN_SUCCESS : KERN_NO_SPACE);
            break;
        case 1:
            ck_assert_int_eq(enter(&at, len, OVERWRITE, prot, VM_PROT_ALL), KERN_SUCCESS);
            free_ = true;
            break;
        case 2:
            ck_assert_int_eq(vm_map_remove(map, va, va + len), KERN_SUCCESS);
            prot = 0;
            free_ = true;
            break;
        case 3:
            ck_assert_int_eq(vm_map_protect(map, va, va + len, prot, false),
                             mapped ? KERN_SUCCESS : KERN_INVALID_ADDRESS);
            free_ = mapped;
            break;
        default: {
            /* ANYWHERE from va: the first free run of n pages (past the window: free). */
            uint32_t want = a;
            for (uint32_t i = a; i < want + n && i < WINDOW; i++)
                if (model[i])
                    want = i + 1;
            ck_assert_int_eq(enter(&at, len, VM_FLAGS_ANYWHERE, prot, VM_PROT_ALL), KERN_SUCCESS);
            ck_assert_uint_eq(at, BASE + want * PG);
            a = want;
            if (a + n > WINDOW)        /* outside the model: taken away again */
                ck_assert_int_eq(vm_map_remove(map, at, at + len), KERN_SUCCESS);
            free_ = a + n <= WINDOW;
            break;
        }
        }
        for (uint32_t i = a; free_ && i < a + n; i++)
            model[i] = prot;
        assert_tree();
        unsigned runs = 0;
        for (uint32_t i = 0; i < WINDOW; i++) {
            struct vm_map_entry *e;
            bool in = vm_map_lookup_entry(map, BASE + i * PG + 1, &e);
            ck_assert_msg(in == (model[i] != 0), "step %u: page %u", step, i);
            if (in)
                ck_assert_uint_eq(e->protection, model[i]);
            runs += model[i] && (i == 0 || model[i - 1] != model[i]);
        }
        ck_assert_msg(map->nentries == runs, "step %u: %u entries for %u runs", step,
                      map->nentries, runs);
    }
    destroy_and_check_frames();
}
END_TEST

/* At the limit, an enter that needs an entry of its own fails; one that merges does not. */
START_TEST(limit_refuses_new_entries)
{
    map->max_entries = 6;
    for (unsigned i = 0; i < 6; i++)
        enter_at(BASE + 2 * i * PG, PG, RW, VM_PROT_ALL);
    uint64_t a = BASE + 20 * PG;
    ck_assert_int_eq(enter(&a, PG, VM_FLAGS_FIXED, RW, VM_PROT_ALL), KERN_NO_SPACE);
    a = 0;
    ck_assert_int_eq(enter(&a, PG, VM_FLAGS_ANYWHERE, RW, VM_PROT_ALL), KERN_NO_SPACE);
    struct vm_object *obj = vm_object_allocate(&vm, PG);
    a = BASE + 20 * PG;
    ck_assert_int_eq(vm_map_enter(map, &a, PG, VM_FLAGS_FIXED, obj, 0, false, RW, VM_PROT_ALL,
                                  VM_INHERIT_COPY, "obj"), KERN_NO_SPACE);
    ck_assert_uint_eq(vm.objects, 0);          /* the reference was consumed */
    ck_assert_uint_eq(map->nentries, 6);

    /* Filling the hole between the first two merges all three: 5 entries. */
    enter_at(BASE + PG, PG, RW, VM_PROT_ALL);
    ck_assert_uint_eq(map->nentries, 5);
    enter_at(BASE + 30 * PG, PG, RW, VM_PROT_ALL);
    ck_assert_uint_eq(map->nentries, 6);

    /* OVERWRITE: of one whole entry, fine; of free space or part of an entry, no room,
     * and nothing is unmapped first. */
    poke(BASE + 30 * PG, 0x42);
    a = BASE + 30 * PG;
    ck_assert_int_eq(enter(&a, PG, OVERWRITE, R, VM_PROT_ALL), KERN_SUCCESS);
    ck_assert_uint_eq(map->nentries, 6);
    ck_assert_uint_eq(peek(BASE + 30 * PG), 0);
    a = BASE + 40 * PG;
    ck_assert_int_eq(enter(&a, PG, OVERWRITE, R, VM_PROT_ALL), KERN_NO_SPACE);
    poke(BASE + PG, 0x43);
    a = BASE + PG;
    ck_assert_int_eq(enter(&a, PG, OVERWRITE, R, VM_PROT_ALL), KERN_NO_SPACE);
    ck_assert_uint_eq(peek(BASE + PG), 0x43);
    assert_entry(0, BASE, BASE + 3 * PG);

    /* An entry given back makes room for one. */
    ck_assert_int_eq(vm_map_remove(map, BASE + 30 * PG, BASE + 31 * PG), KERN_SUCCESS);
    a = 0;
    ck_assert_int_eq(enter(&a, PG, VM_FLAGS_ANYWHERE, R, VM_PROT_ALL), KERN_SUCCESS);
    a = 0;                         /* next to it, but it could not merge */
    ck_assert_int_eq(enter(&a, PG, VM_FLAGS_ANYWHERE, RW, VM_PROT_ALL), KERN_NO_SPACE);
    ck_assert_uint_eq(map->nentries, 6);
    assert_tree();
    destroy_and_check_frames();
}
END_TEST

/* Splitting an entry takes more entries: at the limit every call that would split
 * fails with KERN_NO_SPACE and leaves the entry as it was. */
START_TEST(split_at_limit_changes_nothing)
{
    map->max_entries = 3;
    enter_at(BASE, 4 * PG, RW, VM_PROT_ALL);
    for (unsigned i = 0; i < 4; i++)
        poke(BASE + i * PG, (uint8_t)(0x70 + i));
    enter_at(BASE + 10 * PG, PG, R, VM_PROT_ALL);
    enter_at(BASE + 20 * PG, PG, R, VM_PROT_ALL);
    uint64_t mid = BASE + PG, mid_end = BASE + 2 * PG;
    ck_assert_int_eq(vm_map_protect(map, mid, mid_end, R, false), KERN_NO_SPACE);
    ck_assert_int_eq(vm_map_protect(map, BASE, BASE + PG, R, false), KERN_NO_SPACE);
    ck_assert_int_eq(vm_map_remove(map, mid, mid_end), KERN_NO_SPACE);
    ck_assert_int_eq(vm_map_inherit(map, mid, mid_end, VM_INHERIT_NONE), KERN_NO_SPACE);
    ck_assert_int_eq(vm_map_discard(map, mid, mid_end), KERN_NO_SPACE);
    ck_assert_int_eq(vm_map_wire(map, mid, mid_end, R), KERN_NO_SPACE);
    ck_assert_int_eq(vm_map_move(map, mid, PG, BASE + 30 * PG), KERN_NO_SPACE);
    ck_assert_uint_eq(map->nentries, 3);
    assert_entry(0, BASE, BASE + 4 * PG);
    ck_assert_uint_eq(nth(0)->protection, RW);
    ck_assert_uint_eq(nth(0)->inheritance, VM_INHERIT_COPY);
    ck_assert_uint_eq(nth(0)->wired_count, 0);
    for (unsigned i = 0; i < 4; i++)
        ck_assert_uint_eq(peek(BASE + i * PG), 0x70 + i);
    poke(mid, 0x55);                           /* still writable */

    /* Whole entries, and cutting one end off, need no new entry. */
    ck_assert_int_eq(vm_map_protect(map, BASE, BASE + 4 * PG, R, false), KERN_SUCCESS);
    ck_assert_int_eq(vm_map_protect(map, BASE, BASE + 4 * PG, RW, false), KERN_SUCCESS);
    ck_assert_int_eq(vm_map_remove(map, BASE, BASE + PG), KERN_SUCCESS);
    ck_assert_uint_eq(map->nentries, 3);
    ck_assert_uint_eq(peek(mid), 0x55);
    /* A child has the same limit. */
    struct vm_map *child = vm_map_fork(map, pmap_create(&m));
    ck_assert_ptr_nonnull(child);
    ck_assert_uint_eq(child->max_entries, 3);
    vm_map_destroy(child);

    /* A limit lowered below the count: the map may shrink, not grow. */
    map->max_entries = 1;
    ck_assert_int_eq(vm_map_protect(map, BASE + 2 * PG, BASE + 3 * PG, R, false), KERN_NO_SPACE);
    ck_assert_int_eq(vm_map_remove(map, BASE + 10 * PG, BASE + 11 * PG), KERN_SUCCESS);
    ck_assert_uint_eq(map->nentries, 2);
    map->max_entries = 4;
    ck_assert_int_eq(vm_map_protect(map, BASE + 2 * PG, BASE + 3 * PG, R, false), KERN_SUCCESS);
    ck_assert_uint_eq(map->nentries, 4);
    assert_tree();
    destroy_and_check_frames();
}
END_TEST

/* --- purgeable entries ------------------------------------------------------------- */

static void enter_purgeable_at(struct vm_map *in, uint64_t addr, uint64_t size)
{
    uint64_t a = addr;
    ck_assert_int_eq(vm_map_enter(in, &a, size, VM_FLAGS_FIXED | VM_FLAGS_PURGABLE, NULL, 0,
                                  false, RW, VM_PROT_ALL, VM_INHERIT_COPY, "purgeable"),
                     KERN_SUCCESS);
}

static void assert_purgeable_count_at(int line, struct vm_map *in, uint32_t want)
{
    char why[256];
    ck_assert_msg(in->purgeable_entries == want, "line %d: %u purgeable entries, want %u", line, in->purgeable_entries, want);
    ck_assert_msg(vm_map_tree_check(in, why, sizeof why), "%s", why);
}
#define assert_purgeable_count(in, want) assert_purgeable_count_at(__LINE__, in, want)

START_TEST(purgeable_entries_counted_through_changes)
{
    enter_at(BASE, 4 * PG, RW, VM_PROT_ALL);
    enter_purgeable_at(map, BASE + 8 * PG, 6 * PG);
    assert_purgeable_count(map, 1);
    /* Clipped in three by a protect of its middle, merged back by another. */
    ck_assert_int_eq(vm_map_protect(map, BASE + 10 * PG, BASE + 11 * PG, R, false), KERN_SUCCESS);
    assert_purgeable_count(map, 3);
    ck_assert_int_eq(vm_map_protect(map, BASE + 10 * PG, BASE + 11 * PG, RW, false), KERN_SUCCESS);
    assert_purgeable_count(map, 1);
    /* A piece removed: two pieces left. */
    ck_assert_int_eq(vm_map_remove(map, BASE + 9 * PG, BASE + 10 * PG), KERN_SUCCESS);
    assert_purgeable_count(map, 2);
    poke(BASE + 12 * PG, 7);

    /* A child gets both pieces; its write shadows one with a plain object. */
    struct vm_map *child = vm_map_fork(map, pmap_create(&m));
    ck_assert_ptr_nonnull(child);
    assert_purgeable_count(child, 2);
    ck_assert_int_eq(vm_fault(child, BASE + 12 * PG, VM_PROT_WRITE, NULL), KERN_SUCCESS);
    assert_purgeable_count(child, 1);
    vm_map_destroy(child);

    /* The parent's write after the fork shadows its piece too. A discard then leaves
     * both pieces without an object (the purgeable one is held by the shadow as well),
     * to be zero filled on the next touch. */
    poke(BASE + 12 * PG, 8);
    assert_purgeable_count(map, 1);
    ck_assert_int_eq(vm_map_discard(map, BASE + 8 * PG, BASE + 14 * PG), KERN_SUCCESS);
    assert_purgeable_count(map, 0);
    ck_assert_int_eq(vm_map_remove(map, BASE, BASE + 16 * PG), KERN_SUCCESS);
    assert_purgeable_count(map, 0);
    destroy_and_check_frames();
}
END_TEST

/* Purgeable memory in another task: the faults of this one still keep its peak. */
START_TEST(fault_keeps_peak_beside_purgeable_memory)
{
    struct vm_map *other = vm_map_create(&vm, pmap_create(&m), 0x10000, 1ull << 47);
    ck_assert_ptr_nonnull(other);
    enter_purgeable_at(other, BASE, 2 * PG);
    ck_assert_uint_gt(vm.purgeable_objects, 0);
    enter_at(BASE, 8 * PG, RW, VM_PROT_ALL);
    for (unsigned i = 0; i < 8; i++)
        poke(BASE + i * PG, 1);
    uint32_t peak = map->stats.footprint_peak;
    ck_assert_uint_ge(peak, 8);
    ck_assert_int_eq(vm_map_remove(map, BASE, BASE + 8 * PG), KERN_SUCCESS);
    struct vm_ledgers l;
    vm_map_ledgers(map, &l);
    ck_assert_uint_lt(l.phys_footprint, 8);
    ck_assert_uint_eq(l.phys_footprint_peak, peak);
    vm_map_destroy(other);
    destroy_and_check_frames();
}
END_TEST

static Suite *vm_map_suite(void)
{
    Suite *s = suite_create("vm_map");
    TCase *en = tcase_create("enter");
    tcase_add_checked_fixture(en, setup, teardown);
    tcase_add_test(en, enter_fixed_and_overlap);
    tcase_add_test(en, enter_anywhere);
    tcase_add_test(en, enter_overwrite);
    tcase_add_test(en, adjacent_enters_coalesce);
    suite_add_tcase(s, en);

    TCase *cl = tcase_create("clip and coalesce");
    tcase_add_checked_fixture(cl, setup, teardown);
    tcase_add_test(cl, protect_clips_and_merges_back);
    tcase_add_test(cl, protect_untouched_merges_back);
    tcase_add_test(cl, protect_beyond_max_fails_and_changes_nothing);
    tcase_add_test(cl, remove_middle_clips);
    tcase_add_test(cl, remove_frees_the_pages_of_a_merged_neighbour);
    tcase_add_test(cl, remove_keeps_the_pages_a_child_maps);
    tcase_add_test(cl, remove_frees_moved_pieces_and_keeps_what_is_mapped_twice);
    suite_add_tcase(s, cl);

    TCase *mv = tcase_create("move and discard");
    tcase_add_checked_fixture(mv, setup, teardown);
    tcase_add_test(mv, move_keeps_contents);
    tcase_add_test(mv, discard_reads_zero);
    tcase_add_test(mv, discard_part_of_entry);
    tcase_add_test(mv, discard_cow_anonymous_reads_zero);
    tcase_add_test(mv, destroy_frees_everything);
    suite_add_tcase(s, mv);

    TCase *many = tcase_create("many entries and the limit");
    tcase_add_checked_fixture(many, setup, teardown);
    tcase_set_timeout(many, 60);
    tcase_add_test(many, lookup_among_many_entries);
    tcase_add_test(many, random_operations_keep_the_tree_in_step);
    tcase_add_test(many, limit_refuses_new_entries);
    tcase_add_test(many, split_at_limit_changes_nothing);
    suite_add_tcase(s, many);

    TCase *pu = tcase_create("purgeable entries");
    tcase_add_checked_fixture(pu, setup, teardown);
    tcase_add_test(pu, purgeable_entries_counted_through_changes);
    tcase_add_test(pu, fault_keeps_peak_beside_purgeable_memory);
    suite_add_tcase(s, pu);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(vm_map_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
