/* emu/mach.c — Mach traps: the mach_vm_* interface on the task's vm_map.
 *
 * Only the calling task's own port names a map (there is no task_for_pid); any
 * other name is a dead port. A bad pointer argument gives KERN_INVALID_ADDRESS. */
#include <errno.h>
#include <stdlib.h>
#include "emu/darwin.h"

#define KERN_INVALID_HOST 22
#define VM_FLAGS_RANDOM_ADDR 0x8
#define VM_FLAGS_NO_CACHE    0x10
#define VM_FLAGS_ALIAS_MASK  0xff000000u
#define VM_FLAGS_ACCEPTED (VM_FLAGS_ANYWHERE | VM_FLAGS_PURGABLE | VM_FLAGS_RANDOM_ADDR | \
                           VM_FLAGS_NO_CACHE | VM_FLAGS_OVERWRITE | VM_FLAGS_ALIAS_MASK)
#define HOST_VM_INFO64_COUNT (sizeof(struct vm_statistics64) / 4)
#define HOST_VM_INFO64_REV0_COUNT 24     /* up to purgeable/speculative counts */
#define TASK_VM_INFO_REV0_COUNT 36
/* Every bit a purgeable state may carry: state, volatile order, ordering, behaviour,
 * group, debug and no-aging fields. */
#define VM_PURGABLE_ALL_MASKS (0x3u | 0x10u | 0x20u | 0x40u | 0x700u | 0x3000u | 0x10000u)
#define TASK_VM_INFO_COUNT (sizeof(struct task_vm_info) / 4)

static struct vm_map *target_map(struct emu *emu, uint64_t port)
{
    return mach_task_map(emu, port);
}

/* A host argument: the host port, another port (KERN_INVALID_HOST) or a name that
 * is no port at all (the send fails: MACH_SEND_INVALID_DEST). */
static int64_t check_host(uint64_t port)
{
    if (port == MACHEMU_PORT_HOST)
        return KERN_SUCCESS;
    if (port == MACHEMU_PORT_TASK_SELF || port == MACHEMU_PORT_THREAD_SELF)
        return KERN_INVALID_HOST;
    return MACHEMU_MACH_SEND_INVALID_DEST;
}

static int64_t trap_task_self(struct emu *emu, const uint64_t a[8])
{
    (void)emu; (void)a;
    return MACHEMU_PORT_TASK_SELF;
}

static int64_t trap_host_self(struct emu *emu, const uint64_t a[8])
{
    (void)emu; (void)a;
    return MACHEMU_PORT_HOST;
}

static int64_t trap_thread_self(struct emu *emu, const uint64_t a[8])
{
    (void)emu; (void)a;
    return MACHEMU_PORT_THREAD_SELF;
}

/* The name vmmap shows for a VM_MAKE_TAG() alias. */
const char *mach_tag_name(uint32_t flags)
{
    switch (flags >> 24) {
    case 1: return "MALLOC";
    case 2: return "MALLOC_SMALL";
    case 3: return "MALLOC_LARGE";
    case 7: return "MALLOC_TINY";
    case 30: return "STACK";
    default: return "VM_ALLOCATE";
    }
}

struct alloc_req {
    uint64_t addr, size, mask;
    uint32_t flags;
    vm_prot_t cur, max;
    enum vm_inherit inh;
};

static kern_return_t allocate(struct emu *emu, struct vm_map *map, struct alloc_req *r)
{
    if (r->flags & ~VM_FLAGS_ACCEPTED)
        return KERN_INVALID_ARGUMENT;
    uint64_t start = r->addr, size;
    if (r->flags & VM_FLAGS_ANYWHERE) {
        size = round_page(r->size);
        if (size < r->size)
            return KERN_INVALID_ARGUMENT;
        /* As XNU, the first fit from the bottom of the task's allocation area. */
        kern_return_t kr = vm_map_find_space(map, start > emu->task->mmap_hint ? start
                                                  : emu->task->mmap_hint, size, r->mask, &start);
        if (kr != KERN_SUCCESS)
            return kr;
    } else {
        start = trunc_page(r->addr);
        if (r->addr + r->size < r->addr || round_page(r->addr + r->size) < r->addr)
            return KERN_INVALID_ARGUMENT;
        size = round_page(r->addr + r->size) - start;
        if (start & r->mask)
            return KERN_NO_SPACE;
    }
    int flags = (r->flags & (VM_FLAGS_PURGABLE | VM_FLAGS_OVERWRITE)) | VM_FLAGS_FIXED;
    kern_return_t kr = vm_map_enter(map, &start, size, flags, NULL, 0, false, r->cur, r->max,
                                    r->inh, mach_tag_name(r->flags));
    if (kr == KERN_SUCCESS)
        r->addr = start;
    return kr;
}

