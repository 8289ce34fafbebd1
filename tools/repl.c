/* tools/repl.c — a `machemu debug` session: where commands come from.
 *
 * Commands come from -x FILE first, then from the terminal through libedit (line
 * editing and history), or, when standard input is not a terminal, from it line by
 * line; scripted lines are echoed after the prompt so a transcript reads like a
 * session. Ctrl-C stops a running program at its next instruction; at the prompt it
 * prints "Quit" and the session goes on, as in gdb. On a terminal, Tab completes
 * commands, fault kinds, registers and the program's symbols, and the history is kept
 * in ~/.machemu_history. */
#include <editline/readline.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tools/repl.h"
#include "tools/textin.h"

#define PROMPT "(machemu) "

static struct repl *interrupt_target;   /* its machine changes when `run` restarts */
static volatile sig_atomic_t prompt_interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    prompt_interrupted = 1;
    if (interrupt_target)
        dbg_interrupt(repl_emu(interrupt_target));
}

static void catch_sigint(struct repl *r)
{
    struct sigaction sa = { .sa_handler = on_sigint };
    sigemptyset(&sa.sa_mask);
    interrupt_target = r;
    sigaction(SIGINT, &sa, NULL);
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = 0;
    return s;
}

/* 1 at the end of the input, 0 once a command asked to quit, -1 for input that is not
 * lines of text (said on stderr). */
static int run_lines(struct repl *r, FILE *in, const char *name)
{
    char line[TEXTIN_LINE_MAX + 2], err[128];
    int got;
    while ((got = textin_line(in, line, err, sizeof err)) > 0) {
        char *cmd = trim(line);
        if (!*cmd)
            continue;
        printf(PROMPT "%s\n", cmd);
        bool go = repl_exec(r, cmd, stdout);
        fflush(stdout);
        if (!go)
            return 0;
    }
    if (got < 0)
        fprintf(stderr, "machemu: %s: %s\n", name, err);
    return got < 0 ? -1 : 1;
}

/* --- completion ------------------------------------------------------------------ */

static struct repl *completing;
static enum { WORDS_COMMANDS, WORDS_FAULTS, WORDS_VALUES } completing_what;

static const char *const fault_words[] = { "zero-fill", "soft", "pagein", "cow", "decompress",
                                           "fast", "invalid", "prot", "any", NULL };
static const char *const reg_words[] = { "pc", "sp", "lr", "fp", "cpsr", "x0", "x1", "x2", "x3",
    "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17",
    "x18", "x19", "x20", "x21", "x22", "x23", "x24", "x25", "x26", "x27", "x28", "x29", "x30",
    NULL };

/* The i-th candidate of the current kind of word; NULL after the last. */
static const char *candidate(size_t i)
{
    size_t n;
    switch (completing_what) {
    case WORDS_COMMANDS:
        for (n = 0; repl_command_name(n); n++)
            ;
        return i < n ? repl_command_name(i) : repl_gdb_words[i - n];
    case WORDS_FAULTS:             /* the kinds alone: the libc's symbols would crowd them */
        return fault_words[i];
    case WORDS_VALUES:
        break;
    }
    if (i < sizeof reg_words / sizeof *reg_words - 1)
        return reg_words[i];
    return sym_name(repl_symtab(completing), i - (sizeof reg_words / sizeof *reg_words - 1));
}

static char *generate(const char *text, int state)
{
    static size_t next;
    if (!state)
        next = 0;
    for (const char *w; (w = candidate(next)) != NULL;) {
        next++;
        if (!strncmp(w, text, strlen(text)))
            return strdup(w);
    }
    return NULL;
}

static char **complete(const char *text, int start, int end)
{
    (void)end;
    const char *line = rl_line_buffer;
    while (*line == ' ')
        line++;
    if (start == 0 || line == rl_line_buffer + start)
        completing_what = WORDS_COMMANDS;
    else if (!strncmp(line, "break fault", 11) || !strncmp(line, "b fault", 7) ||
             !strncmp(line, "nextfault", 9) || !strncmp(line, "nf ", 3))
        completing_what = WORDS_FAULTS;
    else
        completing_what = WORDS_VALUES;
    return rl_completion_matches(text, generate);
}

/* --- the terminal --------------------------------------------------------------------- */

/* ~/.machemu_history, or NULL without a home. */
static const char *history_path(char *buf, size_t len)
{
    const char *home = getenv("HOME");
    if (!home || !*home || (size_t)snprintf(buf, len, "%s/.machemu_history", home) >= len)
        return NULL;
    return buf;
}

static void run_terminal(struct repl *r)
{
    char last[1024] = "", hist[PATH_MAX];
    char *line;
    const char *path = history_path(hist, sizeof hist);
    using_history();
    stifle_history(1000);
    if (path)
        read_history(path);
    completing = r;
    rl_attempted_completion_function = complete;
    for (;;) {
        prompt_interrupted = 0;
        if (!(line = readline(PROMPT))) {
            if (!prompt_interrupted)
                break;
            printf("Quit\n");     /* Ctrl-C at the prompt: as gdb, the session stays */
            fflush(stdout);
            continue;
        }
        char *cmd = trim(line);
        if (*cmd) {
            add_history(cmd);
            if (path)
                write_history(path);
            /* Commands that run the program repeat on an empty line, as in gdb. */
            snprintf(last, sizeof last, "%s", repl_resumes(cmd) ? cmd : "");
        } else {
            cmd = last;
        }
        bool go = repl_exec(r, cmd, stdout);
        fflush(stdout);
        free(line);
        if (!go)
            return;
    }
    putchar('\n');
}

static int session(struct repl *r, const char *script)
{
    char err[PATH_MAX + 64];
    FILE *f = script ? textin_open(script, err, sizeof err) : NULL;
    if (script && !f) {
        fprintf(stderr, "machemu: %s\n", err);
        return 2;
    }
    printf("machemu debug: ");
    repl_print_where(r, stdout);
    printf("Type help for the commands.\n");
    if (f) {
        int go = run_lines(r, f, script);
        fclose(f);
        if (go <= 0)
            return go < 0 ? 2 : 0;
    }
    if (isatty(STDIN_FILENO))
        run_terminal(r);
    else if (run_lines(r, stdin, "standard input") < 0)
        return 2;
    return 0;
}

bool debug_attach(struct emu *emu)
{
    char err[256];
    if (dbg_attach(emu, err, sizeof err) == 0)
        return true;
    fprintf(stderr, "machemu: %s\n", err);
    return false;
}

int debug_main(struct emu *emu, const char *program, const struct debug_options *o)
{
    if (!debug_attach(emu))
        return 2;
    struct repl *r = repl_create(emu, program);
    if (!r) {
        fprintf(stderr, "machemu: out of memory\n");
        return 2;
    }
    repl_set_restart(r, o->restart, o->restart_ctx);
    catch_sigint(r);
    int rc = o->gdb_port >= 0 ? gdbstub_serve(r, o->gdb_port) : session(r, o->script);
    signal(SIGINT, SIG_DFL);
    interrupt_target = NULL;
    if (rc == 0 && repl_exit_status(r) >= 0)
        rc = repl_exit_status(r);
    repl_destroy(r);
    return rc;
}
