/* emu/uaccess.c — the kernel side of guest pointers: every byte goes through the
 * current task's MMU and VM, so a bad pointer is -EFAULT, never a host access. */
#include <errno.h>
#include <string.h>
#include "emu/internal.h"

void *guest_ptr(struct emu *emu, uint64_t va, size_t len, vm_prot_t access)
{
    if (len == 0 || va >= VA_USER_END || (va & PAGE_MASK) + len > PAGE_SIZE)
        return NULL;
    struct mmu_xlate x;
    struct mmu_fault f;
    for (int attempt = 0; attempt < 3; attempt++) {
        if (mmu_translate(&emu->mmu, va, access, &x, &f) == MMU_OK) {
            if (access & VM_PROT_WRITE)
                phys_will_write(&emu->phys, x.pfn);
            return (uint8_t *)phys_ptr(&emu->phys, x.pfn) + (va & PAGE_MASK);
        }
        if (emu_vm_fault(emu, va, access) != KERN_SUCCESS)
            return NULL;
    }
    return NULL;
}

/* Calls fn on each page-sized piece of [va, va+len). */
static int each_piece(struct emu *emu, uint64_t va, size_t len, vm_prot_t access,
                      void (*fn)(void *guest, void *buf, size_t n), void *buf)
{
    if (va + len < va)
        return -EFAULT;
    while (len) {
        size_t n = PAGE_SIZE - (va & PAGE_MASK);
        if (n > len)
            n = len;
        void *g = guest_ptr(emu, va, n, access);
        if (!g)
            return -EFAULT;
        fn(g, buf, n);
        buf = (uint8_t *)buf + n;
        va += n;
        len -= n;
    }
    return 0;
}

static void piece_in(void *guest, void *buf, size_t n) { memcpy(buf, guest, n); }
static void piece_out(void *guest, void *buf, size_t n) { memcpy(guest, buf, n); }

int copyin(struct emu *emu, void *dst, uint64_t src, size_t len)
{
    return each_piece(emu, src, len, VM_PROT_READ, piece_in, dst);
}

int copyout(struct emu *emu, uint64_t dst, const void *src, size_t len)
{
    return each_piece(emu, dst, len, VM_PROT_WRITE, piece_out, (void *)src);
}

int copyinstr(struct emu *emu, char *dst, uint64_t src, size_t max)
{
    for (size_t i = 0; i < max;) {
        size_t n = PAGE_SIZE - (src & PAGE_MASK);
        if (n > max - i)
            n = max - i;
        const char *g = guest_ptr(emu, src, n, VM_PROT_READ);
        if (!g)
            return -EFAULT;
        const char *nul = memchr(g, 0, n);
        size_t take = nul ? (size_t)(nul - g) + 1 : n;
        memcpy(dst + i, g, take);
        if (nul)
            return 0;
        i += n;
        src += n;
    }
    return -ENAMETOOLONG;
}
