/* vm/vm_map_tree.c — an AVL tree over the entry list, with the largest gap per subtree.
 *
 * Nodes are placed by list position, never by comparing keys: an entry's start may
 * move in place (clipping) while the order stays. A tree rather than XNU's hint alone,
 * because a task may hold tens of thousands of entries and each lookup, and each
 * search for a hole, would otherwise walk them. */
#include <stdio.h>
#include "vm/vm_map_tree.h"

#define LEFT 0
#define RIGHT 1

static int height(const struct vm_map_entry *n) { return n ? n->node.height : 0; }
static uint64_t max_gap(const struct vm_map_entry *n) { return n ? n->node.max_gap : 0; }
static uint64_t max3(uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t ab = a > b ? a : b;
    return ab > c ? ab : c;
}

/* The free bytes between e and the entry below it (or the bottom of the map). */
static uint64_t gap_below(const struct vm_map *map, const struct vm_map_entry *e)
{
    uint64_t floor = e->prev == &map->header ? map->min : e->prev->end;
    return e->start > floor ? e->start - floor : 0;
}

/* Recomputes n's height and largest gap from its children. */
static void pull(struct vm_map_entry *n)
{
    struct vm_map_entry *l = n->node.child[LEFT], *r = n->node.child[RIGHT];
    int hl = height(l), hr = height(r);
    n->node.height = 1 + (hl > hr ? hl : hr);
    n->node.max_gap = max3(n->node.gap, max_gap(l), max_gap(r));
}

static void replace_child(struct vm_map *map, struct vm_map_entry *parent,
                          struct vm_map_entry *old, struct vm_map_entry *new)
{
    if (!parent)
        map->root = new;
    else
        parent->node.child[parent->node.child[RIGHT] == old] = new;
    if (new)
        new->node.parent = parent;
}

/* Rotates x down towards `dir`, its child on the other side taking its place. */
static struct vm_map_entry *rotate(struct vm_map *map, struct vm_map_entry *x, int dir)
{
    struct vm_map_entry *y = x->node.child[!dir], *mid = y->node.child[dir];
    replace_child(map, x->node.parent, x, y);
    x->node.child[!dir] = mid;
    if (mid)
        mid->node.parent = x;
    y->node.child[dir] = x;
    x->node.parent = y;
    pull(x);
    pull(y);
    return y;
}

/* Restores n's balance; returns the node now at its place. */
static struct vm_map_entry *rebalance(struct vm_map *map, struct vm_map_entry *n)
{
    int diff = height(n->node.child[LEFT]) - height(n->node.child[RIGHT]);
    if (diff >= -1 && diff <= 1) {
        pull(n);
        return n;
    }
    int heavy = diff > 0 ? LEFT : RIGHT;
    struct vm_map_entry *c = n->node.child[heavy];
    if (height(c->node.child[!heavy]) > height(c->node.child[heavy]))
        rotate(map, c, heavy);
    return rotate(map, n, !heavy);
}

/* Rebalances and refreshes every node from n up to the root. */
static void fix_up(struct vm_map *map, struct vm_map_entry *n)
{
    for (; n; n = n->node.parent)
        n = rebalance(map, n);
}

static void attach(struct vm_map_entry *parent, int dir, struct vm_map_entry *e)
{
    parent->node.child[dir] = e;
    e->node.parent = parent;
}

void vm_map_tree_insert(struct vm_map *map, struct vm_map_entry *e)
{
    e->node = (struct vm_map_node){ .height = 1 };
    e->node.gap = e->node.max_gap = gap_below(map, e);
    struct vm_map_entry *next = e->next;
    if (next != &map->header)
        next->node.gap = gap_below(map, next);
    /* In order, e goes right after e->prev: as its right child if it has none, else
     * as the left child of its successor (next), the lowest node of that subtree. */
    if (!map->root)
        map->root = e;
    else if (e->prev != &map->header && !e->prev->node.child[RIGHT])
        attach(e->prev, RIGHT, e);
    else
        attach(next, LEFT, e);
    /* next is e's parent or an ancestor of it: the walk up refreshes it too. */
    fix_up(map, e->node.parent);
}

void vm_map_tree_remove(struct vm_map *map, struct vm_map_entry *e)
{
    struct vm_map_entry *l = e->node.child[LEFT], *r = e->node.child[RIGHT], *from;
    if (l && r) {
        /* The successor, lowest of the right subtree, takes e's place. */
        struct vm_map_entry *s = e->next;
        from = s;
        if (s->node.parent != e) {
            from = s->node.parent;
            replace_child(map, from, s, s->node.child[RIGHT]);
            attach(s, RIGHT, r);
        }
        attach(s, LEFT, l);
        replace_child(map, e->node.parent, e, s);
    } else {
        from = e->node.parent;
        replace_child(map, from, e, l ? l : r);
    }
    fix_up(map, from);
    struct vm_map_entry *next = e->next;
    if (next != &map->header) {
        uint64_t floor = e->prev == &map->header ? map->min : e->prev->end;
        next->node.gap = next->start > floor ? next->start - floor : 0;
        fix_up(map, next);
    }
}

