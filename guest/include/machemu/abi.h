/* machemu/abi.h — the Darwin personality as machemu implements it.
 *
 * Shared by the guest SDK (the mach headers, libmach, the SDK libc) and by the emulator
 * (emu/mach.c, emu/darwin_bsd.c), so both sides agree on numbers and layouts.
 * Only <stdint.h> types: it compiles for the host and for either guest target.
 *
 * Calling convention: `svc #0x80`, number in x16, arguments in x0..x7.
 *  - x16 < 0: a Mach trap; x0 returns a kern_return_t (or a port name).
 *  - x16 > 0: a BSD system call; on success the carry flag (PSTATE.C) is clear and
 *    x0 holds the result; on failure C is set and x0 holds a Darwin errno.
 *
 * Traps -10..-29 carry XNU's numbers. XNU reaches the other mach_vm_* routines
 * through MIG messages (mach_msg); machemu has no IPC, so they are direct traps
 * numbered from -100, slots XNU leaves invalid. */
#ifndef MACHEMU_ABI_H
#define MACHEMU_ABI_H

#include <stdint.h>

/* Mach traps (x16 = -number). */
#define MACHEMU_TRAP_VM_ALLOCATE         10  /* (task, uint64 *addr, size, flags) */
#define MACHEMU_TRAP_VM_PURGABLE_CONTROL 11  /* (task, addr, control, int *state) */
#define MACHEMU_TRAP_VM_DEALLOCATE       12  /* (task, addr, size) */
#define MACHEMU_TRAP_VM_PROTECT          14  /* (task, addr, size, set_max, prot) */
#define MACHEMU_TRAP_VM_MAP_ANON         15  /* (task, uint64 *addr, size, mask, flags, cur) */
#define MACHEMU_TRAP_PORT_DEALLOCATE     18  /* (task, name) */
#define MACHEMU_TRAP_THREAD_SELF         27  /* () -> port */
#define MACHEMU_TRAP_TASK_SELF           28  /* () -> port */
#define MACHEMU_TRAP_HOST_SELF           29  /* () -> port */
#define MACHEMU_TRAP_VM_MAP             100  /* (task, uint64 *addr, size, mask, flags,
                                                object, offset, struct machemu_vm_map_args *) */
#define MACHEMU_TRAP_VM_COPY            101  /* (task, src, size, dst) */
#define MACHEMU_TRAP_VM_READ_OVERWRITE  102  /* (task, addr, size, data, uint64 *outsize) */
#define MACHEMU_TRAP_VM_WRITE           103  /* (task, addr, data, uint32 count) */
#define MACHEMU_TRAP_VM_REGION          104  /* (task, uint64 *addr, uint64 *size, flavor,
                                                int32 *info, uint32 *count, uint32 *object) */
#define MACHEMU_TRAP_VM_PAGE_QUERY      105  /* (task, addr, int32 *disposition, int32 *refs) */
#define MACHEMU_TRAP_VM_WIRE            106  /* (host, task, addr, size, access) NONE = unwire */
#define MACHEMU_TRAP_VM_INHERIT         107  /* (task, addr, size, inheritance) */
#define MACHEMU_TRAP_HOST_STATISTICS64  108  /* (host, flavor, int32 *info, uint32 *count) */
#define MACHEMU_TRAP_TASK_INFO          109  /* (task, flavor, int32 *info, uint32 *count) */
#define MACHEMU_TRAP_MAKE_MEMORY_ENTRY  118  /* (task, uint64 *size, offset, permission,
                                                uint32 *handle, parent) */
#define MACHEMU_TRAP_MEMORY_OBJECT_ENTRY 119 /* (host, internal, size, permission, pager,
                                                uint32 *handle) */
#define MACHEMU_TRAP_VM_READ            120  /* (task, addr, size, uint64 *data, uint32 *count) */
#define MACHEMU_TRAP_VM_REGION_RECURSE  121  /* (task, uint64 *addr, uint64 *size,
                                                uint32 *depth, int32 *info, uint32 *count) */

