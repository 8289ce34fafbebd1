/* mach/host_info.h — flavors and counts of host_info / host_statistics64. */
#ifndef MACHEMU_MACH_HOST_INFO_H
#define MACHEMU_MACH_HOST_INFO_H

#include <mach/message.h>
#include <mach/vm_statistics.h>

typedef integer_t host_flavor_t;
typedef integer_t *host_info_t;
typedef integer_t *host_info64_t;
#define HOST_INFO_MAX 1024
typedef integer_t host_info_data_t[HOST_INFO_MAX];
typedef integer_t host_info64_data_t[HOST_INFO_MAX];

/* host_statistics flavors (32-bit counters; machemu implements only the 64-bit ones). */
#define HOST_LOAD_INFO     1
#define HOST_VM_INFO       2
#define HOST_CPU_LOAD_INFO 3

/* host_statistics64 flavors. */
#define HOST_VM_INFO64          4   /* vm_statistics64_data_t */
#define HOST_EXTMOD_INFO64      5
#define HOST_EXPIRED_TASK_INFO  6

#define HOST_VM_INFO64_COUNT \
    ((mach_msg_type_number_t)(sizeof(vm_statistics64_data_t) / sizeof(integer_t)))
#define HOST_VM_INFO64_LATEST_COUNT HOST_VM_INFO64_COUNT
#define HOST_VM_INFO64_REV1_COUNT HOST_VM_INFO64_LATEST_COUNT
/* Revision 0 lacks the compressor and swap counters (the last 14 ints). */
#define HOST_VM_INFO64_REV0_COUNT ((mach_msg_type_number_t)(HOST_VM_INFO64_REV1_COUNT - 14))

#endif
