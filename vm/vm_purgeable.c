/* vm/vm_purgeable.c — when volatile purgeable objects are emptied: token aging and
 * forced purges, after XNU's vm_purgeable.c (one FIFO token queue; see vm.h).
 *
 * A volatile object should live about as long as a page entering the inactive queue
 * when it was made volatile: its token starts with the pages that entered the
 * inactive queues since the token before it, and loses one each time a page leaves
 * them. Tokens are not tied to objects: a ripe token lets the scan empty the first
 * volatile object of the lowest group. */
#include <stdlib.h>
#include "vm/vm_object.h"

static uint32_t *token_at(struct vm_purge_tokens *t, uint32_t i)
{
    return &t->count[(t->head + i) % t->cap];
}

static int grow(struct vm_purge_tokens *t)
{
    if (t->n < t->cap)
        return 0;
    uint32_t cap = t->cap ? 2 * t->cap : 16;
    uint32_t *c = malloc(cap * sizeof *c);
    if (!c)
        return -1;
    for (uint32_t i = 0; i < t->n; i++)
        c[i] = *token_at(t, i);
    free(t->count);
    t->count = c;
    t->cap = cap;
    t->head = 0;
    return 0;
}

/* Ripens the tokens at 0 that follow the ripe ones. */
static void ripen(struct vm_purge_tokens *t)
{
    while (t->ripe < t->n && *token_at(t, t->ripe) == 0)
        t->ripe++;
}

void vm_purgeable_token_add(struct vm *vm)
{
    struct vm_purge_tokens *t = &vm->tokens;
    if (grow(t) < 0)
        return;                    /* no host memory: the object ages as if ripe */
    int64_t pages = t->new_pages > 0 ? t->new_pages : 0;
    *token_at(t, t->n++) = pages > UINT32_MAX ? UINT32_MAX : (uint32_t)pages;
    t->new_pages = 0;
    ripen(t);
}

/* The first token goes; its pages are carried by the next (vm_purgeable_token_remove_first). */
void vm_purgeable_token_delete_first(struct vm *vm)
{
    struct vm_purge_tokens *t = &vm->tokens;
    if (!t->n)
        return;
    uint32_t count = *token_at(t, 0);
    t->head = (t->head + 1) % t->cap;
    t->n--;
    if (t->ripe)
        t->ripe--;
    if (t->n)
        *token_at(t, 0) += count;
    else
        t->new_pages += count;
    ripen(t);
}

/* The last token goes; its pages go back to the next token to come. */
void vm_purgeable_token_delete_last(struct vm *vm)
{
    struct vm_purge_tokens *t = &vm->tokens;
    if (!t->n)
        return;
    t->new_pages += *token_at(t, t->n - 1);
    t->n--;
    if (t->ripe > t->n)
        t->ripe = t->n;
}

void vm_purgeable_page_inactive(struct vm *vm)
{
    vm->tokens.new_pages++;
}

/* vm_purgeable_q_advance_all: one page left an inactive queue. */
void vm_purgeable_q_advance(struct vm *vm)
{
    struct vm_purge_tokens *t = &vm->tokens;
    if (t->ripe == t->n) {
        t->new_pages--;            /* may go negative: pages counted in no token */
        return;
    }
    uint32_t *c = token_at(t, t->ripe);
    if (*c)
        (*c)--;
    ripen(t);
}

static struct vm_object *first_in_group_below(struct vm *vm, int below)
{
    struct vm_object *best = NULL;
    for (struct vm_object *o = vm->volatile_head; o; o = o->vol_next)
        if (o->purge_group < below && (!best || o->purge_group < best->purge_group))
            best = o;
    return best;
}

bool vm_purgeable_purge_one(struct vm *vm, int force_below)
{
    struct vm_object *obj = NULL;
    bool forced = false;
    if (vm->tokens.ripe) {
        obj = first_in_group_below(vm, VM_PURGEABLE_GROUPS);
    } else if (force_below > 0) {
        obj = first_in_group_below(vm, force_below);
        forced = obj != NULL;
    }
    if (!obj)
        return false;
    /* The token goes first, as vm_purgeable_object_purge_one takes it before
     * vm_object_purge; the object then leaves the volatile queue without another. */
    vm_purgeable_token_delete_first(vm);
    vm_object_purge_token_taken(obj);
    vm->stats.purged_objects++;
    vm->stats.forced_purges += forced;
    return true;
}

void vm_purgeable_fini(struct vm *vm)
{
    free(vm->tokens.count);
    vm->tokens = (struct vm_purge_tokens){ 0 };
}