/* Memory-pressure notes delivered as upcalls (machemu's own traps; XNU delivers the same
 * notes through kevent/dispatch sources, EVFILT_MEMORYSTATUS).
 *
 * -110 pressure_handler_set(handler, ctx, mask): from now on each note in mask runs
 *      handler(note, ctx) on the task's stack, interrupting whatever it was doing, and
 *      the interrupted code resumes when the handler returns. handler 0 unregisters
 *      (ctx and mask ignored; queued notes are dropped). KERN_INVALID_ARGUMENT for a
 *      mask with no note or unknown bits; KERN_NO_SPACE / KERN_RESOURCE_SHORTAGE if the
 *      trampoline page cannot be mapped. Not inherited by fork; reset by exec.
 * -111 pressure_return(): the trampoline's trap (x30 of a handler points at it): restores
 *      every register of the interrupted code, then delivers the next queued note.
 *      KERN_INVALID_ARGUMENT (and nothing restored) outside a handler.
 * -112 pressure_send(pid, note, delay): queues note for pid (0 = the caller) after
 *      delay guest instructions (0: at once), as XNU's kern.memorystatus_vm_pressure_send
 *      sysctl does for `memory_pressure -S`. KERN_SUCCESS if the target has a handler for
 *      the note, KERN_NOT_RECEIVER if not (nothing queued), KERN_INVALID_TASK for no live
 *      task with that pid, KERN_INVALID_ARGUMENT unless note is exactly one MACHEMU_NOTE_*,
 *      KERN_RESOURCE_SHORTAGE when MACHEMU_PRESSURE_MAX_DELAYED notes already wait.
 *
 * Delivery happens only at safe points: on return from a system call, when the CPU
 * stops after a fault, and at block boundaries once a delayed note is due; a note that
 * arrives while its task runs a handler waits (one per kind, in order of arrival) until
 * the handler returns. The interrupted context is kept by the emulator, not on the guest
 * stack, so nothing the guest writes can change what the return trap restores. */
#define MACHEMU_TRAP_PRESSURE_HANDLER_SET 110 /* (handler, ctx, uint32 mask) */
#define MACHEMU_TRAP_PRESSURE_RETURN      111 /* () */
#define MACHEMU_TRAP_PRESSURE_SEND        112 /* (pid, uint32 note, uint64 delay) */

/* The notes: XNU's NOTE_MEMORYSTATUS_* values (bsd/sys/event.h). */
#define MACHEMU_NOTE_PRESSURE_NORMAL      0x00000001u
#define MACHEMU_NOTE_PRESSURE_WARN        0x00000002u
#define MACHEMU_NOTE_PRESSURE_CRITICAL    0x00000004u
#define MACHEMU_NOTE_LOW_SWAP             0x00000008u   /* macOS mode: swap nearly full */
#define MACHEMU_NOTE_PROC_LIMIT_WARN      0x00000010u
#define MACHEMU_NOTE_PROC_LIMIT_CRITICAL  0x00000020u
#define MACHEMU_NOTE_ALL                  0x0000003fu
#define MACHEMU_PRESSURE_MAX_DELAYED      256

/* mach_vm_map's arguments past the eighth (arm64 passes them on the stack, and the
 * Apple and AAPCS64 stack layouts differ, so libmach packs them here). */
struct machemu_vm_map_args {
    int32_t copy;
    int32_t cur_protection, max_protection;
    uint32_t inheritance;
};

/* Port names machemu hands out. Any other name as a target gives
 * MACH_SEND_INVALID_DEST, as a dead or bogus port does on XNU. */
#define MACHEMU_PORT_TASK_SELF   0x103u
#define MACHEMU_PORT_HOST        0x203u
#define MACHEMU_PORT_THREAD_SELF 0x307u
#define MACHEMU_MACH_SEND_INVALID_DEST 0x10000003

/* Darwin BSD system calls machemu implements (x16 = number). */
#define MACHEMU_SYS_exit           1
#define MACHEMU_SYS_fork           2
#define MACHEMU_SYS_read           3
#define MACHEMU_SYS_write          4
#define MACHEMU_SYS_open           5
#define MACHEMU_SYS_close          6
#define MACHEMU_SYS_wait4          7
#define MACHEMU_SYS_unlink        10
#define MACHEMU_SYS_getpid        20
#define MACHEMU_SYS_getuid        24
#define MACHEMU_SYS_geteuid       25
#define MACHEMU_SYS_kill          37
#define MACHEMU_SYS_getppid       39
#define MACHEMU_SYS_getegid       43
#define MACHEMU_SYS_getgid        47
#define MACHEMU_SYS_execve        59
#define MACHEMU_SYS_munmap        73
#define MACHEMU_SYS_mprotect      74
#define MACHEMU_SYS_madvise       75
#define MACHEMU_SYS_gettimeofday 116
#define MACHEMU_SYS_mmap         197
#define MACHEMU_SYS_lseek        199
#define MACHEMU_SYS_stat64       338
#define MACHEMU_SYS_fstat64      339
#define MACHEMU_SYS_lstat64      340
#define MACHEMU_SYS_memorystatus_control 440

