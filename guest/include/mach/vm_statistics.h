/* mach/vm_statistics.h — system VM counters (host_statistics64), page dispositions
 * (mach_vm_page_query) and the flags of mach_vm_allocate / mach_vm_map. */
#ifndef MACHEMU_MACH_VM_STATISTICS_H
#define MACHEMU_MACH_VM_STATISTICS_H

#include <machemu/abi.h>
#include <mach/vm_types.h>

/* struct vm_statistics64 (38 integer_t) is defined once, in machemu/abi.h, so the
 * emulator fills exactly the layout programs read. Counts are in pages of vm_page_size. */
typedef struct vm_statistics64 *vm_statistics64_t;
typedef struct vm_statistics64 vm_statistics64_data_t;

/* mach_vm_page_query dispositions. */
#define VM_PAGE_QUERY_PAGE_PRESENT     0x1    /* resident in memory */
#define VM_PAGE_QUERY_PAGE_FICTITIOUS  0x2
#define VM_PAGE_QUERY_PAGE_REF         0x4    /* referenced since last cleared */
#define VM_PAGE_QUERY_PAGE_DIRTY       0x8    /* modified */
#define VM_PAGE_QUERY_PAGE_PAGED_OUT   0x10   /* in the compressor / paged out */
#define VM_PAGE_QUERY_PAGE_COPIED      0x20   /* found through a copy (shadow) */
#define VM_PAGE_QUERY_PAGE_SPECULATIVE 0x40   /* on the speculative queue */
#define VM_PAGE_QUERY_PAGE_EXTERNAL    0x80   /* backed by a file */
#define VM_PAGE_QUERY_PAGE_CS_VALIDATED 0x100
#define VM_PAGE_QUERY_PAGE_CS_TAINTED  0x200
#define VM_PAGE_QUERY_PAGE_CS_NX       0x400
#define VM_PAGE_QUERY_PAGE_REUSABLE    0x800

/* Flags of mach_vm_allocate and mach_vm_map. */
#define VM_FLAGS_FIXED              0x00000000
#define VM_FLAGS_ANYWHERE           0x00000001
#define VM_FLAGS_PURGABLE           0x00000002
#define VM_FLAGS_4GB_CHUNK          0x00000004
#define VM_FLAGS_RANDOM_ADDR        0x00000008
#define VM_FLAGS_NO_CACHE           0x00000010
#define VM_FLAGS_RESILIENT_CODESIGN 0x00000020
#define VM_FLAGS_RESILIENT_MEDIA    0x00000040
#define VM_FLAGS_PERMANENT          0x00000080
#define VM_FLAGS_TPRO               0x00001000
#define VM_FLAGS_OVERWRITE          0x00004000  /* with FIXED: replace what is there */
#define VM_FLAGS_SUPERPAGE_MASK     0x00070000
#define VM_FLAGS_RETURN_DATA_ADDR   0x00100000
#define VM_FLAGS_RETURN_4K_DATA_ADDR 0x00800000
#define VM_FLAGS_ALIAS_MASK         0xFF000000

#define VM_FLAGS_SUPERPAGE_SHIFT     16
#define SUPERPAGE_NONE               0
#define SUPERPAGE_SIZE_ANY           1
#define VM_FLAGS_SUPERPAGE_NONE      (SUPERPAGE_NONE << VM_FLAGS_SUPERPAGE_SHIFT)
#define VM_FLAGS_SUPERPAGE_SIZE_ANY  (SUPERPAGE_SIZE_ANY << VM_FLAGS_SUPERPAGE_SHIFT)

/* The flags user space may pass to each call. */
#define VM_FLAGS_USER_ALLOCATE                                                         \
    (VM_FLAGS_FIXED | VM_FLAGS_ANYWHERE | VM_FLAGS_PURGABLE | VM_FLAGS_4GB_CHUNK |     \
     VM_FLAGS_RANDOM_ADDR | VM_FLAGS_NO_CACHE | VM_FLAGS_PERMANENT | VM_FLAGS_OVERWRITE | \
     VM_FLAGS_SUPERPAGE_MASK | VM_FLAGS_TPRO | VM_FLAGS_ALIAS_MASK)
#define VM_FLAGS_USER_MAP \
    (VM_FLAGS_USER_ALLOCATE | VM_FLAGS_RETURN_4K_DATA_ADDR | VM_FLAGS_RETURN_DATA_ADDR)
#define VM_FLAGS_USER_REMAP                                                           \
    (VM_FLAGS_FIXED | VM_FLAGS_ANYWHERE | VM_FLAGS_RANDOM_ADDR | VM_FLAGS_OVERWRITE | \
     VM_FLAGS_RETURN_DATA_ADDR | VM_FLAGS_RESILIENT_CODESIGN | VM_FLAGS_RESILIENT_MEDIA)

/* A memory tag (what vmmap shows as the region's kind) rides in the top byte. */
#define VM_MAKE_TAG(tag) ((tag) << 24)
#define VM_GET_FLAGS_ALIAS(flags, alias) \
    (alias) = (int)(((unsigned)(flags) & VM_FLAGS_ALIAS_MASK) >> 24)
#define VM_SET_FLAGS_ALIAS(flags, alias)                      \
    (flags) = (int)(((unsigned)(flags) & ~VM_FLAGS_ALIAS_MASK) | \
                    (((unsigned)(alias) & 0xffu) << 24))

#define VM_MEMORY_MALLOC                 1
#define VM_MEMORY_MALLOC_SMALL           2
#define VM_MEMORY_MALLOC_LARGE           3
#define VM_MEMORY_MALLOC_HUGE            4
#define VM_MEMORY_SBRK                   5
#define VM_MEMORY_REALLOC                6
#define VM_MEMORY_MALLOC_TINY            7
#define VM_MEMORY_MALLOC_LARGE_REUSABLE  8
#define VM_MEMORY_MALLOC_LARGE_REUSED    9
#define VM_MEMORY_ANALYSIS_TOOL         10
#define VM_MEMORY_MALLOC_NANO           11
#define VM_MEMORY_MALLOC_MEDIUM         12
#define VM_MEMORY_MACH_MSG              20
#define VM_MEMORY_IOKIT                 21
#define VM_MEMORY_STACK                 30
#define VM_MEMORY_GUARD                 31
#define VM_MEMORY_SHARED_PMAP           32
#define VM_MEMORY_DYLIB                 33
#define VM_MEMORY_DYLD                  60
#define VM_MEMORY_DYLD_MALLOC           61
#define VM_MEMORY_APPLICATION_SPECIFIC_1  240
#define VM_MEMORY_APPLICATION_SPECIFIC_16 255

#endif
