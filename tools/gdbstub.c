/* tools/gdbstub.c — a GDB remote stub on 127.0.0.1, one connection.
 *
 * gdb sees the threads of the task on the CPU, by their thread ids (qfThreadInfo, Hg,
 * T, qC); continuing runs them all on the one CPU, stepping steps the one on it. Registers are the AArch64 core set
 * (x0-x30, sp, pc, cpsr) described by a target.xml; memory goes through the MMU
 * (reads never fault pages in; writes fault them in as the guest's own stores
 * would); breakpoints (Z0/Z1) are the debugger's, not patched into guest code.
 * `monitor CMD` runs a REPL command, its output sent as console output. While the
 * program runs, the socket is polled between slices of instructions for gdb's
 * interrupt byte. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "tools/gdb_packet.h"
#include "tools/repl.h"

#define SLICE 1000000              /* instructions between checks for an interrupt */

struct stub {
    struct repl *r;
    struct emu *emu;
    int fd;
    bool noack, done;
    struct gdbp_reader rd;
    char stop[96];                 /* the last stop reply */
    bool watch_stepped;            /* the last stop was a watchpoint's, already past the
                                      instruction: gdb's step over it runs nothing */
    char *last;                    /* the last packet sent, for a '-' */
    size_t last_len;
    int gthread;                   /* Hg: the thread whose registers g/p/G/P use; 0: the CPU's */
};

