/* emu/mach_copy.c — mach_vm_copy, mach_vm_read, mach_vm_read_overwrite, mach_vm_write.
 *
 * As XNU: each takes the source into a copy (vm_map_copyin) and puts it over the
 * destination (vm_map_copy_overwrite) or at a new address (vm_map_copyout, for
 * mach_vm_read's out-of-line data). A page-aligned source above VM_MAP_COPY_SMALL is
 * taken copy-on-write and replaces a destination that allows it; anything else is
 * copied byte by byte, as XNU's kernel-buffer copies and physical overwrites are. */
#include <stdlib.h>
#include "emu/darwin.h"
#include "vm/vm_map_copy.h"

/* Moves len bytes between two guest ranges of the current task through a host
 * buffer, so overlapping ranges copy as memmove does. */
static kern_return_t move_bytes(struct emu *emu, uint64_t dst, uint64_t src, uint64_t len)
{
    if (len == 0)
        return KERN_SUCCESS;
    if (len > emu->phys.size)
        return KERN_RESOURCE_SHORTAGE;
    void *buf = malloc(len);
    if (!buf)
        return KERN_RESOURCE_SHORTAGE;
    kern_return_t kr = copyin(emu, buf, src, len) < 0 || copyout(emu, dst, buf, len) < 0
                           ? KERN_INVALID_ADDRESS : KERN_SUCCESS;
    free(buf);
    return kr;
}

/* Copies bytes. Up to VM_MAP_COPY_SMALL, as XNU's kernel buffer: whatever the kernel's
 * copyin or copyout of the bytes trips on is KERN_INVALID_ADDRESS (copyinmap,
 * vm_map_copyout_kernel_buffer). Above, as its entry-list copies: a hole is
 * KERN_INVALID_ADDRESS, a source not readable or a destination not writable
 * KERN_PROTECTION_FAILURE. */
static kern_return_t byte_copy(struct emu *emu, struct vm_map *map, uint64_t dst, uint64_t src,
                               uint64_t len)
{
    if (len <= VM_MAP_COPY_SMALL)
        return move_bytes(emu, dst, src, len);
    kern_return_t kr = vm_map_check_access(map, src, src + len, VM_PROT_READ);
    if (kr == KERN_SUCCESS)
        kr = vm_map_check_access(map, dst, dst + len, VM_PROT_WRITE);
    return kr == KERN_SUCCESS ? move_bytes(emu, dst, src, len) : kr;
}

/* The source as a copy-on-write copy, or NULL with KERN_SUCCESS when it must go byte
 * by byte. */
static kern_return_t take_virtual(struct vm_map *map, uint64_t src, uint64_t len,
                                  struct vm_map_copy **copy)
{
    *copy = NULL;
    if (!vm_map_copy_is_virtual(src, len))
        return KERN_SUCCESS;
    kern_return_t kr = vm_map_copyin_check(map, src, len);
    if (kr == KERN_NOT_SUPPORTED)
        return KERN_SUCCESS;
    return kr == KERN_SUCCESS ? vm_map_copyin(map, src, len, copy) : kr;
}

/* vm_map_copyin then vm_map_copy_overwrite, within the calling task. */
static kern_return_t copy_over(struct emu *emu, struct vm_map *map, uint64_t dst, uint64_t src,
                               uint64_t len)
{
    struct vm_map_copy *copy;
    if (src + len < src || dst + len < dst)
        return KERN_INVALID_ARGUMENT;
    if (len == 0)
        return KERN_SUCCESS;
    kern_return_t kr = (dst & PAGE_MASK) ? KERN_SUCCESS : take_virtual(map, src, len, &copy);
    if (kr != KERN_SUCCESS)
        return kr;
    if ((dst & PAGE_MASK) || !copy)
        return byte_copy(emu, map, dst, src, len);
    kr = vm_map_copy_overwrite_check(map, dst, len, copy);
    if (kr == KERN_SUCCESS)
        return vm_map_copy_overwrite(map, dst, copy);
    vm_map_copy_discard(copy);
    return kr == KERN_NOT_SUPPORTED ? byte_copy(emu, map, dst, src, len) : kr;
}

