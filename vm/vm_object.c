/* vm/vm_object.c — object lifetime, shadows, and the vnode pager. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "vm/vm_compressor.h"

struct vm_object *vm_object_allocate(struct vm *vm, uint64_t size)
{
    struct vm_object *obj = calloc(1, sizeof *obj);
    if (!obj)
        return NULL;
    obj->vm = vm;
    obj->id = vm->next_object_id++;
    obj->ref_count = 1;
    obj->size = size;
    obj->purgable = VM_PURGABLE_DENY;
    vm->objects++;
    return obj;
}

struct vm_object *vm_object_allocate_purgable(struct vm *vm, uint64_t size)
{
    struct vm_object *obj = vm_object_allocate(vm, size);
    if (obj)
        obj->purgable = VM_PURGABLE_NONVOLATILE;
    return obj;
}

static void volatile_unlink(struct vm_object *obj)
{
    if (obj->purgable != VM_PURGABLE_VOLATILE)
        return;
    if (obj->vol_prev)
        obj->vol_prev->vol_next = obj->vol_next;
    else
        obj->vm->volatile_head = obj->vol_next;
    if (obj->vol_next)
        obj->vol_next->vol_prev = obj->vol_prev;
    obj->vol_prev = obj->vol_next = NULL;
}

/* Volatile objects are purged oldest first: appended at the tail. */
static void volatile_link(struct vm_object *obj)
{
    struct vm_object **pp = &obj->vm->volatile_head, *prev = NULL;
    while (*pp) {
        prev = *pp;
        pp = &(*pp)->vol_next;
    }
    obj->vol_prev = prev;
    obj->vol_next = NULL;
    *pp = obj;
}

/* A new state, with the token queue kept in step as XNU's
 * vm_object_purgable_control does: a token when the object becomes volatile; the
 * last one goes when it becomes nonvolatile again, the first one when it is emptied
 * or destroyed (unless the purge took one already). Setting it volatile again moves
 * it to the end of the queue and keeps the tokens. */
enum token_change { TOKEN_KEEP, TOKEN_FIRST, TOKEN_LAST };

static void set_purgable_state(struct vm_object *obj, int state, enum token_change leaving)
{
    bool was_volatile = obj->purgable == VM_PURGABLE_VOLATILE;
    volatile_unlink(obj);
    if (was_volatile && state != VM_PURGABLE_VOLATILE) {
        if (leaving == TOKEN_FIRST)
            vm_purgeable_token_delete_first(obj->vm);
        else if (leaving == TOKEN_LAST)
            vm_purgeable_token_delete_last(obj->vm);
    }
    if (state == VM_PURGABLE_VOLATILE && !was_volatile)
        vm_purgeable_token_add(obj->vm);
    obj->purgable = (uint8_t)state;
    if (state == VM_PURGABLE_VOLATILE)
        volatile_link(obj);
}

static uint32_t purge(struct vm_object *obj, enum token_change token)
{
    uint32_t n = 0;
    for (struct vm_page *pg = obj->memq, *next; pg; pg = next) {
        next = pg->listq_next;
        if (pg->wire_count)
            continue;              /* wired memory is never taken away */
        vm_page_free(obj->vm, pg);
        n++;
    }
    n += vm_compressor_free_range(obj, 0, obj->size);
    obj->vm->stats.purges += n;
    set_purgable_state(obj, VM_PURGABLE_EMPTY, token);
    return n;
}

uint32_t vm_object_purge(struct vm_object *obj)
{
    return purge(obj, TOKEN_FIRST);
}

uint32_t vm_object_purge_token_taken(struct vm_object *obj)
{
    return purge(obj, TOKEN_KEEP);
}

kern_return_t vm_object_purgable_control(struct vm_object *obj, int control, int *state)
{
    if (!obj || obj->purgable == VM_PURGABLE_DENY)
        return KERN_INVALID_ARGUMENT;
    int old = obj->purgable;
    if (control == VM_PURGABLE_GET_STATE) {
        *state = old;
        return KERN_SUCCESS;
    }
    if (control != VM_PURGABLE_SET_STATE)
        return KERN_INVALID_ARGUMENT;
    int want = *state & 3;         /* the other bits: group and ordering hints */
    if (want == VM_PURGABLE_DENY)
        return KERN_INVALID_ARGUMENT;
    if (want == VM_PURGABLE_VOLATILE)
        obj->purge_group = (uint8_t)((*state & VM_PURGEABLE_GROUP_MASK) >> VM_PURGEABLE_GROUP_SHIFT);
    if (want == VM_PURGABLE_EMPTY)
        vm_object_purge(obj);
    else if (!(want == VM_PURGABLE_VOLATILE && old == VM_PURGABLE_EMPTY))
        set_purgable_state(obj, want, TOKEN_LAST);   /* an emptied object stays empty until NONVOLATILE */
    *state = old;
    return KERN_SUCCESS;
}