static bool send_all(struct stub *s, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(s->fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static void send_packet(struct stub *s, const char *payload, size_t len)
{
    size_t cap = 2 * len + 8;
    char *f = malloc(cap);
    int n = f ? gdbp_frame(payload, len, f, cap) : -1;
    if (n < 0 || !send_all(s, f, (size_t)n)) {
        free(f);
        s->done = true;
        return;
    }
    free(s->last);
    s->last = f;
    s->last_len = (size_t)n;
}

static void send_str(struct stub *s, const char *str)
{
    send_packet(s, str, strlen(str));
}

/* Console output: "O" + hex, in pieces gdb accepts. */
static void send_console(struct stub *s, const char *text, size_t len)
{
    char buf[1 + 2 * 1024 + 1];
    for (size_t at = 0; at < len; at += 1024) {
        size_t n = len - at < 1024 ? len - at : 1024;
        buf[0] = 'O';
        gdbp_hex_encode(text + at, n, buf + 1);
        send_str(s, buf);
    }
}

/* --- registers and target description ------------------------------------------- */

/* Register reg of task pid as gdb's hex into out (33 bytes of room); its length, or -1. */
static int reg_hex(struct stub *s, int pid, int reg, char *out)
{
    uint8_t b[16];
    int n = inspect_reg_bytes(s->emu, pid, reg, b);
    if (n < 0)
        return -1;
    gdbp_hex_encode(b, (size_t)n, out);
    return 2 * n;
}

/* Sets register reg from gdb's hex at *hex (moved past it); false on a bad value. */
static bool reg_from_hex(struct stub *s, int pid, int reg, const char **hex)
{
    uint8_t b[16];
    int n = inspect_reg_bytes(s->emu, pid, reg, b);
    if (n < 0 || strlen(*hex) < (size_t)2 * n || gdbp_hex_decode(*hex, 2 * (size_t)n, b) < 0)
        return false;
    *hex += 2 * n;
    return dbg_reg_write_bytes(s->emu, pid, reg, b) == 0;
}

static void reply_all_regs(struct stub *s)
{
    char out[INSPECT_NREGS_ALL * 32 + 1], *p = out;
    for (int reg = 0; reg < INSPECT_NREGS_ALL; reg++) {
        int n = reg_hex(s, s->gthread, reg, p);
        if (n < 0) {
            send_str(s, "E01");
            return;
        }
        p += n;
    }
    *p = 0;
    send_str(s, out);
}

/* G: the registers gdb sends, in order; it may send fewer than all. */
static void write_all_regs(struct stub *s, const char *hex)
{
    for (int reg = 0; reg < INSPECT_NREGS_ALL && *hex; reg++)
        if (!reg_from_hex(s, s->gthread, reg, &hex)) {
            send_str(s, "E01");
            return;
        }
    send_str(s, "OK");
}

static void reg_one(struct stub *s, const char *p, bool write)
{
    uint64_t reg;
    char out[33];
    if (!gdbp_parse_hex(&p, &reg) || reg >= INSPECT_NREGS_ALL) {
        send_str(s, write ? "E01" : "E00");
        return;
    }
    if (write) {
        send_str(s, *p++ == '=' && reg_from_hex(s, s->gthread, (int)reg, &p) ? "OK" : "E01");
        return;
    }
    if (reg_hex(s, s->gthread, (int)reg, out) < 0)
        send_str(s, "E00");
    else
        send_str(s, out);
}

/* The FP/SIMD feature: v0-v31 as gdb's aarch64 vector union, fpsr, fpcr. */
static void fpu_feature(FILE *f)
{
    fprintf(f, "<feature name=\"org.gnu.gdb.aarch64.fpu\">\n"
               "<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>\n"
               "<vector id=\"v2u\" type=\"uint64\" count=\"2\"/>\n"
               "<vector id=\"v2i\" type=\"int64\" count=\"2\"/>\n"
               "<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>\n"
               "<vector id=\"v4u\" type=\"uint32\" count=\"4\"/>\n"
               "<vector id=\"v4i\" type=\"int32\" count=\"4\"/>\n"
               "<vector id=\"v8u\" type=\"uint16\" count=\"8\"/>\n"
               "<vector id=\"v8i\" type=\"int16\" count=\"8\"/>\n"
               "<vector id=\"v16u\" type=\"uint8\" count=\"16\"/>\n"
               "<vector id=\"v16i\" type=\"int8\" count=\"16\"/>\n"
               "<vector id=\"v1u\" type=\"uint128\" count=\"1\"/>\n"
               "<vector id=\"v1i\" type=\"int128\" count=\"1\"/>\n"
               "<union id=\"vnd\"><field name=\"f\" type=\"v2d\"/><field name=\"u\" type=\"v2u\"/>"
               "<field name=\"s\" type=\"v2i\"/></union>\n"
               "<union id=\"vns\"><field name=\"f\" type=\"v4f\"/><field name=\"u\" type=\"v4u\"/>"
               "<field name=\"s\" type=\"v4i\"/></union>\n"
               "<union id=\"vnh\"><field name=\"u\" type=\"v8u\"/><field name=\"s\" type=\"v8i\"/></union>\n"
               "<union id=\"vnb\"><field name=\"u\" type=\"v16u\"/><field name=\"s\" type=\"v16i\"/></union>\n"
               "<union id=\"vnq\"><field name=\"u\" type=\"v1u\"/><field name=\"s\" type=\"v1i\"/></union>\n"
               "<union id=\"aarch64v\"><field name=\"d\" type=\"vnd\"/><field name=\"s\" type=\"vns\"/>"
               "<field name=\"h\" type=\"vnh\"/><field name=\"b\" type=\"vnb\"/>"
               "<field name=\"q\" type=\"vnq\"/></union>\n");
    for (int i = 0; i < 32; i++)
        fprintf(f, "<reg name=\"v%d\" bitsize=\"128\" type=\"aarch64v\" regnum=\"%d\"/>\n", i,
                INSPECT_REG_V0 + i);
    fprintf(f, "<reg name=\"fpsr\" bitsize=\"32\" type=\"int\" regnum=\"%d\"/>\n"
               "<reg name=\"fpcr\" bitsize=\"32\" type=\"int\" regnum=\"%d\"/>\n</feature>\n",
            INSPECT_REG_FPSR, INSPECT_REG_FPCR);
}

static char *target_xml(void)
{
    char *xml = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&xml, &len);
    if (!f)
        return NULL;
    fprintf(f, "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
               "<target version=\"1.0\">\n<architecture>aarch64</architecture>\n"
               "<feature name=\"org.gnu.gdb.aarch64.core\">\n");
    for (int i = 0; i <= 30; i++)
        fprintf(f, "<reg name=\"x%d\" bitsize=\"64\" type=\"int\" regnum=\"%d\"/>\n", i, i);
    fprintf(f, "<reg name=\"sp\" bitsize=\"64\" type=\"data_ptr\" regnum=\"31\"/>\n"
               "<reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\" regnum=\"32\"/>\n"
               "<reg name=\"cpsr\" bitsize=\"32\" type=\"int\" regnum=\"33\"/>\n"
               "</feature>\n");
    fpu_feature(f);
    fprintf(f, "</target>\n");
    fclose(f);
    return xml;
}

/* LEN bytes of text from OFF as a qXfer reply: 'm' if more follows, 'l' for the last. */
static void send_slice(struct stub *s, const char *text, uint64_t off, uint64_t len)
{
    size_t total = strlen(text);
    if (off > total)
        off = total;
    size_t n = total - off < len ? total - off : len;
    char *out = malloc(n + 2);
    if (out) {
        out[0] = off + n < total ? 'm' : 'l';
        memcpy(out + 1, text + off, n);
        send_packet(s, out, n + 1);
    }
    free(out);
}

/* qXfer:features:read:target.xml:OFFSET,LENGTH */
static void xfer_features(struct stub *s, const char *args)
{
    uint64_t off, len;
    const char *p = args;
    char *xml = strncmp(p, "target.xml:", 11) ? NULL : target_xml();
    p += 11;
    if (!xml || !gdbp_parse_hex(&p, &off) || *p++ != ',' || !gdbp_parse_hex(&p, &len)) {
        free(xml);
        send_str(s, "E00");
        return;
    }
    send_slice(s, xml, off, len);
    free(xml);
}

/* qXfer:exec-file:read:ANNEX:OFFSET,LENGTH: the program's path on this host, so that
 * gdb reads its symbols without a `file` command. */
static void xfer_exec_file(struct stub *s, const char *args)
{
    uint64_t off, len;
    const char *p = strchr(args, ':');
    const char *path = repl_program(s->r);
    if (!p++ || !gdbp_parse_hex(&p, &off) || *p++ != ',' || !gdbp_parse_hex(&p, &len) || !path) {
        send_str(s, "E00");
        return;
    }
    send_slice(s, path, off, len);
}

/* --- memory and breakpoints --------------------------------------------------------- */

static void read_memory(struct stub *s, const char *p)
{
    uint64_t addr, len;
    if (!gdbp_parse_hex(&p, &addr) || *p++ != ',' || !gdbp_parse_hex(&p, &len)) {
        send_str(s, "E01");
        return;
    }
    if (len > GDBP_MAX / 2)
        len = GDBP_MAX / 2;
    uint8_t *buf = malloc(len ? len : 1);
    char *hex = malloc(2 * len + 1);
    size_t n = buf && hex ? inspect_read(s->emu, 0, addr, buf, len) : 0;
    if (n == 0) {
        send_str(s, "E14");       /* EFAULT */
    } else {
        gdbp_hex_encode(buf, n, hex);
        send_str(s, hex);
    }
    free(buf);
    free(hex);
}

static void write_memory(struct stub *s, const char *p)
{
    uint64_t addr, len;
    if (!gdbp_parse_hex(&p, &addr) || *p++ != ',' || !gdbp_parse_hex(&p, &len) || *p++ != ':' ||
        strlen(p) != 2 * len || len > GDBP_MAX / 2) {
        send_str(s, "E01");
        return;
    }
    uint8_t *buf = malloc(len ? len : 1);
    bool ok = buf && gdbp_hex_decode(p, 2 * len, buf) == 0 &&
              dbg_write(s->emu, addr, buf, len) == len;
    free(buf);
    send_str(s, ok ? "OK" : "E14");
}

/* Z2/Z3/Z4 (write, read, access watchpoint) and z2-z4: ADDR,LEN on the task on the
 * CPU, through the MMU (emu/debug.h dbg_watch). */
static void watchpoint(struct stub *s, unsigned type, uint64_t addr, uint64_t len, bool insert)
{
    static const unsigned access[] = { [2] = DBG_WATCH_WRITE, [3] = DBG_WATCH_READ,
                                       [4] = DBG_WATCH_ACCESS };
    if (insert) {
        int id = dbg_watch(s->emu, 0, addr, (unsigned)len, access[type]);
        send_str(s, id > 0 ? "OK" : id == -2 ? "E16" : "E0c");   /* EINVAL, ENOMEM */
        return;
    }
    struct dbg_breakpoint bp[DBG_MAX_BREAKPOINTS];
    int n = dbg_breakpoints(s->emu, bp, DBG_MAX_BREAKPOINTS);
    for (int i = 0; i < n && i < DBG_MAX_BREAKPOINTS; i++)
        if (bp[i].type == DBG_BP_WATCH && bp[i].va == addr && bp[i].len == len &&
            bp[i].classes == access[type]) {
            dbg_break_delete(s->emu, bp[i].id);
            send_str(s, "OK");
            return;
        }
    send_str(s, "E01");
}

/* The stop reply's fields for a watchpoint: "watch:ADDR;" (rwatch, awatch). */
static void watch_stop_fields(struct stub *s, const struct dbg_event *ev, char *buf, size_t len)
{
    struct dbg_breakpoint bp[DBG_MAX_BREAKPOINTS];
    unsigned classes = ev->watch.access;
    int n = dbg_breakpoints(s->emu, bp, DBG_MAX_BREAKPOINTS);
    for (int i = 0; i < n && i < DBG_MAX_BREAKPOINTS; i++)
        if (bp[i].id == ev->breakpoint)
            classes = bp[i].classes;
    snprintf(buf, len, "%s:%llx;", classes == DBG_WATCH_WRITE ? "watch"
             : classes == DBG_WATCH_READ ? "rwatch" : "awatch", (unsigned long long)ev->watch.va);
    /* gdb steps over the instruction of an AArch64 watchpoint hit before it looks at
     * the value; this stop is past it already (see run()) */
    s->watch_stepped = true;
}

/* Z0/Z1 (software/hardware breakpoint) ADDR,KIND; Z2-Z4: watchpoint(). */
static void breakpoint(struct stub *s, const char *p, bool insert)
{
    uint64_t type, addr, kind;
    if (!gdbp_parse_hex(&p, &type) || *p++ != ',' || !gdbp_parse_hex(&p, &addr)) {
        send_str(s, "E01");
        return;
    }
    if (type >= 2 && type <= 4) {
        if (*p++ != ',' || !gdbp_parse_hex(&p, &kind))
            send_str(s, "E01");
        else
            watchpoint(s, (unsigned)type, addr, kind, insert);
        return;
    }
    if (type > 1) {
        send_str(s, "");
        return;
    }
    if (insert)
        send_str(s, dbg_break_code(s->emu, addr) > 0 ? "OK" : "E0c");
    else
        send_str(s, dbg_break_delete_at(s->emu, addr) ? "OK" : "E01");
}

/* --- threads ------------------------------------------------------------------------- */

#define MAX_THREADS 512

/* The id of the thread on the CPU (1 once the program is gone). */
static int cpu_thread(struct stub *s)
{
    struct inspect_thread all[MAX_THREADS];
    int n = inspect_threads(s->emu, 0, all, MAX_THREADS);
    for (int i = 0; i < n && i < MAX_THREADS; i++)
        if (all[i].on_cpu)
            return all[i].tid;
    return 1;
}

static bool thread_exists(struct stub *s, int tid)
{
    struct inspect_thread all[MAX_THREADS];
    int n = inspect_threads(s->emu, 0, all, MAX_THREADS);
    for (int i = 0; i < n && i < MAX_THREADS; i++)
        if (all[i].tid == tid)
            return true;
    return false;
}

/* qC: the current thread; qfThreadInfo: all of them in one reply; qsThreadInfo: the end. */
static void thread_query(struct stub *s, const char *p)
{
    char out[16 + MAX_THREADS * 9];
    if (!strcmp(p, "qC")) {
        snprintf(out, sizeof out, "QC%x", cpu_thread(s));
        send_str(s, out);
        return;
    }
    if (strcmp(p, "qfThreadInfo")) {
        send_str(s, "l");
        return;
    }
    struct inspect_thread all[MAX_THREADS];
    int n = inspect_threads(s->emu, 0, all, MAX_THREADS);
    size_t len = 0;
    out[len++] = 'm';
    for (int i = 0; i < n && i < MAX_THREADS; i++)
        len += (size_t)snprintf(out + len, sizeof out - len, "%s%x", i ? "," : "", all[i].tid);
    if (n <= 0)
        len += (size_t)snprintf(out + len, sizeof out - len, "1");
    send_packet(s, out, len);
}

/* Hg TID / Hc TID: the thread for registers / for continuing (one CPU runs them all, so
 * Hc only checks the id). 0 and -1: any. */
static void select_thread(struct stub *s, const char *p)
{
    char op = *p++;
    long tid = !strcmp(p, "-1") ? 0 : strtol(p, NULL, 16);
    if ((op != 'g' && op != 'c') || (tid && !thread_exists(s, (int)tid))) {
        send_str(s, "E01");
        return;
    }
    if (op == 'g')
        s->gthread = (int)tid;
    send_str(s, "OK");
}

static void thread_alive(struct stub *s, const char *p)
{
    send_str(s, thread_exists(s, (int)strtol(p, NULL, 16)) ? "OK" : "E01");
}

/* --- running -------------------------------------------------------------------------- */

/* gdb's signal numbers (they differ from Linux for SIGBUS). */
static int gdb_signal(int signo)
{
    return signo == SIGBUS ? 10 : signo;
}

static bool interrupt_waiting(struct stub *s)
{
    struct pollfd p = { .fd = s->fd, .events = POLLIN };
    uint8_t buf[256];
    bool hit = false;
    while (poll(&p, 1, 0) > 0) {
        ssize_t n = read(s->fd, buf, sizeof buf);
        if (n <= 0) {
            s->done = true;
            return true;
        }
        for (ssize_t i = 0; i < n; i++)
            hit |= gdbp_feed(&s->rd, buf[i]) == GDBP_INTERRUPT;
    }
    return hit;
}

static void report(struct stub *s, const struct dbg_event *ev)
{
    if (ev->nfaults || ev->why == DBG_STOP_SIGNAL || ev->why == DBG_STOP_JETSAM) {
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        if (f) {
            repl_print_stop(s->r, ev, f);
            fclose(f);
            send_console(s, text, len);
        }
        free(text);
    }
    char watch[48] = "";
    if (ev->why == DBG_STOP_WATCH)
        watch_stop_fields(s, ev, watch, sizeof watch);
    if (ev->why == DBG_STOP_EXIT)
        snprintf(s->stop, sizeof s->stop, "W%02x", ev->exit_status & 0xff);
    else
        snprintf(s->stop, sizeof s->stop, "T%02x%sthread:%x;",
                 ev->why == DBG_STOP_SIGNAL ? gdb_signal(ev->signo)
                 : ev->why == DBG_STOP_INTERRUPT ? SIGINT : SIGTRAP, watch, cpu_thread(s));
    s->gthread = 0;                /* after a stop gdb looks at the thread that stopped */
    send_str(s, s->stop);
}

/* gdb's step over the instruction that set off a watchpoint: it ran already (the stop
 * came after it), so the step is answered where the program stands. */
static bool step_already_done(struct stub *s, bool step)
{
    bool done = step && s->watch_stepped;
    s->watch_stepped = false;
    if (done) {
        snprintf(s->stop, sizeof s->stop, "T%02xthread:%x;", SIGTRAP, cpu_thread(s));
        send_str(s, s->stop);
    }
    return done;
}

/* c / s [ADDR] */
static void run(struct stub *s, const char *p, bool step)
{
    struct dbg_event ev;
    uint64_t addr;
    if (*p && gdbp_parse_hex(&p, &addr))
        dbg_reg_write(s->emu, 0, INSPECT_REG_PC, addr);
    if (repl_exit_status(s->r) >= 0) {
        send_str(s, s->stop);
        return;
    }
    if (step_already_done(s, step))
        return;
    for (;;) {
        repl_resume(s->r, step ? 1 : SLICE, 0, &ev);
        if (step || ev.why != DBG_STOP_STEP)
            break;
        if (interrupt_waiting(s)) {
            ev.why = DBG_STOP_INTERRUPT;
            break;
        }
    }
    if (!s->done)
        report(s, &ev);
}

static void vcont(struct stub *s, const char *p)
{
    if (!strcmp(p, "?")) {
        send_str(s, "vCont;c;C;s;S");
        return;
    }
    if (*p++ != ';') {
        send_str(s, "");
        return;
    }
    /* The first action applies: this stub has one thread. */
    run(s, "", *p == 's' || *p == 'S');
}

static void monitor(struct stub *s, const char *hex)
{
    size_t n = strlen(hex) / 2;
    char *cmd = calloc(n + 1, 1);
    if (!cmd || gdbp_hex_decode(hex, 2 * n, cmd) < 0) {
        free(cmd);
        send_str(s, "E01");
        return;
    }
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f) {
        if (repl_resumes(cmd))
            fprintf(f, "monitor: use gdb's own continue and stepi to run the program\n");
        else if (!repl_exec(s->r, cmd, f))
            fprintf(f, "monitor: use gdb's kill or detach to end the session\n");
        fclose(f);
        send_console(s, text, len);
    }
    free(text);
    free(cmd);
    send_str(s, "OK");
}