/* Allocates per r, reading and writing the address at guest pointer uaddr. */
static int64_t allocate_at(struct emu *emu, struct vm_map *map, uint64_t uaddr, struct alloc_req *r)
{
    if (copyin(emu, &r->addr, uaddr, sizeof r->addr) < 0)
        return KERN_INVALID_ADDRESS;
    if (r->size == 0) {
        r->addr = 0;
        return copyout(emu, uaddr, &r->addr, sizeof r->addr) < 0 ? KERN_INVALID_ADDRESS
                                                                   : KERN_SUCCESS;
    }
    kern_return_t kr = allocate(emu, map, r);
    if (kr != KERN_SUCCESS)
        return kr;
    if (copyout(emu, uaddr, &r->addr, sizeof r->addr) < 0) {
        vm_map_remove(map, r->addr, r->addr + round_page(r->size));
        return KERN_INVALID_ADDRESS;
    }
    return KERN_SUCCESS;
}

static int64_t trap_vm_allocate(struct emu *emu, const uint64_t a[8])
{
    struct vm_map *map = target_map(emu, a[0]);
    if (!map)
        return MACHEMU_MACH_SEND_INVALID_DEST;
    struct alloc_req r = { .size = a[2], .flags = (uint32_t)a[3], .cur = VM_PROT_READ | VM_PROT_WRITE,
                           .max = VM_PROT_ALL, .inh = VM_INHERIT_COPY };
    return allocate_at(emu, map, a[1], &r);
}

static bool prot_valid(uint64_t p) { return (p & ~(uint64_t)VM_PROT_ALL) == 0; }

static int64_t map_anonymous(struct emu *emu, const uint64_t a[8], vm_prot_t cur, vm_prot_t max,
                             uint64_t inh)
{
    struct vm_map *map = target_map(emu, a[0]);
    if (!map)
        return MACHEMU_MACH_SEND_INVALID_DEST;
    if (a[2] == 0 || !prot_valid(cur) || !prot_valid(max) || (cur & ~max) || inh > VM_INHERIT_NONE)
        return KERN_INVALID_ARGUMENT;
    struct alloc_req r = { .size = a[2], .mask = a[3], .flags = (uint32_t)a[4], .cur = cur,
                           .max = max, .inh = (enum vm_inherit)inh };
    return allocate_at(emu, map, a[1], &r);
}

static int64_t trap_vm_map_anon(struct emu *emu, const uint64_t a[8])
{
    return map_anonymous(emu, a, (vm_prot_t)a[5], VM_PROT_ALL, VM_INHERIT_COPY);
}

static int64_t trap_vm_map(struct emu *emu, const uint64_t a[8])
{
    struct machemu_vm_map_args x;
    if (copyin(emu, &x, a[7], sizeof x) < 0)
        return KERN_INVALID_ADDRESS;
    if (a[5] != 0)
        return mach_map_entry(emu, a, &x);
    return map_anonymous(emu, a, (vm_prot_t)x.cur_protection, (vm_prot_t)x.max_protection,
                         x.inheritance);
}

/* [trunc(addr), round(addr + size)), or false if it wraps or leaves user space. */
static bool page_range(uint64_t addr, uint64_t size, uint64_t *start, uint64_t *end)
{
    *start = trunc_page(addr);
    *end = round_page(addr + size);
    return addr + size >= addr && *end >= *start && *end <= VA_USER_END;
}

static int64_t trap_vm_deallocate(struct emu *emu, const uint64_t a[8])
{
    struct vm_map *map = target_map(emu, a[0]);
    uint64_t start, end;
    if (!map)
        return MACHEMU_MACH_SEND_INVALID_DEST;
    if (a[2] == 0)
        return KERN_SUCCESS;
    if (!page_range(a[1], a[2], &start, &end))
        return KERN_INVALID_ARGUMENT;
    return vm_map_remove(map, start, end);
}

static int64_t trap_vm_protect(struct emu *emu, const uint64_t a[8])
{
    struct vm_map *map = target_map(emu, a[0]);
    uint64_t start, end;
    if (!map)
        return MACHEMU_MACH_SEND_INVALID_DEST;
    if (!prot_valid(a[4] & ~0x10ull))          /* VM_PROT_COPY is accepted and ignored */
        return KERN_INVALID_ARGUMENT;
    if (a[2] == 0)
        return KERN_SUCCESS;
    if (!page_range(a[1], a[2], &start, &end))
        return KERN_INVALID_ARGUMENT;
    return vm_map_protect(map, start, end, (vm_prot_t)(a[4] & VM_PROT_ALL), a[3] != 0);
}

