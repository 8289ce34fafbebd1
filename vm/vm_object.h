/* vm/vm_object.h — memory objects: the pages behind map entries.
 *
 * An object is anonymous (zero-filled on first touch) or backed by a vnode pager
 * (a host file opened inside the guest root, read on a hard fault). A shadow
 * object sits above another and holds the pages written since a copy was made:
 * lookups walk down the shadow chain, writes copy pages up (vm_fault.c). */
#ifndef VM_VM_OBJECT_H
#define VM_VM_OBJECT_H

#include "vm/vm.h"
#include "compressor/compressor.h"

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

/* Purgeable states (XNU's values). Ordinary objects are DENY. */
enum vm_purgable_state {
    VM_PURGABLE_NONVOLATILE = 0,
    VM_PURGABLE_VOLATILE = 1,      /* pages may be emptied under pressure */
    VM_PURGABLE_EMPTY = 2,         /* emptied: a fault is a memory error until NONVOLATILE */
    VM_PURGABLE_DENY = 3,
};
#define VM_PURGEABLE_GROUPS      8          /* NUM_VOLATILE_GROUPS */
#define VM_PURGEABLE_GROUP_SHIFT 8          /* VM_VOLATILE_GROUP_SHIFT */
#define VM_PURGEABLE_GROUP_MASK  (7 << VM_PURGEABLE_GROUP_SHIFT)
enum vm_purgable_control {
    VM_PURGABLE_SET_STATE = 0,
    VM_PURGABLE_GET_STATE = 1,
    VM_PURGABLE_PURGE_ALL = 2,
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
    uint64_t last_pagein;          /* offset of the last page-in: detects sequential reads */
    uint8_t purgable;              /* enum vm_purgable_state */
    uint32_t reusable;             /* its VM_PAGE_REUSABLE pages */
    bool true_share;               /* mapped in place through a memory entry: region
                                      share modes say TRUESHARED, not SHARED */
    uint8_t purge_group;           /* volatile group 0..7 (VM_VOLATILE_GROUP_*): lower
                                      groups are emptied first */
    /* Delayed copies (XNU's copy objects): each copy shadows this object and gets a
     * page's old contents pushed into it before the page is first changed here. */
    struct vm_object *copies;      /* copies of this object (not referenced) */
    struct vm_object *copy_next;   /* next copy of the object this one shadows */
    struct vm_object *vol_prev, *vol_next;   /* in vm->volatile_head while VOLATILE */
    /* Pages in the compressor: the slot map (vm/vm_compressor.h), page index ->
     * handle, in chunks allocated on first use so that a handle never moves. */
    compressor_handle_t **slots;
    uint32_t nchunks;
    uint32_t compressed;           /* pages of this object in the compressor */
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
/* An anonymous object whose pages the pageout path may empty when it is made
 * volatile. */
struct vm_object *vm_object_allocate_purgable(struct vm *vm, uint64_t size);
/* mach_vm_purgable_control on obj: SET_STATE stores *state and returns the old one
 * in *state; GET_STATE reads it. KERN_INVALID_ARGUMENT if obj is not purgeable or
 * the state is not one of NONVOLATILE, VOLATILE, EMPTY. */
kern_return_t vm_object_purgable_control(struct vm_object *obj, int control, int *state);
/* Frees a volatile object's pages and marks it EMPTY; returns pages freed. Its first
 * purgeable token goes with it (vm_object_purge_token_taken: the caller took one). */
uint32_t vm_object_purge(struct vm_object *obj);
uint32_t vm_object_purge_token_taken(struct vm_object *obj);
/* The page for offset in top or down its shadow chain (offsets adjusted): the
 * first object that has it resident or compressed is *holder; returns the
 * resident page, NULL if it is compressed there (or *holder NULL: nowhere). */
struct vm_page *vm_object_chain_page(struct vm_object *top, uint64_t offset,
                                     struct vm_object **holder);
/* obj has the page at offset itself, resident or compressed. */
bool vm_object_has_page(struct vm_object *obj, uint64_t offset);
/* A copy of [offset, offset + size) of obj as it is now, for memory that others
 * keep writing in place (XNU's delayed copy): the copy shadows obj, obj's pages are
 * write-protected everywhere, and vm_object_push() saves a page into every copy
 * that lacks it before the page changes. Takes a reference on obj; NULL if out of
 * memory. */
struct vm_object *vm_object_copy_delayed(struct vm_object *obj, uint64_t offset, uint64_t size);
/* True if a copy of obj lacks the page at offset: it must not be writable yet. */
bool vm_object_copies_lack(struct vm_object *obj, uint64_t offset);
/* Before the page at offset of obj changes: gives each copy lacking it the current
 * contents (`current`, or zeros if NULL) and unmaps `current` everywhere, so that
 * tasks seeing it through a copy fault onto the saved page. KERN_RESOURCE_SHORTAGE
 * if out of frames. */
kern_return_t vm_object_push(struct vm_object *obj, uint64_t offset, struct vm_page *current);
/* Frees the resident and compressed pages in [start, end) of obj. */
void vm_object_page_remove(struct vm_object *obj, uint64_t start, uint64_t end);
static inline bool vm_object_internal(const struct vm_object *obj) { return obj->vnode == NULL; }

/* Reads the page at `offset` of the file into pg (zero past EOF). 0, or -errno. */
int vnode_pagein(struct vnode *vn, uint64_t offset, void *page);
struct vnode *vnode_get(int fd, const char *path);  /* takes ownership of fd on success */
void vnode_release(struct vnode *vn);

#endif
