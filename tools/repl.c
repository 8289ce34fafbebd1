/* tools/repl.c — a `machemu debug` session: where commands come from.
 *
 * Commands come from -x FILE first, then from the terminal through libedit (line
 * editing and history), or, when standard input is not a terminal, from it line by
 * line; scripted lines are echoed after the prompt so a transcript reads like a
 * session. Ctrl-C stops a running program at its next instruction. */
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

static struct emu *interrupt_target;

static void on_sigint(int sig)
{
    (void)sig;
    if (interrupt_target)
        dbg_interrupt(interrupt_target);
}

static void catch_sigint(struct emu *emu)
{
    struct sigaction sa = { .sa_handler = on_sigint };
    sigemptyset(&sa.sa_mask);
    interrupt_target = emu;
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

static void run_terminal(struct repl *r)
{
    char last[1024] = "";
    char *line;
    using_history();
    while ((line = readline(PROMPT)) != NULL) {
        char *cmd = trim(line);
        if (*cmd) {
            add_history(cmd);
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
    catch_sigint(emu);
    int rc = o->gdb_port >= 0 ? gdbstub_serve(r, o->gdb_port) : session(r, o->script);
    signal(SIGINT, SIG_DFL);
    interrupt_target = NULL;
    if (rc == 0 && repl_exit_status(r) >= 0)
        rc = repl_exit_status(r);
    repl_destroy(r);
    return rc;
}