int64_t trap_vm_copy(struct emu *emu, const uint64_t a[8])
{
    struct vm_map *map = mach_task_map(emu, a[0]);
    return map ? copy_over(emu, map, a[3], a[1], a[2]) : MACHEMU_MACH_SEND_INVALID_DEST;
}

int64_t trap_vm_read_overwrite(struct emu *emu, const uint64_t a[8])
{
    struct vm_map *map = mach_task_map(emu, a[0]);
    if (!map)
        return MACHEMU_MACH_SEND_INVALID_DEST;
    int64_t kr = copy_over(emu, map, a[3], a[1], a[2]);
    if (kr == KERN_SUCCESS && copyout(emu, a[4], &a[2], sizeof a[2]) < 0)
        return KERN_INVALID_ADDRESS;
    return kr;
}

/* The data travels out of line as in the MIG message: a virtual copy of it. */
int64_t trap_vm_write(struct emu *emu, const uint64_t a[8])
{
    struct vm_map *map = mach_task_map(emu, a[0]);
    return map ? copy_over(emu, map, a[1], a[2], (uint32_t)a[3]) : MACHEMU_MACH_SEND_INVALID_DEST;
}

/* mach_vm_read's reply: new memory in the caller holding the data. A virtual copy
 * keeps the source's offset in its page, as XNU's copyout does; a small one starts
 * its own page. */
static kern_return_t read_out(struct emu *emu, struct vm_map *map, uint64_t src, uint64_t len,
                              uint64_t *data)
{
    struct vm_map_copy *copy;
    kern_return_t kr = take_virtual(map, src, len, &copy);
    if (kr != KERN_SUCCESS)
        return kr;
    if (copy) {
        kr = vm_map_copyout(map, emu->task->mmap_hint, data, copy);
        if (kr != KERN_SUCCESS)
            vm_map_copy_discard(copy);
        return kr;
    }
    if (len > VM_MAP_COPY_SMALL &&
        (kr = vm_map_check_access(map, src, src + len, VM_PROT_READ)) != KERN_SUCCESS)
        return kr;
    uint64_t skip = len > VM_MAP_COPY_SMALL ? src & PAGE_MASK : 0, size = round_page(skip + len);
    if (size < len || (kr = vm_map_find_space(map, emu->task->mmap_hint, size, 0, data)))
        return size < len ? KERN_INVALID_ARGUMENT : kr;
    kr = vm_map_enter(map, data, size, VM_FLAGS_FIXED, NULL, 0, false,
                      VM_PROT_READ | VM_PROT_WRITE, VM_PROT_ALL, VM_INHERIT_COPY, "VM_ALLOCATE");
    if (kr == KERN_SUCCESS && (kr = move_bytes(emu, *data + skip, src, len)) != KERN_SUCCESS)
        vm_map_remove(map, *data, *data + size);
    *data += skip;
    return kr;
}

int64_t trap_vm_read(struct emu *emu, const uint64_t a[8])
{
    struct vm_map *map = mach_task_map(emu, a[0]);
    uint64_t data = 0;
    uint32_t count = (uint32_t)a[2];
    if (!map)
        return MACHEMU_MACH_SEND_INVALID_DEST;
    if (a[1] + a[2] < a[1] || a[2] > UINT32_MAX)
        return KERN_INVALID_ARGUMENT;
    if (a[2] == 0) {
        count = 0;
    } else {
        kern_return_t kr = read_out(emu, map, a[1], a[2], &data);
        if (kr != KERN_SUCCESS)
            return kr;
    }
    if (copyout(emu, a[3], &data, sizeof data) < 0 || copyout(emu, a[4], &count, sizeof count) < 0)
        return KERN_INVALID_ADDRESS;
    return KERN_SUCCESS;
}