struct vm_object *vm_object_for_vnode(struct vm *vm, struct vnode *vn)
{
    if (vn->object) {
        vm_object_reference(vn->object);
        return vn->object;
    }
    struct vm_object *obj = vm_object_allocate(vm, round_page(vn->size));
    if (!obj)
        return NULL;
    obj->vnode = vn;
    vn->refcount++;
    vn->object = obj;
    return obj;
}

/* obj's window on the object it shadows: page aligned, and inside it if that is
 * anonymous (a file object may be mapped past its end). */
static bool window_ok(const struct vm_object *obj)
{
    const struct vm_object *below = obj->shadow;
    return !below || (!(obj->shadow_offset & PAGE_MASK) && !(obj->size & PAGE_MASK) &&
                      (!vm_object_internal(below) ||
                       (obj->shadow_offset <= below->size &&
                        obj->size <= below->size - obj->shadow_offset)));
}

kern_return_t vm_object_shadow(struct vm_object **obj, uint64_t *offset, uint64_t size)
{
    struct vm_object *below = *obj;
    VM_ASSERT(below->ref_count > 0);
    struct vm_object *top = vm_object_allocate(below->vm, size);
    if (!top)
        return KERN_RESOURCE_SHORTAGE;
    top->shadow = below;           /* takes over the caller's reference */
    top->shadow_offset = *offset;
    VM_ASSERT(window_ok(top));
    *obj = top;
    *offset = 0;
    return KERN_SUCCESS;
}

void vm_object_reference(struct vm_object *obj)
{
    VM_ASSERT(!obj || obj->ref_count > 0);     /* no coming back from the dead */
    if (obj)
        obj->ref_count++;
}

struct vm_object *vm_object_copy_delayed(struct vm_object *obj, uint64_t offset, uint64_t size)
{
    struct vm_object *copy = vm_object_allocate(obj->vm, size);
    if (!copy)
        return NULL;
    vm_object_reference(obj);
    copy->shadow = obj;
    copy->shadow_offset = offset;
    VM_ASSERT(window_ok(copy));
    copy->copy_next = obj->copies;
    obj->copies = copy;
    /* Every write to obj's pages must fault from now on, so the old page is pushed. */
    for (struct vm_page *pg = obj->memq; pg; pg = pg->listq_next)
        pmap_page_protect(obj->vm->mmu, vm_page_pfn(obj->vm, pg), VM_PROT_READ | VM_PROT_EXECUTE);
    return copy;
}

/* c's offset for obj's offset, false if c does not cover it. */
static bool copy_offset(const struct vm_object *c, uint64_t offset, uint64_t *off)
{
    *off = offset - c->shadow_offset;
    return offset >= c->shadow_offset && *off < c->size;
}

bool vm_object_copies_lack(struct vm_object *obj, uint64_t offset)
{
    uint64_t off;
    for (struct vm_object *c = obj->copies; c; c = c->copy_next)
        if (copy_offset(c, offset, &off) && !vm_object_has_page(c, off))
            return true;
    return false;
}

kern_return_t vm_object_push(struct vm_object *obj, uint64_t offset, struct vm_page *current)
{
    struct vm *vm = obj->vm;
    uint64_t off;
    bool pushed = false;
    for (struct vm_object *c = obj->copies; c; c = c->copy_next) {
        if (!copy_offset(c, offset, &off) || vm_object_has_page(c, off))
            continue;
        if (current)
            current->flags |= VM_PAGE_BUSY;
        struct vm_page *saved = vm_page_grab(vm);
        if (current)
            current->flags &= (uint8_t)~VM_PAGE_BUSY;
        if (!saved)
            return KERN_RESOURCE_SHORTAGE;
        if (current)
            phys_copy(vm->phys, vm_page_pfn(vm, saved), vm_page_pfn(vm, current));
        else
            phys_zero(vm->phys, vm_page_pfn(vm, saved));
        vm_page_insert(vm, saved, c, off);
        vm_page_activate(vm, saved);
        pushed = true;
    }
    /* A copy's task may map the original through the copy: it must fault again and
     * find the saved page. */
    if (pushed && current)
        pmap_page_protect(vm->mmu, vm_page_pfn(vm, current), VM_PROT_NONE);
    return KERN_SUCCESS;
}

/* obj stops being a copy of the object it shadows (it is freed or collapsed);
 * `heir`, if any, takes its place in that object's list of copies. */
static void copy_replace(struct vm_object *obj, struct vm_object *heir)
{
    if (!obj->shadow)
        return;
    for (struct vm_object **pp = &obj->shadow->copies; *pp; pp = &(*pp)->copy_next)
        if (*pp == obj) {
            *pp = heir ? heir : obj->copy_next;
            if (heir)
                heir->copy_next = obj->copy_next;
            break;
        }
    obj->copy_next = NULL;
}

/* Pages of below outside obj's window, or hidden by obj's own copy, are garbage. */
static bool collapse_keeps(struct vm_object *obj, uint64_t below_off, uint64_t *off)
{
    *off = below_off - obj->shadow_offset;
    return below_off >= obj->shadow_offset && *off < obj->size && !vm_object_has_page(obj, *off);
}

