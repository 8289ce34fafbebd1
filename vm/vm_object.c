/* vm/vm_object.c — object lifetime, shadows, and the vnode pager. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "vm/vm_object.h"

struct vm_object *vm_object_allocate(struct vm *vm, uint64_t size)
{
    struct vm_object *obj = calloc(1, sizeof *obj);
    if (!obj)
        return NULL;
    obj->vm = vm;
    obj->id = vm->next_object_id++;
    obj->ref_count = 1;
    obj->size = size;
    vm->objects++;
    return obj;
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

kern_return_t vm_object_shadow(struct vm_object **obj, uint64_t *offset, uint64_t size)
{
    struct vm_object *below = *obj;
    struct vm_object *top = vm_object_allocate(below->vm, size);
    if (!top)
        return KERN_RESOURCE_SHORTAGE;
    top->shadow = below;           /* takes over the caller's reference */
    top->shadow_offset = *offset;
    *obj = top;
    *offset = 0;
    return KERN_SUCCESS;
}

void vm_object_reference(struct vm_object *obj)
{
    if (obj)
        obj->ref_count++;
}

static void collapse_one(struct vm_object *obj)
{
    struct vm *vm = obj->vm;
    struct vm_object *below = obj->shadow;
    uint64_t delta = obj->shadow_offset;
    while (below->memq) {
        struct vm_page *pg = below->memq;
        uint64_t off = pg->offset - delta;
        /* Pages outside obj's window, or hidden by obj's own copy, are garbage. */
        if (pg->offset < delta || off >= obj->size || vm_page_lookup(vm, obj, off)) {
            vm_page_free(vm, pg);
            continue;
        }
        vm_page_remove(vm, pg);
        vm_page_insert(vm, pg, obj, off);
    }
    obj->shadow = below->shadow;           /* takes over below's reference */
    obj->shadow_offset += below->shadow_offset;
    vm->objects--;
    vm->stats.collapses++;
    free(below);
}

void vm_object_collapse(struct vm_object *obj)
{
    while (obj && obj->shadow && obj->shadow->ref_count == 1 && vm_object_internal(obj->shadow))
        collapse_one(obj);
}

void vm_object_page_remove(struct vm_object *obj, uint64_t start, uint64_t end)
{
    struct vm_page *pg = obj->memq, *next;
    for (; pg; pg = next) {
        next = pg->listq_next;
        if (pg->offset >= start && pg->offset < end)
            vm_page_free(obj->vm, pg);
    }
}

void vm_object_deallocate(struct vm_object *obj)
{
    /* Iterative down the shadow chain: a long chain must not recurse deeply. */
    while (obj && --obj->ref_count == 0) {
        struct vm_object *shadow = obj->shadow;
        while (obj->memq)
            vm_page_free(obj->vm, obj->memq);
        if (obj->vnode) {
            obj->vnode->object = NULL;
            vnode_release(obj->vnode);
        }
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
