/* mach/boolean.h — boolean_t as Darwin's arm64 user space defines it (an int). */
#ifndef MACHEMU_MACH_BOOLEAN_H
#define MACHEMU_MACH_BOOLEAN_H

typedef int boolean_t;

#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif

#endif
