/* mach/mach_types.h — the port-typed handles of the Mach interface and the types of
 * every header the VM interface needs. In user space every handle is a port name. */
#ifndef MACHEMU_MACH_MACH_TYPES_H
#define MACHEMU_MACH_MACH_TYPES_H

#include <mach/boolean.h>
#include <mach/host_info.h>
#include <mach/kern_return.h>
#include <mach/memory_object_types.h>
#include <mach/message.h>
#include <mach/port.h>
#include <mach/task_info.h>
#include <mach/vm_behavior.h>
#include <mach/vm_inherit.h>
#include <mach/vm_prot.h>
#include <mach/vm_purgable.h>
#include <mach/vm_region.h>
#include <mach/vm_statistics.h>
#include <mach/vm_types.h>

typedef mach_port_t task_t;
typedef mach_port_t task_name_t;
typedef mach_port_t task_read_t;
typedef mach_port_t task_inspect_t;
typedef mach_port_t thread_t;
typedef mach_port_t thread_act_t;
typedef mach_port_t ipc_space_t;
typedef mach_port_t host_t;
typedef mach_port_t host_priv_t;
typedef mach_port_t host_name_t;
typedef mach_port_t vm_map_t;
typedef mach_port_t vm_map_read_t;
typedef mach_port_t vm_map_inspect_t;
typedef mach_port_t mem_entry_name_port_t;

#define TASK_NULL        ((task_t)0)
#define TASK_NAME_NULL   ((task_name_t)0)
#define THREAD_NULL      ((thread_t)0)
#define HOST_NULL        ((host_t)0)
#define HOST_PRIV_NULL   ((host_priv_t)0)
#define VM_MAP_NULL      ((vm_map_t)0)
#define MEM_ENTRY_NULL   ((mem_entry_name_port_t)0)

#endif
