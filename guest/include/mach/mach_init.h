/* mach/mach_init.h — the ports a task starts with, and the page size. */
#ifndef MACHEMU_MACH_MACH_INIT_H
#define MACHEMU_MACH_MACH_INIT_H

#include <mach/mach_types.h>
#include <mach/vm_page_size.h>
#include <machemu/cdefs.h>

MACHEMU_BEGIN_DECLS

/* The caller's own task port; the first call asks the kernel, later ones reuse it. */
mach_port_t mach_task_self(void);
mach_port_t mach_host_self(void);
mach_port_t mach_thread_self(void);
#define current_task() mach_task_self()

/* The page size of `host` (answered locally, as Darwin's libsyscall does). */
kern_return_t host_page_size(host_t host, vm_size_t *page_size);

MACHEMU_END_DECLS

#endif
