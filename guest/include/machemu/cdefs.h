/* machemu/cdefs.h — C linkage for the SDK's function declarations in C++ programs
 * (Darwin's headers use __BEGIN_DECLS from <sys/cdefs.h>, which a freestanding
 * Mach-O build does not have). */
#ifndef MACHEMU_CDEFS_H
#define MACHEMU_CDEFS_H

#ifdef __cplusplus
#define MACHEMU_BEGIN_DECLS extern "C" {
#define MACHEMU_END_DECLS }
#else
#define MACHEMU_BEGIN_DECLS
#define MACHEMU_END_DECLS
#endif

#endif
