/* emu/mach_port.h — a task's port space: the names of the send rights it holds
 * beyond its fixed task, thread and host ports. machemu has no IPC; a right names a
 * kernel object (today a named memory entry) and counts user references. A forked
 * child starts with an empty space, as on XNU; exec keeps it. */
#ifndef EMU_MACH_PORT_H
#define EMU_MACH_PORT_H

#include <stdint.h>
#include "vm/vm_memory_entry.h"

struct ipc_right {
    uint32_t name;                 /* 0: a free slot */
    uint32_t urefs;
    struct vm_named_entry *entry;  /* owned */
    uint32_t next_free;            /* a free slot's successor in the free chain */
    uint8_t gen;                   /* the low byte of the slot's latest name */
};

struct ipc_space {
    struct ipc_right *rights;      /* by slot: a name's index less the fixed ports' */
    uint32_t n, cap;               /* slots used (some free) and allocated */
    uint32_t live;                 /* rights held */
    uint32_t free_head;            /* first free slot (meaningful once n > 0) */
};

/* The rights a space may hold: XNU bounds a task's port table too. */
#define IPC_SPACE_MAX_RIGHTS 65536u

/* Names a new send right to entry (ownership passes to the space); 0 if out of memory
 * or the space holds IPC_SPACE_MAX_RIGHTS (entry is released then). */
uint32_t ipc_space_insert_entry(struct ipc_space *s, struct vm_named_entry *entry);
/* The memory entry named by name, or NULL. */
struct vm_named_entry *ipc_space_entry(const struct ipc_space *s, uint32_t name);
/* mach_port_deallocate: one user reference less; at zero the name goes and the
 * entry's reference on its object with it. KERN_INVALID_NAME if not a name here. */
int ipc_space_deallocate(struct ipc_space *s, uint32_t name);
/* The rights the space holds, for task_info and the tests. */
uint32_t ipc_space_count(const struct ipc_space *s);
void ipc_space_destroy(struct ipc_space *s);

#endif
