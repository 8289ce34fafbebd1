/* vm/vm_map_tree.h — the index over a map's entry list (for vm/ only).
 *
 * An AVL tree holding the entries in list order, so that lookups by address take
 * O(log n) however many entries a task makes. Each node also knows the free space
 * just below its entry (its gap) and the largest gap in its subtree, which finds the
 * first hole of a given size in O(log n) too. The tree follows the list: insert an
 * entry after linking it, remove it before unlinking it, and call
 * vm_map_tree_gap_changed() when an entry's end moved without the list changing. */
#ifndef VM_VM_MAP_TREE_H
#define VM_VM_MAP_TREE_H

#include "vm/vm_map.h"

void vm_map_tree_insert(struct vm_map *map, struct vm_map_entry *e);
/* e->next's gap is updated as if e were gone already. */
void vm_map_tree_remove(struct vm_map *map, struct vm_map_entry *e);
/* e's gap after the entry before it changed its end (e may be &map->header: nothing). */
void vm_map_tree_gap_changed(struct vm_map *map, struct vm_map_entry *e);
/* The last entry starting at or below addr, or &map->header. */
struct vm_map_entry *vm_map_tree_floor(const struct vm_map *map, uint64_t addr);
/* The first entry after e (e may be &map->header: the lowest) whose gap is at least
 * size, or &map->header if none. The gap above the last entry is not in the tree. */
struct vm_map_entry *vm_map_tree_next_gap(const struct vm_map *map, const struct vm_map_entry *e,
                                          uint64_t size);
/* The tree against the list: order, links, heights, balance and gaps. False with the
 * first difference in why. O(n): for tests and invariant checks. */
bool vm_map_tree_check(const struct vm_map *map, char *why, size_t len);

#endif