/* memorystatus_control(command, pid, flags, buffer, buffersize): XNU's commands and
 * layouts (bsd/sys/kern_memorystatus.h); <sys/kern_memorystatus.h> gives XNU's names. */
#define MACHEMU_MEMSTAT_GET_PRIORITY_LIST          1  /* buffer: machemu_memstat_entry[] */
#define MACHEMU_MEMSTAT_SET_PRIORITY_PROPERTIES    2  /* buffer: machemu_memstat_priority */
#define MACHEMU_MEMSTAT_GET_PRESSURE_STATUS        4  /* returns 1 under pressure, else 0 */
#define MACHEMU_MEMSTAT_SET_JETSAM_HIGH_WATER_MARK 5  /* flags = MB, soft */
#define MACHEMU_MEMSTAT_SET_JETSAM_TASK_LIMIT      6  /* flags = MB, fatal */
#define MACHEMU_MEMSTAT_SET_MEMLIMIT_PROPERTIES    7  /* buffer: machemu_memstat_memlimit */
#define MACHEMU_MEMSTAT_GET_MEMLIMIT_PROPERTIES    8  /* buffer: machemu_memstat_memlimit */
#define MACHEMU_MEMSTAT_MEMLIMIT_ATTR_FATAL      0x1
/* Jetsam bands, XNU's JETSAM_PRIORITY_* (bsd/sys/kern_memorystatus.h): lower dies first. */
#define MACHEMU_JETSAM_PRIORITY_IDLE                         0
#define MACHEMU_JETSAM_PRIORITY_AGING_BAND1                 10
#define MACHEMU_JETSAM_PRIORITY_BACKGROUND_OPPORTUNISTIC    20
#define MACHEMU_JETSAM_PRIORITY_BACKGROUND                  30
#define MACHEMU_JETSAM_PRIORITY_MAIL                        40
#define MACHEMU_JETSAM_PRIORITY_PHONE                       50
#define MACHEMU_JETSAM_PRIORITY_FREEZER                     75
#define MACHEMU_JETSAM_PRIORITY_UI_SUPPORT                  80
#define MACHEMU_JETSAM_PRIORITY_FOREGROUND_SUPPORT          90
#define MACHEMU_JETSAM_PRIORITY_FOREGROUND                 100
#define MACHEMU_JETSAM_PRIORITY_AUDIO_AND_ACCESSORY        120
#define MACHEMU_JETSAM_PRIORITY_CONDUCTOR                  130
#define MACHEMU_JETSAM_PRIORITY_DRIVER_APPLE               150
#define MACHEMU_JETSAM_PRIORITY_HOME                       160
#define MACHEMU_JETSAM_PRIORITY_EXECUTIVE                  170
#define MACHEMU_JETSAM_PRIORITY_IMPORTANT                  180
#define MACHEMU_JETSAM_PRIORITY_CRITICAL                   190
#define MACHEMU_JETSAM_PRIORITY_MAX              210
#define MACHEMU_JETSAM_PRIORITY_DEFAULT          180  /* what priority -1 stands for */

struct machemu_memstat_entry {
    int32_t pid;
    int32_t priority;
    uint64_t user_data;
    int32_t limit;                                 /* MB; -1: none */
    uint32_t state;
};

struct machemu_memstat_priority {
    int32_t priority;
    uint64_t user_data;
};

struct machemu_memstat_memlimit {
    int32_t memlimit_active;                       /* MB; -1: none */
    uint32_t memlimit_active_attr;
    int32_t memlimit_inactive;
    uint32_t memlimit_inactive_attr;
};