static void collapse_compressed(struct vm_object *obj, struct vm_object *below)
{
    uint64_t off;
    for (uint64_t b = 0; below->compressed && b < below->size; b += PAGE_SIZE) {
        if (!vm_object_compressed_at(below, b))
            continue;
        if (collapse_keeps(obj, b, &off))
            vm_compressor_move(below, b, obj, off);
        else
            vm_compressor_free_range(below, b, b + PAGE_SIZE);
    }
    vm_compressor_release_slots(below);
}

static void collapse_one(struct vm_object *obj)
{
    struct vm *vm = obj->vm;
    struct vm_object *below = obj->shadow;
    uint64_t off;
    while (below->memq) {
        struct vm_page *pg = below->memq;
        if (!collapse_keeps(obj, pg->offset, &off)) {
            vm_page_free(vm, pg);
            continue;
        }
        vm_page_remove(vm, pg);
        vm_page_insert(vm, pg, obj, off);
    }
    collapse_compressed(obj, below);
    copy_replace(below, obj);              /* if below was a copy, obj is one now */
    VM_ASSERT(below->resident == 0 && below->compressed == 0);
    obj->shadow = below->shadow;           /* takes over below's reference */
    obj->shadow_offset += below->shadow_offset;
    VM_ASSERT(window_ok(obj));
    vm->objects--;
    vm->stats.collapses++;
    free(below);
}

void vm_object_collapse(struct vm_object *obj)
{
    while (obj && obj->shadow && obj->shadow->ref_count == 1 && vm_object_internal(obj->shadow))
        collapse_one(obj);
}

bool vm_object_has_page(struct vm_object *obj, uint64_t offset)
{
    return vm_page_lookup(obj->vm, obj, offset) || vm_object_compressed_at(obj, offset);
}

struct vm_page *vm_object_chain_page(struct vm_object *top, uint64_t offset,
                                     struct vm_object **holder)
{
    for (struct vm_object *o = top; o; offset += o->shadow_offset, o = o->shadow) {
        struct vm_page *pg = vm_page_lookup(o->vm, o, offset);
        if (pg || vm_object_compressed_at(o, offset)) {
            *holder = o;
            return pg;
        }
    }
    *holder = NULL;
    return NULL;
}

void vm_object_page_remove(struct vm_object *obj, uint64_t start, uint64_t end)
{
    struct vm_page *pg = obj->memq, *next;
    for (; pg; pg = next) {
        next = pg->listq_next;
        if (pg->offset >= start && pg->offset < end)
            vm_page_free(obj->vm, pg);
    }
    vm_compressor_free_range(obj, start, end);
}

void vm_object_deallocate(struct vm_object *obj)
{
    /* Iterative down the shadow chain: a long chain must not recurse deeply. */
    while (obj) {
        VM_ASSERT(obj->ref_count > 0);
        if (--obj->ref_count > 0)
            return;
        struct vm_object *shadow = obj->shadow;
        /* Its copies hold references to it: it cannot go before them. */
        VM_ASSERT(!obj->copies && obj->vm->objects > 0);
        while (obj->memq)
            vm_page_free(obj->vm, obj->memq);
        vm_compressor_free_range(obj, 0, obj->size);
        VM_ASSERT(obj->resident == 0 && obj->compressed == 0);
        vm_compressor_release_slots(obj);
        if (obj->vnode) {
            obj->vnode->object = NULL;
            vnode_release(obj->vnode);
        }
        if (obj->purgable == VM_PURGABLE_VOLATILE)
            set_purgable_state(obj, VM_PURGABLE_EMPTY, TOKEN_FIRST);
        copy_replace(obj, NULL);
        obj->vm->objects--;
        free(obj);
        obj = shadow;
    }
}

struct vnode *vnode_get(int fd, const char *path)
{
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        return NULL;
    struct vnode *vn = calloc(1, sizeof *vn);
    if (!vn)
        return NULL;
    vn->path = strdup(path ? path : "?");
    if (!vn->path) {
        free(vn);
        return NULL;
    }
    vn->refcount = 1;
    vn->fd = fd;
    vn->size = (uint64_t)st.st_size;
    vn->dev = st.st_dev;
    vn->ino = st.st_ino;
    return vn;
}

void vnode_release(struct vnode *vn)
{
    if (!vn || --vn->refcount > 0)
        return;
    close(vn->fd);
    free(vn->path);
    free(vn);
}

int vnode_pagein(struct vnode *vn, uint64_t offset, void *page)
{
    size_t want = offset < vn->size ? (size_t)(vn->size - offset) : 0;
    if (want > PAGE_SIZE)
        want = PAGE_SIZE;
    size_t got = 0;
    while (got < want) {
        ssize_t n = pread(vn->fd, (char *)page + got, want - got, (off_t)(offset + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            break;         /* file shrank: the rest reads as zeros */
        got += (size_t)n;
    }
    memset((char *)page + got, 0, PAGE_SIZE - got);
    return 0;
}
