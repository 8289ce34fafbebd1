/* tests/unit/vm_fixture.h — an in-process machine for VM unit tests: 8 MB of frames,
 * an MMU with a 16x4 TLB, the VM, and one map over a fresh pmap, with helpers to map,
 * fault and read guest pages. Included by one test file each (the state is static). */
#ifndef TESTS_VM_FIXTURE_H
#define TESTS_VM_FIXTURE_H

#include <check.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
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

#define R VM_PROT_READ
#define W VM_PROT_WRITE
#define RW (VM_PROT_READ | VM_PROT_WRITE)
#define BASE 0x200000ull           /* 16 KB aligned, above map->min */

static inline void enter_anon(uint64_t addr, uint64_t size, vm_prot_t cur, vm_prot_t max)
{
    uint64_t a = addr;
    ck_assert_int_eq(vm_map_enter(map, &a, size, VM_FLAGS_FIXED, NULL, 0, false, cur, max,
                                  VM_INHERIT_COPY, "anon"), KERN_SUCCESS);
}

static inline void enter_obj(uint64_t addr, uint64_t size, struct vm_object *obj, uint64_t off,
                      bool needs_copy, vm_prot_t cur)
{
    uint64_t a = addr;
    ck_assert_int_eq(vm_map_enter(map, &a, size, VM_FLAGS_FIXED, obj, off, needs_copy, cur,
                                  VM_PROT_ALL, VM_INHERIT_COPY, "obj"), KERN_SUCCESS);
}

static inline enum vm_fault_kind fault_ok(uint64_t va, vm_prot_t access)
{
    enum vm_fault_kind k = VM_FAULT_NKINDS;
    kern_return_t kr = vm_fault(map, va, access, &k);
    ck_assert_msg(kr == KERN_SUCCESS, "vm_fault(0x%llx, %u) = %s", (unsigned long long)va, access,
                  vm_kern_name(kr));
    return k;
}

/* The host byte behind a resident guest address. */
static inline uint8_t *gptr(uint64_t va)
{
    pfn_t f = pmap_extract(map->pmap, va);
    ck_assert_msg(f != PFN_NONE, "0x%llx not resident", (unsigned long long)va);
    return (uint8_t *)phys_ptr(&p, f) + (va & PAGE_MASK);
}

/* What the CPU would get: a translation allowing `access`, else a fault. */
static inline enum mmu_fault_kind xlate(uint64_t va, vm_prot_t access, pfn_t *pfn)
{
    struct mmu_xlate x;
    struct mmu_fault f;
    enum mmu_fault_kind k = mmu_translate(&m, va, access, &x, &f);
    if (pfn)
        *pfn = k == MMU_OK ? x.pfn : PFN_NONE;
    return k;
}

/* A file of len bytes (byte i = i * 13 + 1), open read-only; its path in path[64]. */
static inline int make_file(char *path, size_t len)
{
    strcpy(path, "/tmp/machemu-test-vm.XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    uint8_t *buf = malloc(len);
    ck_assert_ptr_nonnull(buf);
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(i * 13 + 1);
    ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
    free(buf);
    close(fd);
    return open(path, O_RDONLY);
}

#endif
