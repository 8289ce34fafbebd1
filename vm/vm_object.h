/* vm/vm_object.h — memory objects: the pages behind map entries.
 *
 * An object is anonymous (zero-filled on first touch) or backed by a vnode pager
 * (a host file opened inside the guest root, read on a hard fault). A shadow
 * object sits above another and holds the pages written since a copy was made:
 * lookups walk down the shadow chain, writes copy pages up (vm_fault.c). */
#ifndef VM_VM_OBJECT_H
#define VM_VM_OBJECT_H

#include "vm/vm.h"

/* A host file as the vnode pager sees it. */
struct vnode {
    int refcount;
    int fd;                        /* host fd, read-only */
    uint64_t size;                 /* file size when opened */
    uint64_t dev, ino;             /* identity: one object per file */
    char *path;                    /* guest path, for traces and crash lines */
    struct vm_object *object;      /* the file's object, if any (not referenced) */
    struct vnode *next;            /* in the vnode cache */
};

struct vm_object {
    struct vm *vm;
    uint32_t id;
    int ref_count;
    uint64_t size;
    struct vm_page *memq;          /* resident pages */
    uint32_t resident;
    struct vm_object *shadow;      /* referenced */
    uint64_t shadow_offset;
    struct vnode *vnode;           /* pager: NULL = anonymous (internal) */
};

struct vm_object *vm_object_allocate(struct vm *vm, uint64_t size);
/* The object of a file: shared by every mapping of it. Takes a reference. */
struct vm_object *vm_object_for_vnode(struct vm *vm, struct vnode *vn);
/* A new object shadowing `*obj` at `*offset`; replaces *obj (whose reference the
 * shadow takes over) and sets *offset to 0. */
kern_return_t vm_object_shadow(struct vm_object **obj, uint64_t *offset, uint64_t size);
void vm_object_reference(struct vm_object *obj);
/* While obj's shadow is anonymous and referenced only by obj, moves the pages obj
 * lacks up into obj and drops the shadow from the chain (XNU's collapse). */
void vm_object_collapse(struct vm_object *obj);
/* Drops a reference; at zero frees its pages and drops its shadow. */
void vm_object_deallocate(struct vm_object *obj);
/* Frees the resident pages in [start, end) of obj. */
void vm_object_page_remove(struct vm_object *obj, uint64_t start, uint64_t end);
static inline bool vm_object_internal(const struct vm_object *obj) { return obj->vnode == NULL; }

/* Reads the page at `offset` of the file into pg (zero past EOF). 0, or -errno. */
int vnode_pagein(struct vnode *vn, uint64_t offset, void *page);
struct vnode *vnode_get(int fd, const char *path);  /* takes ownership of fd on success */
void vnode_release(struct vnode *vn);

#endif