static int64_t trap_vm_inherit(struct emu *emu, const uint64_t a[8])
{
    struct vm_map *map = target_map(emu, a[0]);
    uint64_t start, end;
    if (!map)
        return MACHEMU_MACH_SEND_INVALID_DEST;
    if (a[3] > VM_INHERIT_NONE || !page_range(a[1], a[2], &start, &end))
        return KERN_INVALID_ARGUMENT;
    return vm_map_inherit(map, start, end, (enum vm_inherit)a[3]);
}

static int64_t trap_vm_wire(struct emu *emu, const uint64_t a[8])
{
    int64_t host = check_host(a[0]);
    if (host != KERN_SUCCESS)
        return host;
    struct vm_map *map = target_map(emu, a[1]);
    uint64_t start, end;
    if (!map)
        return MACHEMU_MACH_SEND_INVALID_DEST;
    if (!prot_valid(a[4]) || !page_range(a[2], a[3], &start, &end))
        return KERN_INVALID_ARGUMENT;
    if (a[4] == VM_PROT_NONE)
        return vm_map_unwire(map, start, end);
    return vm_map_wire(map, start, end, (vm_prot_t)a[4]);
}

static void region_basic_info(const struct vm_region_info *r, struct vm_region_basic_info_64 *b)
{
    *b = (struct vm_region_basic_info_64){
        .protection = (int32_t)r->protection, .max_protection = (int32_t)r->max_protection,
        .inheritance = r->inheritance, .shared = r->shared, .offset = r->offset,
        .user_wired_count = r->user_wired_count,
    };
}

static int64_t trap_vm_region(struct emu *emu, const uint64_t a[8])
{
    struct vm_map *map = target_map(emu, a[0]);
    uint64_t addr;
    uint32_t count, zero = 0;
    if (!map)
        return MACHEMU_MACH_SEND_INVALID_DEST;
    if (a[3] == MACHEMU_VM_REGION_TOP_INFO || a[3] == MACHEMU_VM_REGION_EXTENDED_INFO)
        return mach_region_flavor(emu, map, a);
    if (copyin(emu, &addr, a[1], sizeof addr) < 0 || copyin(emu, &count, a[5], sizeof count) < 0)
        return KERN_INVALID_ADDRESS;
    const uint32_t want = sizeof(struct vm_region_basic_info_64) / 4;
    if ((a[3] != MACHEMU_VM_REGION_BASIC_INFO_64 && a[3] != 10) || count < want)
        return KERN_INVALID_ARGUMENT;
    struct vm_region_info r;
    kern_return_t kr = vm_map_region(map, &addr, &r);
    if (kr != KERN_SUCCESS)
        return kr;
    struct vm_region_basic_info_64 b;
    region_basic_info(&r, &b);
    uint64_t size = r.end - r.start;
    if (copyout(emu, a[4], &b, sizeof b) < 0 || copyout(emu, a[1], &addr, sizeof addr) < 0 ||
        copyout(emu, a[2], &size, sizeof size) < 0 || copyout(emu, a[5], &want, sizeof want) < 0 ||
        (a[6] && copyout(emu, a[6], &zero, sizeof zero) < 0))
        return KERN_INVALID_ADDRESS;
    return KERN_SUCCESS;
}

static int64_t trap_vm_page_query(struct emu *emu, const uint64_t a[8])
{
    struct vm_map *map = target_map(emu, a[0]);
    int32_t disp, refs;
    if (!map)
        return MACHEMU_MACH_SEND_INVALID_DEST;
    kern_return_t kr = vm_map_page_query(map, a[1], &disp, &refs);
    if (copyout(emu, a[2], &disp, sizeof disp) < 0 || copyout(emu, a[3], &refs, sizeof refs) < 0)
        return KERN_INVALID_ADDRESS;
    return kr;
}

