/* mach/vm_page_size.h — the page size of the task's map: 16 KB, as on arm64 iOS. */
#ifndef MACHEMU_MACH_VM_PAGE_SIZE_H
#define MACHEMU_MACH_VM_PAGE_SIZE_H

#include <mach/vm_types.h>
#include <machemu/cdefs.h>

MACHEMU_BEGIN_DECLS

extern vm_size_t vm_page_size;    /* 16384 */
extern vm_size_t vm_page_mask;    /* 16383 */
extern int vm_page_shift;         /* 14 */
extern vm_size_t vm_kernel_page_size;
extern vm_size_t vm_kernel_page_mask;
extern int vm_kernel_page_shift;

/* Power-of-two page arithmetic on the run-time page size. */
#define trunc_page(x) ((x) & (~(vm_page_size - 1)))
#define round_page(x) trunc_page((x) + (vm_page_size - 1))

MACHEMU_END_DECLS

#endif