static void query(struct stub *s, const char *p)
{
    if (!strncmp(p, "qSupported", 10))
        send_str(s, "PacketSize=4000;qXfer:features:read+;qXfer:exec-file:read+;"
                    "QStartNoAckMode+;vContSupported+");
    else if (!strncmp(p, "qXfer:features:read:", 20))
        xfer_features(s, p + 20);
    else if (!strncmp(p, "qXfer:exec-file:read:", 21))
        xfer_exec_file(s, p + 21);
    else if (!strcmp(p, "qAttached"))
        send_str(s, "1");
    else if (!strcmp(p, "qC") || !strcmp(p, "qfThreadInfo") || !strcmp(p, "qsThreadInfo"))
        thread_query(s, p);
    else if (!strncmp(p, "qRcmd,", 6))
        monitor(s, p + 6);
    else if (!strncmp(p, "qSymbol", 7))
        send_str(s, "OK");
    else
        send_str(s, "");
}

/* Runs the program to its end (after a detach). */
static void run_to_end(struct stub *s)
{
    struct dbg_event ev;
    dbg_break_delete(s->emu, 0);
    while (repl_exit_status(s->r) < 0)
        repl_resume(s->r, 0, 0, &ev);
}

static void handle(struct stub *s, const char *p)
{
    switch (p[0]) {
    case '?': send_str(s, s->stop); break;
    case 'g': reply_all_regs(s); break;
    case 'G': write_all_regs(s, p + 1); break;
    case 'p': reg_one(s, p + 1, false); break;
    case 'P': reg_one(s, p + 1, true); break;
    case 'm': read_memory(s, p + 1); break;
    case 'M': write_memory(s, p + 1); break;
    case 'Z': breakpoint(s, p + 1, true); break;
    case 'z': breakpoint(s, p + 1, false); break;
    case 'c': run(s, p + 1, false); break;
    case 's': run(s, p + 1, true); break;
    case 'C': case 'S': {      /* with a signal: the pending one is delivered anyway */
        const char *q = strchr(p, ';');
        run(s, q ? q + 1 : "", p[0] == 'S');
        break;
    }
    case 'H': select_thread(s, p + 1); break;
    case 'T': thread_alive(s, p + 1); break;
    case 'k': s->done = true; break;
    case 'D':
        send_str(s, "OK");
        s->done = true;
        run_to_end(s);
        break;
    case 'q': query(s, p); break;
    case 'Q':
        if (!strcmp(p, "QStartNoAckMode")) {
            send_str(s, "OK");
            s->noack = true;
        } else {
            send_str(s, "");
        }
        break;
    case 'v':
        if (!strncmp(p, "vCont", 5))
            vcont(s, p + 5);
        else
            send_str(s, "");
        break;
    default: send_str(s, ""); break;
    }
}

