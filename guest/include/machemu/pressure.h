/* machemu/pressure.h — memory-pressure notifications for guest programs.
 *
 * What dispatch_source_create(DISPATCH_SOURCE_TYPE_MEMORYPRESSURE, 0, mask, queue) with
 * an event handler gives an iOS app, as one plain C call:
 *
 *   static void on_pressure(unsigned long note, void *ctx)
 *   {
 *       if (note & (NOTE_MEMORYSTATUS_PRESSURE_WARN | NOTE_MEMORYSTATUS_PRESSURE_CRITICAL))
 *           cache_purge(ctx);          // give memory back: mach_vm_deallocate, free, ...
 *   }
 *   machemu_pressure_handler_set(NOTE_MEMORYSTATUS_PRESSURE_WARN |
 *                                NOTE_MEMORYSTATUS_PRESSURE_CRITICAL, on_pressure, &cache);
 *
 * The handler runs in the program's own thread, like a signal handler: the emulator
 * interrupts the program at a safe point (a system call's return, a fault, or the
 * instruction a delayed note falls due at), saves every register, calls
 * handler(note, ctx) on the current stack, and resumes the interrupted code exactly
 * where it was when the handler returns. It may call anything a signal handler may
 * and the Mach calls too (free memory with mach_vm_deallocate or make it purgeable);
 * it must return (no longjmp out of it). A note that arrives while the handler runs
 * waits until it returns; several waiting notes are delivered in the order they came,
 * one of each kind.
 *
 * Link with libmach.a (machemu-cc does it). Traps and rules: machemu/abi.h. */
#ifndef MACHEMU_PRESSURE_H
#define MACHEMU_PRESSURE_H

#include <stdint.h>
#include <mach/kern_return.h>
#include <machemu/abi.h>
#include <machemu/cdefs.h>

/* The notes, with XNU's names and values (<sys/event.h>; libdispatch's
 * DISPATCH_MEMORYPRESSURE_NORMAL/WARN/CRITICAL are the same first three). */
#ifndef NOTE_MEMORYSTATUS_PRESSURE_NORMAL
#define NOTE_MEMORYSTATUS_PRESSURE_NORMAL   MACHEMU_NOTE_PRESSURE_NORMAL    /* 0x01 */
#define NOTE_MEMORYSTATUS_PRESSURE_WARN     MACHEMU_NOTE_PRESSURE_WARN      /* 0x02 */
#define NOTE_MEMORYSTATUS_PRESSURE_CRITICAL MACHEMU_NOTE_PRESSURE_CRITICAL  /* 0x04 */
#define NOTE_MEMORYSTATUS_LOW_SWAP          MACHEMU_NOTE_LOW_SWAP           /* 0x08 */
#define NOTE_MEMORYSTATUS_PROC_LIMIT_WARN     MACHEMU_NOTE_PROC_LIMIT_WARN     /* 0x10 */
#define NOTE_MEMORYSTATUS_PROC_LIMIT_CRITICAL MACHEMU_NOTE_PROC_LIMIT_CRITICAL /* 0x20 */
#endif

MACHEMU_BEGIN_DECLS

typedef void (*machemu_pressure_handler_t)(unsigned long note, void *ctx);

/* Registers handler for the notes in mask (NOTE_MEMORYSTATUS_* bits), replacing any
 * handler before it; handler NULL unregisters (notes then go nowhere). KERN_SUCCESS,
 * or KERN_INVALID_ARGUMENT for an empty mask or unknown bits. A forked child starts
 * with no handler; exec drops it. */
kern_return_t machemu_pressure_handler_set(unsigned long mask, machemu_pressure_handler_t handler,
                                           void *ctx);

/* Sends one note to the process pid (0: the caller) after delay_instructions guest
 * instructions (0: at once), as `memory_pressure -S` does on macOS: for tests and tools.
 * KERN_SUCCESS if pid has a handler for the note; KERN_NOT_RECEIVER if it has none
 * (the note is dropped); KERN_INVALID_TASK for no such process; KERN_INVALID_ARGUMENT
 * unless note is exactly one NOTE_MEMORYSTATUS_* value. */
kern_return_t machemu_pressure_send(int pid, unsigned long note, uint64_t delay_instructions);

MACHEMU_END_DECLS

#endif
