/* tools/repl.h — `machemu debug`: the REPL, its commands, symbols and the gdb stub.
 *
 * The machine side is emu/debug.h (stops, breakpoints, resume) and emu/inspect.h
 * (registers, memory, walks, objects); this layer parses commands and prints.
 * Everything printed for a stop or an inspection is a function of the guest's state
 * only (no host addresses or times), except the "cost" of a fault, so transcripts can
 * be compared. */
#ifndef TOOLS_REPL_H
#define TOOLS_REPL_H

#include <stdio.h>
#include "emu/debug.h"
#include "emu/inspect.h"

struct debug_options {
    const char *script;            /* -x FILE: commands run first */
    int gdb_port;                  /* --gdb PORT (0: any free port); -1: no stub */
    /* `run` once the program ended: a new machine with the program loaded as at the
     * start (the old one destroyed), or NULL (said why; the old one stays). */
    struct emu *(*restart)(void *ctx);
    void *restart_ctx;
};

/* dbg_attach, saying why on stderr when it fails (false then); for every front end
 * that runs the machine through emu/debug.h (the REPL, the viewer). */
bool debug_attach(struct emu *emu);

/* Runs a session on a machine with a program loaded; returns machemu's exit status
 * (the guest's if it ended, else 0). */
int debug_main(struct emu *emu, const char *program, const struct debug_options *o);

/* --- symbols (tools/repl_sym.c): functions and objects of a static ELF ----------- */
struct symtab;
struct symtab *sym_load(const char *path);            /* NULL if none (not an error) */
void sym_free(struct symtab *s);
/* "name+0x10" for addr inside a symbol; false if none covers it. */
bool sym_describe(const struct symtab *s, uint64_t addr, char *buf, size_t len);
bool sym_lookup(const struct symtab *s, const char *name, uint64_t *addr);
/* The i-th symbol's name; NULL past the last (completion). */
const char *sym_name(const struct symtab *s, size_t i);

/* --- the command interpreter (tools/repl_cmd.c) --------------------------------- */
struct repl;
struct repl *repl_create(struct emu *emu, const char *program);
/* How `run` starts the program again once it ended (NULL: it cannot). */
void repl_set_restart(struct repl *r, struct emu *(*restart)(void *ctx), void *ctx);
void repl_destroy(struct repl *r);
/* Runs one command line; false once the user asked to quit. */
bool repl_exec(struct repl *r, const char *line, FILE *out);
/* True if the command line runs the program (continue, stepi, nextfault, ...). */
bool repl_resumes(const char *line);
/* Resumes the program (see dbg_resume) and keeps the session's view in step. */
void repl_resume(struct repl *r, uint64_t steps, unsigned once, struct dbg_event *ev);
/* The block printed when a resume stops (faults first, then where and why). */
void repl_print_stop(struct repl *r, const struct dbg_event *ev, FILE *out);
/* Where the session stands, for the banner and `info`. */
void repl_print_where(struct repl *r, FILE *out);
/* Evaluates NUMBER, register or symbol terms joined by + and -; false with a message
 * in err otherwise. */
bool repl_eval(struct repl *r, const char *expr, uint64_t *v, char *err, size_t errlen);
struct emu *repl_emu(struct repl *r);
/* The pid (or thread id) the state commands look at; 0: the task on the CPU. */
int repl_focus(const struct repl *r);
/* tools/repl_threads.c: `info threads`, `thread [TID]`; false if argv is neither. */
bool repl_threads_exec(struct repl *r, int argc, char **argv, FILE *out);
/* The program's path on the host (absolute when it could be made so), or NULL. */
const char *repl_program(struct repl *r);
struct symtab *repl_symtab(struct repl *r);
/* The guest's exit status once the run is over, else -1. */
int repl_exit_status(struct repl *r);

/* --- gdb's spellings (tools/repl_gdb.c) ------------------------------------------- */
/* Runs a command line already split into words if it is one of gdb's spellings machemu's
 * own commands do not have (info registers, i r, info break, p, print, ni, finish,
 * display, undisplay); false if it is not one. */
bool repl_gdb_exec(struct repl *r, int argc, char **argv, const char *fmt, FILE *out);
/* The display expressions, after each stop. */
void repl_gdb_displays(struct repl *r, FILE *out);
void repl_gdb_help(FILE *out);

/* --- watchpoints (tools/repl_watch.c) ------------------------------------------------ */
/* watch, rwatch, awatch; false if argv[0] is none of them. */
bool repl_watch_exec(struct repl *r, int argc, char **argv, FILE *out);
/* gdb's lines at a DBG_STOP_WATCH (w: the watchpoint, NULL once deleted). */
void repl_watch_print_stop(const struct dbg_event *ev, const struct dbg_breakpoint *w, FILE *out);
/* Its line in info breakpoints, without the hit count. */
void repl_watch_describe(const struct dbg_breakpoint *w, FILE *out);
void repl_watch_help(FILE *out);
extern const char *const repl_gdb_words[];      /* for completion, NULL-terminated */
/* Command names of the table, NULL-terminated (completion). */
const char *repl_command_name(size_t i);

/* --- printing helpers shared by the commands (tools/repl_print.c) ----------------- */
/* One line describing a descriptor found at `level` (3: page). */
void print_desc(FILE *out, pt_entry_t e, int level);
void print_fault(struct repl *r, const struct dbg_fault *f, FILE *out);
/* "0x400798 <main+0x38>:  strb w3, [x1, x2]" */
void print_insn_line(struct repl *r, int pid, uint64_t pc, FILE *out);
/* " <sym+off>" or "" */
const char *repl_sym(struct repl *r, uint64_t addr, char *buf, size_t len);

/* --- the memory-system commands (tools/repl_mm.c) -------------------------------- */
void cmd_walk(struct repl *r, int pid, uint64_t va, vm_prot_t access, FILE *out);
void cmd_tlb(struct repl *r, int pid, bool all, FILE *out);
void cmd_object(struct repl *r, int pid, const char *arg, FILE *out);
void cmd_page(struct repl *r, pfn_t pfn, FILE *out);
void cmd_tasks(struct repl *r, int focus, FILE *out);

/* --- memory pressure and Jetsam (tools/repl_jetsam.c) ----------------------------- */
/* What Jetsam did (level changes, notes, kills), kept by a Jetsam listener of the
 * machine (emu_jetsam_add_listener). NULL if out of memory or of listener slots.
 * Detaching removes the listener. */
struct jetsam_log;
struct jetsam_log *jetsam_log_attach(struct emu *emu);
void jetsam_log_detach(struct jetsam_log *l);
/* Starts a stretch (a resume, an evaluation); print_new prints its events, one
 * "jetsam: ..." line each (the last few dozen). */
void jetsam_log_mark(struct jetsam_log *l);
void jetsam_log_print_new(const struct jetsam_log *l, FILE *out);
struct jetsam_log *repl_jetsam_log(struct repl *r);
void cmd_pressure(struct repl *r, FILE *out);
/* `jetsam [band PID BAND | state PID STATE... | eval]`: argv[0] is "jetsam". */
void cmd_jetsam(struct repl *r, int argc, char **argv, FILE *out);

/* --- gdb remote stub (tools/gdbstub.c) -------------------------------------------- */
int gdbstub_serve(struct repl *r, int port);
/* Serves the gdb connected to fd until it disconnects, kills or detaches (a detach runs
 * the program to its end); fd stays open. */
void gdbstub_session(struct repl *r, int fd);

#endif