void vm_map_tree_gap_changed(struct vm_map *map, struct vm_map_entry *e)
{
    if (e == &map->header)
        return;
    e->node.gap = gap_below(map, e);
    fix_up(map, e);
}

struct vm_map_entry *vm_map_tree_floor(const struct vm_map *map, uint64_t addr)
{
    struct vm_map_entry *best = (struct vm_map_entry *)&map->header;
    for (struct vm_map_entry *n = map->root; n;) {
        if (n->start <= addr) {
            best = n;
            n = n->node.child[RIGHT];
        } else {
            n = n->node.child[LEFT];
        }
    }
    return best;
}

/* The lowest node of subtree n whose gap is at least size (n's max_gap is). */
static struct vm_map_entry *lowest_fit(struct vm_map_entry *n, uint64_t size)
{
    for (;;) {
        if (max_gap(n->node.child[LEFT]) >= size)
            n = n->node.child[LEFT];
        else if (n->node.gap >= size)
            return n;
        else
            n = n->node.child[RIGHT];
    }
}

struct vm_map_entry *vm_map_tree_next_gap(const struct vm_map *map, const struct vm_map_entry *e,
                                          uint64_t size)
{
    struct vm_map_entry *none = (struct vm_map_entry *)&map->header;
    if (e == &map->header)
        return map->root && map->root->node.max_gap >= size ? lowest_fit(map->root, size) : none;
    if (max_gap(e->node.child[RIGHT]) >= size)
        return lowest_fit(e->node.child[RIGHT], size);
    /* Up until coming from a left child: that parent, then its right subtree, follow. */
    for (const struct vm_map_entry *n = e; n->node.parent; n = n->node.parent) {
        struct vm_map_entry *p = n->node.parent;
        if (p->node.child[LEFT] != n)
            continue;
        if (p->node.gap >= size)
            return p;
        if (max_gap(p->node.child[RIGHT]) >= size)
            return lowest_fit(p->node.child[RIGHT], size);
    }
    return none;
}

/* Checks subtree n, whose in-order walk must meet the list at *expect; its height. */
static int check_subtree(const struct vm_map *map, const struct vm_map_entry *n,
                         const struct vm_map_entry **expect, unsigned *count, char *why, size_t len)
{
    if (!n)
        return 0;
    const struct vm_map_entry *l = n->node.child[LEFT], *r = n->node.child[RIGHT];
    if ((l && l->node.parent != n) || (r && r->node.parent != n)) {
        snprintf(why, len, "entry 0x%llx: a child's parent link is wrong",
                 (unsigned long long)n->start);
        return -1;
    }
    int hl = check_subtree(map, l, expect, count, why, len);
    if (hl < 0)
        return -1;
    if (*expect != n) {
        snprintf(why, len, "entry 0x%llx is out of list order in the tree",
                 (unsigned long long)n->start);
        return -1;
    }
    *expect = n->next;
    ++*count;
    int hr = check_subtree(map, r, expect, count, why, len);
    if (hr < 0)
        return -1;
    int h = 1 + (hl > hr ? hl : hr);
    if (hl - hr > 1 || hr - hl > 1 || n->node.height != h || n->node.gap != gap_below(map, n) ||
        n->node.max_gap != max3(n->node.gap, max_gap(l), max_gap(r))) {
        snprintf(why, len, "entry 0x%llx: height %d (walked %d, children %d and %d), gap %llu, "
                 "largest gap %llu", (unsigned long long)n->start, n->node.height, h, hl, hr,
                 (unsigned long long)n->node.gap, (unsigned long long)n->node.max_gap);
        return -1;
    }
    return h;
}

bool vm_map_tree_check(const struct vm_map *map, char *why, size_t len)
{
    const struct vm_map_entry *expect = map->header.next;
    unsigned count = 0;
    if (map->root && map->root->node.parent) {
        snprintf(why, len, "the root has a parent");
        return false;
    }
    if (check_subtree(map, map->root, &expect, &count, why, len) < 0)
        return false;
    if (expect != &map->header || count != map->nentries) {
        snprintf(why, len, "the tree holds %u entries, the list %u", count, map->nentries);
        return false;
    }
    uint32_t purgeable = 0;
    for (const struct vm_map_entry *e = map->header.next; e != &map->header; e = e->next) {
        if (e->start >= e->end || (e->next != &map->header && e->end > e->next->start)) {
            snprintf(why, len, "entry 0x%llx-0x%llx overlaps the next or is empty",
                     (unsigned long long)e->start, (unsigned long long)e->end);
            return false;
        }
        purgeable += vm_map_entry_purgeable(e);
    }
    if (purgeable != map->purgeable_entries) {
        snprintf(why, len, "%u purgeable entries, the map counts %u", purgeable,
                 map->purgeable_entries);
        return false;
    }
    return true;
}
