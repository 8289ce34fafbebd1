/* mach/mach_host.h — host-wide information. */
#ifndef MACHEMU_MACH_MACH_HOST_H
#define MACHEMU_MACH_MACH_HOST_H

#include <mach/mach_types.h>
#include <machemu/cdefs.h>

MACHEMU_BEGIN_DECLS

/* HOST_VM_INFO64 fills a vm_statistics64_data_t; *host_info64_outCnt is in integer_t
 * on input (at least HOST_VM_INFO64_REV0_COUNT) and says how much was filled. */
kern_return_t host_statistics64(host_t host_priv, host_flavor_t flavor,
                                host_info64_t host_info64_out,
                                mach_msg_type_number_t *host_info64_outCnt);

kern_return_t host_page_size(host_t host, vm_size_t *out_page_size);

MACHEMU_END_DECLS

#endif
