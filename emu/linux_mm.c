/* emu/linux_mm.c — brk, mmap and friends on top of vm_map. */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "emu/linux.h"

#define L_MAP_SHARED          0x01
#define L_MAP_PRIVATE         0x02
#define L_MAP_SHARED_VALIDATE 0x03
#define L_MAP_FIXED           0x10
#define L_MAP_ANONYMOUS       0x20
#define L_MAP_NORESERVE       0x4000
#define L_MAP_FIXED_NOREPLACE 0x100000
#define L_MREMAP_MAYMOVE      1
#define L_MREMAP_FIXED        2
#define L_MADV_DONTNEED       4
#define L_MADV_FREE           8
#define MMAP_LOW_GAP          (64ull << 30)   /* left above the program break */

/* A negative errno for a kern_return_t from the VM. */
static int64_t linux_errno_of(kern_return_t kr)
{
    switch (kr) {
    case KERN_SUCCESS: return 0;
    case KERN_INVALID_ARGUMENT: return -EINVAL;
    case KERN_PROTECTION_FAILURE: return -EACCES;
    case KERN_INVALID_ADDRESS:
    case KERN_NO_SPACE:
    case KERN_RESOURCE_SHORTAGE: return -ENOMEM;
    default: return -EFAULT;
    }
}

static vm_prot_t prot_of(uint64_t p)
{
    return (p & PROT_READ ? VM_PROT_READ : 0) | (p & PROT_WRITE ? VM_PROT_WRITE : 0) |
           (p & PROT_EXEC ? VM_PROT_EXECUTE : 0);
}

static bool range_ok(uint64_t addr, uint64_t len)
{
    return !(addr & PAGE_MASK) && addr + len >= addr && addr + len <= VA_USER_END;
}

int64_t sys_brk(struct emu *emu, const uint64_t a[6])
{
    struct task *t = emu->task;
    uint64_t want = a[0], old_end = round_page(t->brk_end), new_end = round_page(want);
    if (want < t->brk_start || want > VA_USER_END)
        return (int64_t)t->brk_end;
    if (new_end > old_end) {
        uint64_t at = old_end;
        if (vm_map_enter(t->map, &at, new_end - old_end, VM_FLAGS_FIXED, NULL, 0, false,
                         VM_PROT_READ | VM_PROT_WRITE, VM_PROT_ALL, VM_INHERIT_COPY,
                         "heap") != KERN_SUCCESS)
            return (int64_t)t->brk_end;
    } else if (new_end < old_end) {
        vm_map_remove(t->map, new_end, old_end);
    }
    t->brk_end = want;
    return (int64_t)want;
}

static int64_t mmap_file(struct emu *emu, uint64_t *addr, uint64_t len, int flags,
                         vm_prot_t prot, int fd, uint64_t off, bool shared)
{
    struct task *t = emu->task;
    int host = fd_host(t, fd);
    if (host < 0)
        return -EBADF;
    int fl = fcntl(host, F_GETFL);
    if ((fl & O_ACCMODE) == O_WRONLY)
        return -EACCES;
    vm_prot_t max = VM_PROT_ALL;
    if (shared) {
        /* The vnode pager cannot write back yet: shared file mappings are read-only. */
        if (prot & VM_PROT_WRITE)
            return -ENODEV;
        max = VM_PROT_READ | VM_PROT_EXECUTE;
    }
    int dupfd = fcntl(host, F_DUPFD_CLOEXEC, 0);
    struct vnode *vn = dupfd >= 0 ? vnode_get(dupfd, t->fds[fd].path) : NULL;
    if (!vn) {
        if (dupfd >= 0)
            close(dupfd);
        return -ENODEV;
    }
    struct vm_object *obj = vm_object_for_vnode(&emu->vm, vn);
    vnode_release(vn);
    if (!obj)
        return -ENOMEM;
    return linux_errno_of(vm_map_enter(t->map, addr, len, flags, obj, off, !shared, prot, max,
                                       shared ? VM_INHERIT_SHARE : VM_INHERIT_COPY, "mapped file"));
}

int64_t sys_mmap(struct emu *emu, const uint64_t a[6])
{
    struct task *t = emu->task;
    uint64_t addr = a[0], len = round_page(a[1]), off = a[5];
    int lflags = (int)a[3], type = lflags & 0x0f;
    vm_prot_t prot = prot_of(a[2]);
    if (a[1] == 0 || len < a[1] || (off & PAGE_MASK) ||
        (type != L_MAP_PRIVATE && type != L_MAP_SHARED && type != L_MAP_SHARED_VALIDATE))
        return -EINVAL;
    int flags;
    if (lflags & (L_MAP_FIXED | L_MAP_FIXED_NOREPLACE)) {
        if (!range_ok(addr, len))
            return -EINVAL;
        flags = VM_FLAGS_FIXED | (lflags & L_MAP_FIXED_NOREPLACE ? 0 : VM_FLAGS_OVERWRITE);
    } else {
        addr = trunc_page(addr);
        if (!addr || !range_ok(addr, len) || !vm_map_range_free(t->map, addr, addr + len))
            addr = t->mmap_hint;
        flags = VM_FLAGS_ANYWHERE;
        /* Above the hint is 1 TB of the 128: a larger mapping goes below it, well
         * above the heap (Linux searches the whole space too). */
        uint64_t low = round_page(t->brk_start) + MMAP_LOW_GAP;
        uint64_t at;
        if (addr == t->mmap_hint && low < addr &&
            vm_map_find_space(t->map, addr, len, 0, &at) != KERN_SUCCESS)
            addr = low;
    }
    /* No overcommit heuristic, as on iOS: only the address space refuses a size; the
     * pages are paid for when touched (the compressor, Jetsam). */
    bool shared = type != L_MAP_PRIVATE;
    int64_t rc;
    if (lflags & L_MAP_ANONYMOUS) {
        rc = linux_errno_of(vm_map_enter(t->map, &addr, len, flags, NULL, 0, false, prot,
                                         VM_PROT_ALL, shared ? VM_INHERIT_SHARE : VM_INHERIT_COPY,
                                         "anonymous"));
    } else {
        rc = mmap_file(emu, &addr, len, flags, prot, (int)a[4], off, shared);
    }
    /* ENOMEM also means the map is full: EEXIST only for a range in use. */
    if (rc == -ENOMEM && (lflags & L_MAP_FIXED_NOREPLACE) &&
        !vm_map_range_free(t->map, addr, addr + len))
        rc = -EEXIST;
    return rc < 0 ? rc : (int64_t)addr;
}

