/* emu/inspect_books.c — do the machine's books balance? (see inspect_books_balance) */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "emu/inspect.h"
#include "emu/internal.h"
#include "vm/vm_shared_region.h"

struct object_set {
    const struct vm_object **v;
    size_t n, cap;
};

static bool set_add(struct object_set *s, const struct vm_object *obj)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 256;
        const struct vm_object **v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return false;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = obj;
    return true;
}

static int by_address(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)*(const struct vm_object *const *)a;
    uintptr_t y = (uintptr_t)*(const struct vm_object *const *)b;
    return (x > y) - (x < y);
}

/* Every object a live map reaches through its entries and shadow chains, once each,
 * and the shared region's file, which the region holds with no task. */
static bool reachable_objects(const struct emu *emu, struct object_set *s)
{
    if (emu->shared_region && !set_add(s, emu->shared_region->object))
        return false;
    for (const struct task *t = emu->tasks; t; t = t->next) {
        if (!t->map)
            continue;
        const struct vm_map_entry *head = &t->map->header;
        for (const struct vm_map_entry *e = head->next; e != head; e = e->next)
            for (const struct vm_object *o = e->object; o; o = o->shadow)
                if (!set_add(s, o))
                    return false;
    }
    if (s->n)
        qsort(s->v, s->n, sizeof *s->v, by_address);
    size_t u = 0;
    for (size_t i = 0; i < s->n; i++)
        if (u == 0 || s->v[u - 1] != s->v[i])
            s->v[u++] = s->v[i];
    s->n = u;
    return true;
}

struct held {
    uint64_t tables, kernel, objects, compressed;
};

static bool held_by_tasks(const struct emu *emu, struct held *h)
{
    struct object_set s = { 0 };
    bool ok = reachable_objects(emu, &s);
    *h = (struct held){ .objects = s.n };
    for (size_t i = 0; i < s.n; i++)
        h->compressed += s.v[i]->compressed;
    free(s.v);
    for (const struct task *t = emu->tasks; t; t = t->next) {
        h->kernel += t->kmem.n;    /* a zombie's process structure too, until reaped */
        if (t->map && t->map->pmap)
            h->tables += t->map->pmap->tables;
    }
    if (emu->shared_region)       /* the nested tables, counted once */
        h->tables += emu->shared_region->pmap->tables;
    return ok;
}

static bool differ(char *why, size_t len, const char *what, uint64_t machine, uint64_t tasks)
{
    if (machine == tasks)
        return false;
    snprintf(why, len, "%s: the machine counts %llu, the tasks hold %llu", what,
             (unsigned long long)machine, (unsigned long long)tasks);
    return true;
}

bool inspect_books_balance(struct emu *emu, char *why, size_t len)
{
    if (!vm_page_queues_check(&emu->vm, why, len))
        return false;
    struct held h;
    if (!held_by_tasks(emu, &h)) {
        snprintf(why, len, "out of host memory while counting objects");
        return false;
    }
    struct vm_page_counts c;
    vm_page_counts(&emu->vm, &c);
    return !differ(why, len, "page-table frames", c.pagetables, h.tables) &&
           !differ(why, len, "kernel frames", c.kernel, h.kernel) &&
           !differ(why, len, "VM objects", emu->vm.objects, h.objects) &&
           !differ(why, len, "pages stored in the compressor", c.compressed, h.compressed);
}
