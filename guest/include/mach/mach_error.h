/* mach/mach_error.h — text for kern_return_t and mach_msg_return_t values. */
#ifndef MACHEMU_MACH_MACH_ERROR_H
#define MACHEMU_MACH_MACH_ERROR_H

#include <mach/error.h>
#include <machemu/cdefs.h>

MACHEMU_BEGIN_DECLS

/* "(os/kern) invalid address" for KERN_INVALID_ADDRESS, and so on. */
char *mach_error_string(mach_error_t error_value);
/* "(os/kern)" for a KERN_* code, "(ipc/send)" for a MACH_SEND_* code, ... */
char *mach_error_type(mach_error_t error_value);

MACHEMU_END_DECLS

#endif
