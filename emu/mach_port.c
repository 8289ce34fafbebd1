/* emu/mach_port.c — per-task port names for memory entries.
 *
 * As XNU's: a name is a table index above the fixed ports' in its upper 24 bits and a
 * generation in its low byte (3 first, 4 more each time the slot is used again), so
 * that a stale name does not find the slot's next right. Free slots are chained. */
#include <stdlib.h>
#include "emu/mach_port.h"

#define FIRST_INDEX 0x10u
#define FIRST_GEN   0x03u
#define GEN_STEP    0x04u
#define NO_SLOT     UINT32_MAX

static uint32_t name_of(uint32_t slot, uint8_t gen) { return ((slot + FIRST_INDEX) << 8) | gen; }

static struct ipc_right *lookup(const struct ipc_space *s, uint32_t name)
{
    uint32_t slot = (name >> 8) - FIRST_INDEX;
    if ((name >> 8) < FIRST_INDEX || slot >= s->n || s->rights[slot].name != name)
        return NULL;
    return &s->rights[slot];
}

/* A free slot: the head of the free chain, or a new one at the end. */
static struct ipc_right *take_slot(struct ipc_space *s)
{
    if (s->free_head != NO_SLOT && s->free_head < s->n) {
        struct ipc_right *r = &s->rights[s->free_head];
        s->free_head = r->next_free;
        r->gen = (uint8_t)(r->gen + GEN_STEP);
        return r;
    }
    if (s->n == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 8;
        struct ipc_right *grown = realloc(s->rights, cap * sizeof *grown);
        if (!grown)
            return NULL;
        s->rights = grown;
        s->cap = cap;
    }
    struct ipc_right *r = &s->rights[s->n++];
    *r = (struct ipc_right){ .gen = FIRST_GEN };
    return r;
}

uint32_t ipc_space_insert_entry(struct ipc_space *s, struct vm_named_entry *entry)
{
    if (s->n == 0)
        s->free_head = NO_SLOT;
    struct ipc_right *r = s->live < IPC_SPACE_MAX_RIGHTS ? take_slot(s) : NULL;
    if (!r) {
        vm_named_entry_release(entry);
        return 0;
    }
    r->name = name_of((uint32_t)(r - s->rights), r->gen);
    r->urefs = 1;
    r->entry = entry;
    s->live++;
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
        r->entry = NULL;
        r->name = 0;
        r->next_free = s->free_head;
        s->free_head = (uint32_t)(r - s->rights);
        s->live--;
    }
    return KERN_SUCCESS;
}

uint32_t ipc_space_count(const struct ipc_space *s)
{
    return s->live;
}

void ipc_space_destroy(struct ipc_space *s)
{
    for (uint32_t i = 0; i < s->n; i++)
        if (s->rights[i].name)
            vm_named_entry_release(s->rights[i].entry);
    free(s->rights);
    *s = (struct ipc_space){ 0 };
}