/* host_statistics64(HOST_VM_INFO64): XNU's vm_statistics64, 38 integer_t. */
#define MACHEMU_HOST_VM_INFO64 4
struct vm_statistics64 {
    uint32_t free_count, active_count, inactive_count, wire_count;
    uint64_t zero_fill_count, reactivations, pageins, pageouts, faults, cow_faults;
    uint64_t lookups, hits, purges;
    uint32_t purgeable_count, speculative_count;
    uint64_t decompressions, compressions, swapins, swapouts;
    uint32_t compressor_page_count, throttled_count, external_page_count, internal_page_count;
    uint64_t total_uncompressed_pages_in_compressor;
} __attribute__((aligned(8)));

/* task_info(TASK_VM_INFO), through revision 2 (phys_footprint, min/max address);
 * packed to 4 bytes as XNU's task_info.h does. */
#define MACHEMU_TASK_VM_INFO 22
#pragma pack(push, 4)
struct task_vm_info {
    uint64_t virtual_size;
    int32_t region_count, page_size;
    uint64_t resident_size, resident_size_peak;
    uint64_t device, device_peak, internal, internal_peak, external, external_peak;
    uint64_t reusable, reusable_peak;
    uint64_t purgeable_volatile_pmap, purgeable_volatile_resident, purgeable_volatile_virtual;
    uint64_t compressed, compressed_peak, compressed_lifetime;
    uint64_t phys_footprint;                       /* rev1 */
    uint64_t min_address, max_address;             /* rev2 */
    int64_t ledger_phys_footprint_peak;            /* rev3 */
    int64_t ledger_purgeable_nonvolatile, ledger_purgeable_novolatile_compressed;
    int64_t ledger_purgeable_volatile, ledger_purgeable_volatile_compressed;
    int64_t ledger_tag_network_nonvolatile, ledger_tag_network_nonvolatile_compressed;
    int64_t ledger_tag_network_volatile, ledger_tag_network_volatile_compressed;
    int64_t ledger_tag_media_footprint, ledger_tag_media_footprint_compressed;
    int64_t ledger_tag_media_nofootprint, ledger_tag_media_nofootprint_compressed;
    int64_t ledger_tag_graphics_footprint, ledger_tag_graphics_footprint_compressed;
    int64_t ledger_tag_graphics_nofootprint, ledger_tag_graphics_nofootprint_compressed;
    int64_t ledger_tag_neural_footprint, ledger_tag_neural_footprint_compressed;
    int64_t ledger_tag_neural_nofootprint, ledger_tag_neural_nofootprint_compressed;
    uint64_t limit_bytes_remaining;                /* rev4 */
    int32_t decompressions;                        /* rev5 */
};
#pragma pack(pop)

/* mach_vm_region(VM_REGION_BASIC_INFO_64): packed to 4 bytes as XNU does, 9 int32. */
#define MACHEMU_VM_REGION_BASIC_INFO_64 9
#pragma pack(push, 4)
struct vm_region_basic_info_64 {
    int32_t protection, max_protection;
    uint32_t inheritance;
    uint32_t shared;                               /* boolean_t */
    uint32_t reserved;
    uint64_t offset;
    int32_t behavior;
    uint16_t user_wired_count;
};

/* VM_REGION_EXTENDED_INFO (13), VM_REGION_TOP_INFO (12), and what
 * mach_vm_region_recurse_64 fills (vm_region_submap_info_64, 19 int32): XNU's layouts. */
#define MACHEMU_VM_REGION_TOP_INFO      12
#define MACHEMU_VM_REGION_EXTENDED_INFO 13
struct vm_region_extended_info {
    int32_t protection;
    uint32_t user_tag, pages_resident, pages_shared_now_private, pages_swapped_out,
             pages_dirtied, ref_count;
    uint16_t shadow_depth;
    uint8_t external_pager, share_mode;
    uint32_t pages_reusable;
};
struct vm_region_top_info {
    uint32_t obj_id, ref_count, private_pages_resident, shared_pages_resident;
    uint8_t share_mode;
};
struct vm_region_submap_info_64 {
    int32_t protection, max_protection;
    uint32_t inheritance;
    uint64_t offset;
    uint32_t user_tag, pages_resident, pages_shared_now_private, pages_swapped_out,
             pages_dirtied, ref_count;
    uint16_t shadow_depth;
    uint8_t external_pager, share_mode;
    uint32_t is_submap;                            /* boolean_t */
    int32_t behavior;
    uint32_t object_id;
    uint16_t user_wired_count;
    uint32_t pages_reusable;
    uint64_t object_id_full;
};
#pragma pack(pop)

#endif