static int64_t trap_vm_purgable_control(struct emu *emu, const uint64_t a[8])
{
    struct vm_map *map = target_map(emu, a[0]);
    int32_t state = 0;
    if (!map)
        return MACHEMU_MACH_SEND_INVALID_DEST;
    if (a[2] > VM_PURGABLE_PURGE_ALL)
        return KERN_INVALID_ARGUMENT;
    if (a[2] == VM_PURGABLE_SET_STATE) {
        if (copyin(emu, &state, a[3], sizeof state) < 0)
            return KERN_INVALID_ADDRESS;
        if ((uint32_t)state & ~VM_PURGABLE_ALL_MASKS)
            return KERN_INVALID_ARGUMENT;
        /* Changing the state is a change to the memory: it needs write access. */
        kern_return_t kr = vm_map_check_access(map, trunc_page(a[1]), trunc_page(a[1]) + PAGE_SIZE,
                                               VM_PROT_WRITE);
        if (kr != KERN_SUCCESS)
            return kr;
    }
    kern_return_t kr = vm_map_purgable_control(map, a[1], (int)a[2], &state);
    if (kr == KERN_SUCCESS && a[2] != VM_PURGABLE_PURGE_ALL &&
        copyout(emu, a[3], &state, sizeof state) < 0)
        return KERN_INVALID_ADDRESS;
    return kr;
}

/* Writes an info structure of `have` 32-bit words, cut to the caller's *count. */
static int64_t info_out(struct emu *emu, uint64_t uinfo, uint64_t ucount, const void *info,
                        uint32_t have, uint32_t count)
{
    if (count > have)
        count = have;
    if (copyout(emu, uinfo, info, count * 4u) < 0 || copyout(emu, ucount, &count, sizeof count) < 0)
        return KERN_INVALID_ADDRESS;
    return KERN_SUCCESS;
}

static void fill_vm_statistics(struct vm *vm, struct vm_statistics64 *s)
{
    struct vm_page_counts c;
    vm_page_counts(vm, &c);
    const struct vm_stats *v = &vm->stats;
    *s = (struct vm_statistics64){
        .free_count = c.free, .active_count = c.active, .inactive_count = c.inactive,
        .wire_count = c.wired, .zero_fill_count = v->zero_fill, .reactivations = v->reactivations,
        .pageins = v->pageins, .pageouts = v->pageouts, .faults = v->faults,
        .cow_faults = v->cow_faults, .lookups = v->lookups, .hits = v->hits, .purges = v->purges,
        .purgeable_count = c.purgeable, .speculative_count = c.speculative,
        .throttled_count = c.throttled, .external_page_count = c.file_backed,
        .internal_page_count = c.anonymous, .compressor_page_count = c.compressor_frames,
        .total_uncompressed_pages_in_compressor = c.compressed,
    };
    if (vm->compressor) {
        const struct compressor_stats *cs = compressor_stats(vm->compressor);
        s->compressions = cs->compressions;
        s->decompressions = cs->decompressions;
        s->swapins = cs->swapins;
        s->swapouts = cs->swapouts;
    }
}

static int64_t trap_host_statistics64(struct emu *emu, const uint64_t a[8])
{
    uint32_t count;
    int64_t host = check_host(a[0]);
    if (host != KERN_SUCCESS)
        return host;
    if (a[1] != MACHEMU_HOST_VM_INFO64)
        return KERN_INVALID_ARGUMENT;
    if (copyin(emu, &count, a[3], sizeof count) < 0)
        return KERN_INVALID_ADDRESS;
    if (count < HOST_VM_INFO64_REV0_COUNT)
        return KERN_FAILURE;
    struct vm_statistics64 s;
    fill_vm_statistics(&emu->vm, &s);
    return info_out(emu, a[2], a[3], &s, HOST_VM_INFO64_COUNT, count);
}

/* os_proc_available_memory: what the limit in force leaves (0: no limit, or Jetsam off). */
static uint64_t limit_remaining(struct emu *emu, const struct task *task, uint64_t footprint)
{
    const struct memorystatus *ms = emu_jetsam_table(emu);
    const struct memorystatus_proc *p = ms ? memorystatus_find(ms, task->pid) : NULL;
    if (!p)
        return 0;
    uint64_t mb = memorystatus_proc_is_active(p) ? p->limits.active_mb : p->limits.inactive_mb;
    return mb << 20 > footprint ? (mb << 20) - footprint : 0;
}

static void fill_ledgers(struct emu *emu, struct vm_map *map, struct task_vm_info *t)
{
    struct vm_ledgers l;
    vm_map_ledgers(map, &l);
    t->ledger_phys_footprint_peak = (int64_t)l.phys_footprint_peak * PAGE_SIZE;
    t->ledger_purgeable_nonvolatile = (int64_t)l.purgeable_nonvolatile * PAGE_SIZE;
    t->ledger_purgeable_novolatile_compressed =
        (int64_t)l.purgeable_nonvolatile_compressed * PAGE_SIZE;
    t->ledger_purgeable_volatile = (int64_t)l.purgeable_volatile * PAGE_SIZE;
    t->ledger_purgeable_volatile_compressed = (int64_t)l.purgeable_volatile_compressed * PAGE_SIZE;
    t->limit_bytes_remaining = limit_remaining(emu, emu->task, t->phys_footprint);
    t->decompressions = (int32_t)map->stats.faults[VM_FAULT_DECOMPRESS];
}

