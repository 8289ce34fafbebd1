/* emu/dump_pages.c — `--dump-pages FILE`: a task's anonymous pages when it exits, for
 * `machemu codec` (docs/compressor.md).
 *
 * A page counts when the first object of its entry's shadow chain that holds it is
 * anonymous, resident or compressed: the task's heap, stacks and anonymous mappings,
 * and its copies of file pages it wrote. Pages never touched (zero-fill) and pages of
 * files are left out. A compressed page is decoded aside (compressor_inspect): the
 * dump changes nothing, counts no decompression. Pages go out in address order, 16 KB
 * each, with nothing between them. */
#include "compressor/compressor.h"
#include "emu/internal.h"
#include "vm/vm_compressor.h"

struct dump_ctx {
    struct emu *emu;
    FILE *out;
    uint8_t *scratch;
};

/* The page at (obj, off) if an anonymous object of the chain holds it first. */
static const uint8_t *anonymous_page(struct dump_ctx *c, struct vm_object *obj, uint64_t off)
{
    for (; obj; off += obj->shadow_offset, obj = obj->shadow) {
        struct vm_page *pg = vm_page_lookup(&c->emu->vm, obj, off);
        if (pg)
            return vm_object_internal(obj) ? phys_ptr(&c->emu->phys, vm_page_pfn(&c->emu->vm, pg)) : NULL;
        if (vm_object_compressed_at(obj, off)) {
            compressor_handle_t *slot = vm_object_slot(obj, off, false);
            return slot && compressor_inspect(c->emu->vm.compressor, *slot, c->scratch) == 0 ? c->scratch : NULL;
        }
        if (obj->vnode)
            return NULL;
    }
    return NULL;
}

static void dump_entry(void *ctx, const struct vm_map_entry *e)
{
    struct dump_ctx *c = ctx;
    if (!e->object)
        return;
    for (uint64_t va = e->start; va < e->end; va += PAGE_SIZE) {
        const uint8_t *page = anonymous_page(c, e->object, e->offset + (va - e->start));
        if (page)
            fwrite(page, 1, PAGE_SIZE, c->out);
    }
}

void dump_pages_task(struct emu *emu, struct task *t, FILE *out)
{
    static uint8_t scratch[PAGE_SIZE];
    if (!t->map)
        return;
    struct dump_ctx c = { emu, out, scratch };
    vm_map_foreach(t->map, dump_entry, &c);
}
