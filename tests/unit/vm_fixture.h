/* tests/unit/vm_fixture.h — an in-process machine for VM unit tests: 8 MB of frames,
 * an MMU with a 16x4 TLB, the VM, and one map over a fresh pmap. Included by one test
 * file each (the state is static). */
#ifndef TESTS_VM_FIXTURE_H
#define TESTS_VM_FIXTURE_H

#include <check.h>
#include "vm/vm_fault.h"

#define RAM (8u << 20)
#define PG PAGE_SIZE

static struct phys p;
static struct mmu m;
static struct vm vm;
static struct pmap *pm;
static struct vm_map *map;

static void setup(void)
{
    ck_assert_int_eq(phys_init(&p, RAM), 0);
    ck_assert_int_eq(mmu_init(&m, &p, 16, 4), 0);
    ck_assert_int_eq(vm_init(&vm, &p, &m), 0);
    pm = pmap_create(&m);
    ck_assert_ptr_nonnull(pm);
    map = vm_map_create(&vm, pm, 0x10000, 1ull << 47);
    ck_assert_ptr_nonnull(map);
    pmap_activate(&m, pm);
}

static void teardown(void)
{
    if (map)
        vm_map_destroy(map);
    map = NULL;
    vm_fini(&vm);
    mmu_fini(&m);
    phys_fini(&p);
}

/* Destroys the map and checks that every frame but frame 0 is free and no object lives. */
static void destroy_and_check_frames(void)
{
    vm_map_destroy(map);
    map = NULL;
    ck_assert_uint_eq(p.count[PHYS_FREE], p.nframes - 1);
    ck_assert_uint_eq(p.count[PHYS_VM], 0);
    ck_assert_uint_eq(p.count[PHYS_PAGETABLE], 0);
    ck_assert_uint_eq(vm.objects, 0);
}

#endif
