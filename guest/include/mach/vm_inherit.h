/* mach/vm_inherit.h — what a child task gets of a range at fork (vm_inherit_t). */
#ifndef MACHEMU_MACH_VM_INHERIT_H
#define MACHEMU_MACH_VM_INHERIT_H

typedef unsigned int vm_inherit_t;

#define VM_INHERIT_SHARE       ((vm_inherit_t)0)  /* the child maps the same memory */
#define VM_INHERIT_COPY        ((vm_inherit_t)1)  /* the child gets a copy-on-write copy */
#define VM_INHERIT_NONE        ((vm_inherit_t)2)  /* the child gets a hole */
#define VM_INHERIT_DONATE_COPY ((vm_inherit_t)3)  /* not supported, as on XNU */
#define VM_INHERIT_DEFAULT     VM_INHERIT_COPY
#define VM_INHERIT_LAST_VALID  VM_INHERIT_NONE

#endif