/* round_page of a length near 2^64 wraps to a small one: Linux refuses those. */
static bool len_wraps(uint64_t len) { return round_page(len) < len; }

int64_t sys_munmap(struct emu *emu, const uint64_t a[6])
{
    uint64_t len = round_page(a[1]);
    if (!a[1] || len_wraps(a[1]) || !range_ok(a[0], len))
        return -EINVAL;
    return linux_errno_of(vm_map_remove(emu->task->map, a[0], a[0] + len));
}

int64_t sys_mprotect(struct emu *emu, const uint64_t a[6])
{
    uint64_t len = round_page(a[1]);
    if ((a[0] & PAGE_MASK) || (a[2] & ~7ull))
        return -EINVAL;
    if (len_wraps(a[1]) || !range_ok(a[0], len))
        return -ENOMEM;
    kern_return_t kr = vm_map_protect(emu->task->map, a[0], a[0] + len, prot_of(a[2]), false);
    return kr == KERN_INVALID_ADDRESS ? -ENOMEM : linux_errno_of(kr);
}

/* Grows [addr, addr+old) to new bytes in place: file mappings continue the file,
 * anonymous ones get fresh zero memory. */
static kern_return_t grow_in_place(struct vm_map *map, uint64_t addr, uint64_t old, uint64_t new)
{
    struct vm_map_entry *last;
    if (!vm_map_lookup_entry(map, addr + old - 1, &last))
        return KERN_INVALID_ADDRESS;
    uint64_t at = addr + old;
    struct vm_object *obj = NULL;
    uint64_t off = 0;
    if (last->object && !vm_object_internal(last->object)) {
        obj = last->object;
        off = last->offset + (at - last->start);
        vm_object_reference(obj);
    }
    return vm_map_enter(map, &at, new - old, VM_FLAGS_FIXED, obj, off, obj && last->needs_copy,
                        last->protection, last->max_protection, last->inheritance, last->tag);
}

int64_t sys_mremap(struct emu *emu, const uint64_t a[6])
{
    struct vm_map *map = emu->task->map;
    uint64_t addr = a[0], old = round_page(a[1]), new = round_page(a[2]), flags = a[3];
    uint64_t target = a[4];
    if ((addr & PAGE_MASK) || !new || new < a[2] || len_wraps(a[1]) || (flags & ~3ull) ||
        ((flags & L_MREMAP_FIXED) && !(flags & L_MREMAP_MAYMOVE)))
        return -EINVAL;
    if (!old || !vm_map_range_mapped(map, addr, addr + old))
        return -EFAULT;
    if (!(flags & L_MREMAP_FIXED)) {
        if (new <= old) {
            vm_map_remove(map, addr + new, addr + old);
            return (int64_t)addr;
        }
        if (vm_map_range_free(map, addr + old, addr + new)) {
            kern_return_t kr = grow_in_place(map, addr, old, new);
            return kr == KERN_SUCCESS ? (int64_t)addr : linux_errno_of(kr);
        }
        if (!(flags & L_MREMAP_MAYMOVE) ||
            vm_map_find_space(map, emu->task->mmap_hint, new, 0, &target) != KERN_SUCCESS)
            return -ENOMEM;
    } else {
        if (!range_ok(target, new) || (target < addr + old && addr < target + new))
            return -EINVAL;
        vm_map_remove(map, target, target + new);
    }
    uint64_t keep = new < old ? new : old;
    vm_map_remove(map, addr + keep, addr + old);
    kern_return_t kr = vm_map_move(map, addr, keep, target);
    if (kr == KERN_SUCCESS && new > keep)
        kr = grow_in_place(map, target, keep, new);
    return kr == KERN_SUCCESS ? (int64_t)target : linux_errno_of(kr);
}

int64_t sys_madvise(struct emu *emu, const uint64_t a[6])
{
    uint64_t len = round_page(a[1]);
    if (len_wraps(a[1]) || !range_ok(a[0], len))
        return -EINVAL;
    if (len && !vm_map_range_mapped(emu->task->map, a[0], a[0] + len))
        return -ENOMEM;
    if (a[2] == L_MADV_DONTNEED)
        return linux_errno_of(vm_map_discard(emu->task->map, a[0], a[0] + len));
    /* Lazily freed: kept until memory is short, out of the footprint meanwhile. */
    if (a[2] == L_MADV_FREE)
        return vm_map_reusable_pages(emu->task->map, a[0], a[0] + len) == KERN_SUCCESS ? 0
                                                                                   : -EINVAL;
    return 0;          /* the other advice is only advice */
}

int64_t sys_msync(struct emu *emu, const uint64_t a[6])
{
    uint64_t len = round_page(a[1]);
    if (!range_ok(a[0], len))
        return -EINVAL;
    return len && !vm_map_range_mapped(emu->task->map, a[0], a[0] + len) ? -ENOMEM : 0;
}
