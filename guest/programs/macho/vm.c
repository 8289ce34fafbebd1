/* vm: the Mach VM calls straight from a Mach-O program (no malloc): allocate
 * anywhere and fixed, protect with current and maximum rights, deallocate, and
 * __PAGEZERO's range refused.
 *
 *   vm            the checks, one line each
 *   vm rowrite    writes to memory mach_vm_protect made read-only: EXC_BAD_ACCESS
 *                 (SIGBUS) KERN_PROTECTION_FAILURE, exit status 138 */
#include <mach/mach.h>
#include "guest_test.h"

#define PAGES 4

static mach_vm_address_t allocate_pages(void)
{
    mach_vm_address_t a = 0;
    kern_return_t kr = mach_vm_allocate(mach_task_self(), &a, PAGES * vm_page_size,
                                        VM_FLAGS_ANYWHERE);
    CHECK(10, kr == KERN_SUCCESS && a != 0 && (a & vm_page_mask) == 0);
    return a;
}

static void zero_fill_and_write(mach_vm_address_t a)
{
    unsigned char *p = (unsigned char *)a;
    for (size_t i = 0; i < PAGES * vm_page_size; i += 4096)
        CHECK(11, p[i] == 0);
    for (size_t i = 0; i < PAGES * vm_page_size; i += 4096)
        p[i] = (unsigned char)(i >> 12);
    printf("allocate: %u zero-filled pages, written\n", PAGES);
}

static void protections(mach_vm_address_t a)
{
    task_t me = mach_task_self();
    CHECK(12, mach_vm_protect(me, a, vm_page_size, FALSE, VM_PROT_READ) == KERN_SUCCESS);
    CHECK(13, ((volatile unsigned char *)a)[0] == 0);
    CHECK(14, mach_vm_protect(me, a, vm_page_size, TRUE, VM_PROT_READ) == KERN_SUCCESS);
    CHECK(15, mach_vm_protect(me, a, vm_page_size, FALSE, VM_PROT_READ | VM_PROT_WRITE) ==
              KERN_PROTECTION_FAILURE);
    printf("protect: read-only, maximum lowered, raising above it is KERN_PROTECTION_FAILURE\n");
}

static void fixed_and_deallocate(mach_vm_address_t a)
{
    task_t me = mach_task_self();
    mach_vm_address_t at = a + vm_page_size;
    CHECK(16, mach_vm_allocate(me, &at, vm_page_size, VM_FLAGS_FIXED) == KERN_NO_SPACE);
    CHECK(17, mach_vm_deallocate(me, a + vm_page_size, vm_page_size) == KERN_SUCCESS);
    CHECK(18, mach_vm_allocate(me, &at, vm_page_size, VM_FLAGS_FIXED) == KERN_SUCCESS);
    CHECK(19, at == a + vm_page_size && ((unsigned char *)at)[4096] == 0);
    CHECK(20, ((unsigned char *)a)[2 * vm_page_size] == (unsigned char)((2 * vm_page_size) >> 12));
    CHECK(21, mach_vm_deallocate(me, a, PAGES * vm_page_size) == KERN_SUCCESS);
    printf("deallocate: a hole, refilled FIXED with zeros; neighbours kept\n");
}

extern const char _mh_execute_header[];

static void page_zero(void)
{
    mach_vm_address_t low = 0x10000;
    kern_return_t kr = mach_vm_allocate(mach_task_self(), &low, vm_page_size, VM_FLAGS_FIXED);
    CHECK(22, kr == KERN_INVALID_ADDRESS);
    mach_vm_address_t any = 0;
    CHECK(23, mach_vm_allocate(mach_task_self(), &any, vm_page_size, VM_FLAGS_ANYWHERE) ==
              KERN_SUCCESS);
    CHECK(24, any > (mach_vm_address_t)(uintptr_t)_mh_execute_header);
    printf("__PAGEZERO: FIXED below the image is KERN_INVALID_ADDRESS; ANYWHERE lands above it\n");
}

int main(int argc, char **argv)
{
    mach_vm_address_t a = allocate_pages();
    if (argc > 1 && !strcmp(argv[1], "rowrite")) {
        CHECK(30, mach_vm_protect(mach_task_self(), a, vm_page_size, FALSE, VM_PROT_READ) ==
                  KERN_SUCCESS);
        fprintf(stderr, "fault address 0x%llx\n", (unsigned long long)a + 8);
        ((volatile unsigned char *)a)[8] = 1;
        return 1;
    }
    zero_fill_and_write(a);
    protections(a);
    fixed_and_deallocate(a);
    page_zero();
    return 0;
}
