/* emu/mach_port.c — per-task port names for memory entries. */
#include <stdlib.h>
#include "emu/mach_port.h"

/* Names look like XNU's: an index above the fixed ports' in the high bits, a
 * generation of 3 in the low byte. */
#define FIRST_INDEX 0x10u
#define NAME_GEN    0x03u

static struct ipc_right *lookup(const struct ipc_space *s, uint32_t name)
{
    for (uint32_t i = 0; name && i < s->n; i++)
        if (s->rights[i].name == name)
            return &s->rights[i];
    return NULL;
}

uint32_t ipc_space_insert_entry(struct ipc_space *s, struct vm_named_entry *entry)
{
    struct ipc_right *r = NULL;
    for (uint32_t i = 0; !r && i < s->n; i++)
        if (!s->rights[i].name)
            r = &s->rights[i];
    if (!r && s->n == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 8;
        struct ipc_right *grown = realloc(s->rights, cap * sizeof *grown);
        if (!grown) {
            vm_named_entry_release(entry);
            return 0;
        }
        s->rights = grown;
        s->cap = cap;
    }
    if (!r)
        r = &s->rights[s->n++];
    if (s->next_index < FIRST_INDEX)
        s->next_index = FIRST_INDEX;
    *r = (struct ipc_right){ (s->next_index++ << 8) | NAME_GEN, 1, entry };
    return r->name;
}

struct vm_named_entry *ipc_space_entry(const struct ipc_space *s, uint32_t name)
{
    const struct ipc_right *r = lookup(s, name);
    return r ? r->entry : NULL;
}

int ipc_space_deallocate(struct ipc_space *s, uint32_t name)
{
    struct ipc_right *r = lookup(s, name);
    if (!r)
        return KERN_INVALID_NAME;
    if (--r->urefs == 0) {
        vm_named_entry_release(r->entry);
        *r = (struct ipc_right){ 0 };
    }
    return KERN_SUCCESS;
}

uint32_t ipc_space_count(const struct ipc_space *s)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->n; i++)
        n += s->rights[i].name != 0;
    return n;
}

void ipc_space_destroy(struct ipc_space *s)
{
    for (uint32_t i = 0; i < s->n; i++)
        if (s->rights[i].name)
            vm_named_entry_release(s->rights[i].entry);
    free(s->rights);
    *s = (struct ipc_space){ 0 };
}
