/* mach/vm_purgable.h — purgeable memory: controls and states for
 * mach_vm_purgable_control (XNU's spelling, "purgable", is kept in the names). */
#ifndef MACHEMU_MACH_VM_PURGABLE_H
#define MACHEMU_MACH_VM_PURGABLE_H

typedef int vm_purgable_t;

/* Controls. */
#define VM_PURGABLE_SET_STATE             ((vm_purgable_t)0) /* *state in: new, out: old */
#define VM_PURGABLE_GET_STATE             ((vm_purgable_t)1)
#define VM_PURGABLE_PURGE_ALL             ((vm_purgable_t)2)
#define VM_PURGABLE_SET_STATE_FROM_KERNEL ((vm_purgable_t)3) /* refused from user space */

/* States (the low two bits of *state). */
#define VM_PURGABLE_NONVOLATILE 0  /* contents are kept */
#define VM_PURGABLE_VOLATILE    1  /* contents may be discarded under memory pressure */
#define VM_PURGABLE_EMPTY       2  /* they were: the pages read as zero again */
#define VM_PURGABLE_DENY        3  /* the object is not purgeable */
#define VM_PURGABLE_STATE_MIN   0
#define VM_PURGABLE_STATE_MAX   3
#define VM_PURGABLE_STATE_MASK  3

/* Modifiers that may accompany VM_PURGABLE_VOLATILE when setting the state. */
#define VM_VOLATILE_ORDER_SHIFT         4
#define VM_VOLATILE_ORDER_MASK          (1 << VM_VOLATILE_ORDER_SHIFT)
#define VM_VOLATILE_MAKE_FIRST_IN_GROUP (1 << VM_VOLATILE_ORDER_SHIFT)
#define VM_VOLATILE_MAKE_LAST_IN_GROUP  (0 << VM_VOLATILE_ORDER_SHIFT)

#define VM_PURGABLE_ORDERING_SHIFT    5
#define VM_PURGABLE_ORDERING_MASK     (1 << VM_PURGABLE_ORDERING_SHIFT)
#define VM_PURGABLE_ORDERING_OBSOLETE (1 << VM_PURGABLE_ORDERING_SHIFT)
#define VM_PURGABLE_ORDERING_NORMAL   (0 << VM_PURGABLE_ORDERING_SHIFT)

#define VM_PURGABLE_BEHAVIOR_SHIFT 6
#define VM_PURGABLE_BEHAVIOR_MASK  (1 << VM_PURGABLE_BEHAVIOR_SHIFT)
#define VM_PURGABLE_BEHAVIOR_FIFO  (0 << VM_PURGABLE_BEHAVIOR_SHIFT)
#define VM_PURGABLE_BEHAVIOR_LIFO  (1 << VM_PURGABLE_BEHAVIOR_SHIFT)

#define VM_VOLATILE_GROUP_SHIFT   8
#define VM_VOLATILE_GROUP_MASK    (7 << VM_VOLATILE_GROUP_SHIFT)
#define VM_VOLATILE_GROUP_0       (0 << VM_VOLATILE_GROUP_SHIFT)
#define VM_VOLATILE_GROUP_1       (1 << VM_VOLATILE_GROUP_SHIFT)
#define VM_VOLATILE_GROUP_2       (2 << VM_VOLATILE_GROUP_SHIFT)
#define VM_VOLATILE_GROUP_3       (3 << VM_VOLATILE_GROUP_SHIFT)
#define VM_VOLATILE_GROUP_4       (4 << VM_VOLATILE_GROUP_SHIFT)
#define VM_VOLATILE_GROUP_5       (5 << VM_VOLATILE_GROUP_SHIFT)
#define VM_VOLATILE_GROUP_6       (6 << VM_VOLATILE_GROUP_SHIFT)
#define VM_VOLATILE_GROUP_7       (7 << VM_VOLATILE_GROUP_SHIFT)
#define VM_VOLATILE_GROUP_DEFAULT VM_VOLATILE_GROUP_0

#define VM_PURGABLE_DEBUG_SHIFT 12
#define VM_PURGABLE_DEBUG_MASK  (3 << VM_PURGABLE_DEBUG_SHIFT)
#define VM_PURGABLE_DEBUG_EMPTY (1 << VM_PURGABLE_DEBUG_SHIFT)
#define VM_PURGABLE_DEBUG_FAULT (2 << VM_PURGABLE_DEBUG_SHIFT)

#define VM_PURGABLE_NO_AGING_SHIFT 16
#define VM_PURGABLE_NO_AGING_MASK  (1 << VM_PURGABLE_NO_AGING_SHIFT)
#define VM_PURGABLE_NO_AGING       (1 << VM_PURGABLE_NO_AGING_SHIFT)

/* Every bit a state argument may carry; others give KERN_INVALID_ARGUMENT. */
#define VM_PURGABLE_ALL_MASKS                                                      \
    (VM_PURGABLE_STATE_MASK | VM_VOLATILE_ORDER_MASK | VM_PURGABLE_ORDERING_MASK | \
     VM_PURGABLE_BEHAVIOR_MASK | VM_VOLATILE_GROUP_MASK | VM_PURGABLE_DEBUG_MASK | \
     VM_PURGABLE_NO_AGING_MASK)

#endif