static void fill_task_vm_info(struct emu *emu, struct vm_map *map, struct task_vm_info *t)
{
    struct vm_map_usage u;
    vm_map_usage(map, &u);
    *t = (struct task_vm_info){
        .virtual_size = u.virtual_pages * PAGE_SIZE, .region_count = (int32_t)u.regions,
        .page_size = (int32_t)PAGE_SIZE, .resident_size = (uint64_t)u.resident * PAGE_SIZE,
        .resident_size_peak = (uint64_t)u.resident_peak * PAGE_SIZE,
        .internal = (uint64_t)u.internal * PAGE_SIZE, .external = (uint64_t)u.external * PAGE_SIZE,
        .purgeable_volatile_pmap = (uint64_t)u.volatile_resident * PAGE_SIZE,
        .purgeable_volatile_resident = (uint64_t)u.volatile_resident * PAGE_SIZE,
        .purgeable_volatile_virtual = (uint64_t)u.volatile_virtual * PAGE_SIZE,
        .phys_footprint = (uint64_t)u.footprint * PAGE_SIZE,
        .compressed = (uint64_t)u.compressed * PAGE_SIZE,
        .compressed_peak = map->pmap ? (uint64_t)map->pmap->compressed_peak * PAGE_SIZE : 0,
        .compressed_lifetime = map->pmap ? map->pmap->compressed_lifetime * PAGE_SIZE : 0,
        .min_address = map->min, .max_address = map->max,
    };
    t->internal_peak = t->internal;
    t->external_peak = t->external;
    fill_ledgers(emu, map, t);
}

static int64_t trap_task_info(struct emu *emu, const uint64_t a[8])
{
    struct vm_map *map = target_map(emu, a[0]);
    uint32_t count;
    if (!map)
        return MACHEMU_MACH_SEND_INVALID_DEST;
    if (a[1] != MACHEMU_TASK_VM_INFO && a[1] != MACHEMU_TASK_VM_INFO + 1 /* _PURGEABLE */)
        return KERN_INVALID_ARGUMENT;
    if (copyin(emu, &count, a[3], sizeof count) < 0)
        return KERN_INVALID_ADDRESS;
    if (count < TASK_VM_INFO_REV0_COUNT)
        return KERN_INVALID_ARGUMENT;
    struct task_vm_info t;
    fill_task_vm_info(emu, map, &t);
    return info_out(emu, a[2], a[3], &t, TASK_VM_INFO_COUNT, count);
}

#define TRAP(nr, fn) [MACHEMU_TRAP_##nr] = { #fn, (void *)trap_##fn }
const struct darwin_call mach_traps[MACH_NTRAPS] = {
    TRAP(TASK_SELF, task_self), TRAP(HOST_SELF, host_self), TRAP(THREAD_SELF, thread_self),
    TRAP(VM_ALLOCATE, vm_allocate), TRAP(VM_DEALLOCATE, vm_deallocate),
    TRAP(VM_PROTECT, vm_protect), TRAP(VM_MAP_ANON, vm_map_anon), TRAP(VM_MAP, vm_map),
    TRAP(VM_INHERIT, vm_inherit), TRAP(VM_WIRE, vm_wire), TRAP(VM_COPY, vm_copy),
    TRAP(VM_READ_OVERWRITE, vm_read_overwrite), TRAP(VM_WRITE, vm_write),
    TRAP(VM_REGION, vm_region), TRAP(VM_PAGE_QUERY, vm_page_query),
    TRAP(VM_PURGABLE_CONTROL, vm_purgable_control), TRAP(HOST_STATISTICS64, host_statistics64),
    TRAP(TASK_INFO, task_info), TRAP(PORT_DEALLOCATE, port_deallocate),
    TRAP(MAKE_MEMORY_ENTRY, make_memory_entry), TRAP(MEMORY_OBJECT_ENTRY, memory_object_entry),
    TRAP(VM_READ, vm_read), TRAP(VM_REGION_RECURSE, vm_region_recurse),
    [MACHEMU_TRAP_PRESSURE_HANDLER_SET] = { "pressure_handler_set", (void *)jetsam_trap_handler_set },
    [MACHEMU_TRAP_PRESSURE_RETURN] = { "pressure_return", (void *)jetsam_trap_return },
    [MACHEMU_TRAP_PRESSURE_SEND] = { "pressure_send", (void *)jetsam_trap_send },
};
