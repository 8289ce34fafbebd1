/* vm/vm_region.c — region share modes and page counts. */
#include "vm/vm_region.h"
#include "mmu/pmap.h"

/* Pages of obj resident in [offset, offset + entry_pages) at most, as XNU's
 * OBJ_RESIDENT_COUNT caps the object's count by the entry's size. */
static uint32_t resident_count(const struct vm_object *obj, uint32_t entry_pages)
{
    return obj->resident < entry_pages ? obj->resident : entry_pages;
}

void vm_map_region_top_walk(const struct vm_map_entry *e, struct vm_region_top *t)
{
    *t = (struct vm_region_top){ .share_mode = SM_EMPTY };
    const struct vm_object *obj = e->object;
    if (!obj)
        return;
    uint32_t pages = (uint32_t)((e->end - e->start) >> PAGE_SHIFT);
    t->obj_id = obj->id;
    t->ref_count = (uint32_t)obj->ref_count;
    if (obj->shadow) {
        t->share_mode = SM_COW;
        if (obj->ref_count == 1)
            t->private_pages_resident = resident_count(obj, pages);
        else
            t->shared_pages_resident = resident_count(obj, pages);
        for (const struct vm_object *o = obj->shadow; o; o = o->shadow) {
            t->shared_pages_resident += resident_count(o, pages);
            t->ref_count += (uint32_t)o->ref_count - 1;
        }
    } else if (e->needs_copy || e->nested) {     /* see share_mode() */
        t->share_mode = SM_COW;
        t->shared_pages_resident = resident_count(obj, pages);
    } else if (obj->ref_count == 1) {
        t->share_mode = SM_PRIVATE;
        t->private_pages_resident = resident_count(obj, pages);
    } else {
        t->share_mode = SM_SHARED;
        t->shared_pages_resident = resident_count(obj, pages);
    }
}

/* One page of the walk (XNU's vm_map_region_look_for_page). */
static void look_for_page(struct vm_map *map, const struct vm_map_entry *e, uint64_t va,
                          struct vm_region_extended *x)
{
    uint64_t offset = e->offset + (va - e->start);
    uint16_t depth = 0;
    for (const struct vm_object *o = e->object; o; o = o->shadow, depth++) {
        if (!vm_object_internal(o))
            x->external_pager = true;
        struct vm_object *holder = NULL;
        struct vm_page *pg = vm_object_chain_page((struct vm_object *)o, offset, &holder);
        if (holder != o) {
            offset += o->shadow_offset;
            continue;
        }
        if (depth > x->shadow_depth)
            x->shadow_depth = depth;
        if (!pg) {
            x->pages_swapped_out++;
            return;
        }
        x->pages_resident++;
        if (depth == 0 && o->shadow && o->ref_count == 1)
            x->pages_shared_now_private++;
        pfn_t pfn = vm_page_pfn(map->vm, pg);
        if ((pg->flags & VM_PAGE_DIRTY) || pmap_is_modified(map->vm->mmu, pfn) ||
            vm_object_internal(o))
            x->pages_dirtied++;
        if (pg->flags & VM_PAGE_REUSABLE)
            x->pages_reusable++;
        return;
    }
}

/* Entries of map whose object chain holds obj (XNU's vm_map_region_has_obj_ref). */
static int refs_in_map(struct vm_map *map, const struct vm_object *obj)
{
    int n = 0;
    for (const struct vm_map_entry *e = map->header.next; e != &map->header; e = e->next)
        for (const struct vm_object *o = e->object; o; o = o->shadow)
            if (o == obj) {
                n++;
                break;
            }
    return n;
}

static void share_mode(struct vm_map *map, const struct vm_map_entry *e,
                       struct vm_region_extended *x)
{
    const struct vm_object *obj = e->object;
    /* The shared region maps its file copy-on-write (vm_shared_region_map_file: copy
     * TRUE), which XNU's entries carry as needs_copy; machemu's nested entries map the
     * file's object itself, read-only. */
    if (x->shadow_depth || e->needs_copy || e->nested)
        x->share_mode = SM_COW;
    else if (obj->ref_count == 1)
        x->share_mode = SM_PRIVATE;
    else
        x->share_mode = obj->true_share ? SM_TRUESHARED : SM_SHARED;
    x->ref_count = (uint32_t)obj->ref_count - x->shadow_depth;
    const struct vm_object *o = obj;
    for (unsigned i = 0; i < x->shadow_depth && o->shadow; i++) {
        o = o->shadow;
        x->ref_count += (uint32_t)o->ref_count;
    }
    if (x->external_pager && x->ref_count == 2 && x->share_mode == SM_SHARED) {
        x->share_mode = SM_PRIVATE;
    } else if (x->share_mode == SM_SHARED) {
        int mine = refs_in_map(map, obj);
        if (mine == obj->ref_count)
            x->share_mode = SM_PRIVATE_ALIASED;
        else if (mine > 1)
            x->share_mode = SM_SHARED_ALIASED;
    }
}

void vm_map_region_walk(struct vm_map *map, const struct vm_map_entry *e, uint64_t start,
                        uint64_t end, struct vm_region_extended *x)
{
    *x = (struct vm_region_extended){ .share_mode = SM_EMPTY };
    if (!e->object)
        return;
    for (uint64_t va = start; va < end; va += PAGE_SIZE)
        look_for_page(map, e, va, x);
    share_mode(map, e, x);
}

const char *vm_share_mode_name(int mode)
{
    static const char *const names[] = { "???", "COW", "PRV", "NUL", "SHM", "SHM", "ALI", "S/A",
                                         "LPG" };
    return mode >= 0 && mode <= SM_LARGE_PAGE ? names[mode] : "???";
}