static void serve(struct stub *s)
{
    uint8_t buf[4096];
    while (!s->done) {
        ssize_t n = read(s->fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        for (ssize_t i = 0; i < n && !s->done; i++) {
            switch (gdbp_feed(&s->rd, buf[i])) {
            case GDBP_PACKET:
                if (!s->noack)
                    send_all(s, "+", 1);
                handle(s, s->rd.buf);
                break;
            case GDBP_BAD_CHECKSUM:
            case GDBP_OVERFLOW:
                send_all(s, "-", 1);
                break;
            case GDBP_NACK:
                if (s->last)
                    send_all(s, s->last, s->last_len);
                break;
            default:
                break;
            }
        }
    }
}

static int listen_on(int port, int *bound)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t alen = sizeof a;
    int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 1) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    *bound = ntohs(a.sin_port);
    return fd;
}

void gdbstub_session(struct repl *r, int fd)
{
    struct stub s = { .r = r, .emu = repl_emu(r), .fd = fd };
    /* gdb's interrupt byte must end a wait of the machine for a sleeping guest. */
    emu_wait_options(s.emu, fd, -1);
    gdbp_reader_init(&s.rd);
    snprintf(s.stop, sizeof s.stop, "T05thread:%x;", cpu_thread(&s));
    serve(&s);
    emu_wait_options(s.emu, -1, -1);
    free(s.last);
}

int gdbstub_serve(struct repl *r, int port)
{
    int fd, bound, ls = listen_on(port, &bound);
    if (ls < 0) {
        fprintf(stderr, "machemu: cannot listen on 127.0.0.1:%d: %s\n", port, strerror(errno));
        return 2;
    }
    fprintf(stderr, "machemu: waiting for gdb on 127.0.0.1:%d\n", bound);
    fflush(stderr);
    fd = accept(ls, NULL, NULL);
    close(ls);
    if (fd < 0 && errno == EINTR) {    /* Ctrl-C: nobody came */
        fprintf(stderr, "machemu: interrupted while waiting for gdb\n");
        return 130;
    }
    if (fd < 0) {
        fprintf(stderr, "machemu: accept: %s\n", strerror(errno));
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    gdbstub_session(r, fd);
    close(fd);
    return 0;
}
