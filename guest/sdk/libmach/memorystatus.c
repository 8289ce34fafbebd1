/* memorystatus_control (<sys/kern_memorystatus.h>): the BSD call 440. */
#include <sys/kern_memorystatus.h>
#include "trap.h"

_Static_assert(sizeof(memorystatus_priority_properties_t) == sizeof(struct machemu_memstat_priority),
               "priority properties layout");
_Static_assert(sizeof(memorystatus_priority_entry_t) == sizeof(struct machemu_memstat_entry),
               "priority entry layout");
_Static_assert(sizeof(memorystatus_memlimit_properties_t) == sizeof(struct machemu_memstat_memlimit),
               "memlimit properties layout");

int memorystatus_control(uint32_t command, int32_t pid, uint32_t flags, void *buffer,
                         size_t buffersize)
{
    int64_t rc = bsd_trap(MACHEMU_SYS_memorystatus_control,
                          (const uint64_t[6]){ command, ARG((int64_t)pid), flags, ARG(buffer),
                                               buffersize });
    return (int)rc;
}
