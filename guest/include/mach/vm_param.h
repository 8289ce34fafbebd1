/* mach/vm_param.h — page-size constants of arm64 user space. Not included by
 * <mach/mach.h> (as on Darwin it is not needed there); include it for PAGE_SIZE. */
#ifndef MACHEMU_MACH_VM_PARAM_H
#define MACHEMU_MACH_VM_PARAM_H

#include <mach/vm_page_size.h>

/* arm64 user space: the page size is a run-time value (16 KB on iOS, machemu too). */
#define PAGE_MAX_SHIFT 14
#define PAGE_MAX_SIZE  (1 << PAGE_MAX_SHIFT)
#define PAGE_MAX_MASK  (PAGE_MAX_SIZE - 1)
#define PAGE_MIN_SHIFT 12
#define PAGE_MIN_SIZE  (1 << PAGE_MIN_SHIFT)
#define PAGE_MIN_MASK  (PAGE_MIN_SIZE - 1)

#ifndef PAGE_SHIFT
#define PAGE_SHIFT vm_page_shift
#endif
#ifndef PAGE_SIZE
#define PAGE_SIZE vm_page_size
#endif
#ifndef PAGE_MASK
#define PAGE_MASK vm_page_mask
#endif

#define mach_vm_round_page(x) (((mach_vm_offset_t)(x) + vm_page_mask) & ~(mach_vm_offset_t)vm_page_mask)
#define mach_vm_trunc_page(x) ((mach_vm_offset_t)(x) & ~(mach_vm_offset_t)vm_page_mask)

#endif
