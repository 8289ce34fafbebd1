/* mach/mach.h — the Mach interface machemu provides to guest programs.
 *
 *   #include <mach/mach.h>
 *   mach_vm_address_t a = 0;
 *   kern_return_t kr = mach_vm_allocate(mach_task_self(), &a, 65536, VM_FLAGS_ANYWHERE);
 *
 * Link with libmach.a (build/guest/machemu-cc does it). Unlike Darwin's, this header
 * also brings <mach/mach_vm.h>; see that header for how the calls reach the kernel. */
#ifndef MACHEMU_MACH_MACH_H
#define MACHEMU_MACH_MACH_H

#include <mach/mach_types.h>
#include <mach/mach_init.h>
#include <mach/mach_error.h>
#include <mach/mach_host.h>
#include <mach/host_priv.h>
#include <mach/task.h>
#include <mach/mach_vm.h>
#include <mach/vm_map.h>

#endif
