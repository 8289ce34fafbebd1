/* pressure: memory-pressure notes delivered as upcalls (machemu/pressure.h).
 *
 *   pressure regs [DELAY]  a note sent with a delay lands in the middle of a loop that
 *                          holds known values in every register; the handler destroys
 *                          them all; the loop must end with every register intact. It
 *                          prints how many iterations ran before the handler did: the
 *                          same number on every run (time is guest instructions).
 *   pressure order         delayed notes arrive by due time; notes sent while a handler
 *                          runs wait, in order, one of each kind
 *   pressure listen [N]    for the unit test: takes NORMAL/WARN/CRITICAL, sends itself a
 *                          WARN, computes N rounds; exits with the number of notes seen
 *   pressure dealloc       a handler frees a cache with mach_vm_deallocate
 *   pressure errors        no handler, unknown pid, bad notes and masks, unregistering
 *   pressure fork          a child has no handler of its parent's; a note wakes it in
 *                          read() for its own handler, and the read then completes
 *   pressure exec PATH     registers a handler, then execs PATH errors: the handler is gone
 *   pressure signal        a signal inside a pressure handler, a note inside a signal handler
 *   pressure forged        the return trap outside a handler is refused; then a jump into the
 *                          trampoline ends in the trap after it: SIGTRAP (exit 133)
 *   pressure badhandler unmapped|noexec   the handler address cannot run: SIGSEGV (139)
 *
 * Emulator only: qemu-aarch64 has no Darwin traps. */
#include "guest_test.h"
#include <mach/mach.h>
#include <machemu/pressure.h>
#include <signal.h>
#include <sys/wait.h>
#include "upcall_regs.h"

#define WARN NOTE_MEMORYSTATUS_PRESSURE_WARN
#define CRITICAL NOTE_MEMORYSTATUS_PRESSURE_CRITICAL
#define NORMAL NOTE_MEMORYSTATUS_PRESSURE_NORMAL
#define ALL_LEVELS (NORMAL | WARN | CRITICAL)

/* Something to do between a send and its delivery: long enough for any delay used here. */
static volatile uint64_t sink;
static void compute(uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        sink += i * i;
}

/* --- regs ---------------------------------------------------------------------------- */

static void check_dump(const struct upcall_dump *d)
{
    for (int r = 0; r <= 30; r++)
        if (r != 28)
            CHECK(20 + r, d->x[r] == upcall_xpattern(r));
    for (int r = 0; r < 32; r++) {
        uint64_t want[2];
        upcall_qpattern(r, want);
        CHECK(60 + r, memcmp(d->q[r], want, sizeof want) == 0);
    }
    CHECK(10, d->sp_after == d->sp_before);
    CHECK(11, d->nzcv == UPCALL_NZCV);
    CHECK(12, d->fpcr == UPCALL_FPCR);
    CHECK(13, d->fpsr == UPCALL_FPSR);
}

static void regs(const char *arg)
{
    uint64_t delay = arg ? strtoull(arg, NULL, 0) : 20000;
    enum { ITERATIONS = 100000 };
    static struct upcall_record rec;
    static struct upcall_dump dump;
    CHECK(1, machemu_pressure_handler_set(WARN | CRITICAL, upcall_clobber_handler, &rec) == KERN_SUCCESS);
    CHECK(2, machemu_pressure_send(0, WARN, delay) == KERN_SUCCESS);
    upcall_regs_loop(ITERATIONS, &dump);
    CHECK(3, rec.count == 1);
    CHECK(4, rec.note == WARN);
    CHECK(5, rec.left > 0 && rec.left < ITERATIONS);      /* in the middle of the loop */
    CHECK(6, rec.sp % 16 == 0 && rec.sp <= dump.sp_before - 128);   /* below the red zone */
    CHECK(7, rec.lr != 0);
    check_dump(&dump);
    printf("regs: the handler ran once (note 0x%lx) after %llu of %d iterations; "
           "every register intact\n", (unsigned long)rec.note,
           (unsigned long long)(ITERATIONS - rec.left), ITERATIONS);
}

/* --- order ----------------------------------------------------------------------------- */

static unsigned long seen[16];
static int nseen;

static void record_note(unsigned long note, void *ctx)
{
    (void)ctx;
    if (nseen < 16)
        seen[nseen++] = note;
}

/* On the first WARN, sends more notes to itself: they wait for this handler to return. */
static void send_while_running(unsigned long note, void *ctx)
{
    record_note(note, ctx);
    if (nseen > 1)
        return;
    static const unsigned long more[] = { CRITICAL, NORMAL, CRITICAL, WARN, NORMAL };
    for (size_t i = 0; i < sizeof more / sizeof *more; i++)
        CHECK(31, machemu_pressure_send(0, more[i], 0) == KERN_SUCCESS);
    CHECK(32, nseen == 1);           /* none of them ran inside this handler */
}

static void print_seen(const char *what)
{
    printf("%s:", what);
    for (int i = 0; i < nseen; i++)
        printf(" 0x%lx", seen[i]);
    printf("\n");
}

static void order(const char *arg)
{
    (void)arg;
    CHECK(1, machemu_pressure_handler_set(ALL_LEVELS, record_note, NULL) == KERN_SUCCESS);
    CHECK(2, machemu_pressure_send(0, NORMAL, 30000) == KERN_SUCCESS);
    CHECK(3, machemu_pressure_send(0, WARN, 10000) == KERN_SUCCESS);
    CHECK(4, machemu_pressure_send(0, CRITICAL, 20000) == KERN_SUCCESS);
    CHECK(5, machemu_pressure_send(0, NORMAL, 20000) == KERN_SUCCESS);   /* same due: after */
    compute(100000);
    CHECK(6, nseen == 4 && seen[0] == WARN && seen[1] == CRITICAL && seen[2] == NORMAL &&
             seen[3] == NORMAL);
    print_seen("delayed, by due time");

    nseen = 0;
    CHECK(7, machemu_pressure_handler_set(ALL_LEVELS, send_while_running, NULL) == KERN_SUCCESS);
    CHECK(8, machemu_pressure_send(0, WARN, 0) == KERN_SUCCESS);
    CHECK(9, nseen == 4 && seen[0] == WARN && seen[1] == CRITICAL && seen[2] == NORMAL &&
             seen[3] == WARN);
    print_seen("sent inside a handler, one of each kind in order");
}

/* For tests/unit/test_pressure.c, which posts more notes from the emulator's side:
 * takes the three levels, asks for one WARN in 1000 instructions, computes, prints what
 * it saw and exits with the number of notes. */
static void listen(const char *arg)
{
    CHECK(1, machemu_pressure_handler_set(ALL_LEVELS, record_note, NULL) == KERN_SUCCESS);
    CHECK(2, machemu_pressure_send(0, WARN, 1000) == KERN_SUCCESS);
    compute(arg ? strtoull(arg, NULL, 0) : 20000);
    print_seen("listen");
    exit(nseen);
}

/* --- dealloc ----------------------------------------------------------------------------- */

struct cache {
    mach_vm_address_t addr;
    mach_vm_size_t size;
    kern_return_t kr;
};

static void purge_cache(unsigned long note, void *ctx)
{
    struct cache *c = ctx;
    if (note == WARN && c->addr) {
        c->kr = mach_vm_deallocate(mach_task_self(), c->addr, c->size);
        c->addr = 0;
    }
}

static void dealloc(const char *arg)
{
    (void)arg;
    static struct cache c;
    c.size = 64 * vm_page_size;
    CHECK(1, mach_vm_allocate(mach_task_self(), &c.addr, c.size, VM_FLAGS_ANYWHERE) == KERN_SUCCESS);
    mach_vm_address_t where = c.addr;
    memset((void *)where, 0x5a, c.size);
    c.kr = KERN_FAILURE;
    CHECK(2, machemu_pressure_handler_set(WARN, purge_cache, &c) == KERN_SUCCESS);
    CHECK(3, machemu_pressure_send(0, WARN, 5000) == KERN_SUCCESS);
    compute(20000);
    CHECK(4, c.addr == 0 && c.kr == KERN_SUCCESS);
    CHECK(5, mach_vm_protect(mach_task_self(), where, vm_page_size, FALSE, VM_PROT_READ) ==
             KERN_INVALID_ADDRESS);      /* a hole now */
    printf("dealloc: the handler freed its 64-page cache; the range is gone\n");
}

/* --- errors ------------------------------------------------------------------------------ */

static int calls;
static void count_calls(unsigned long note, void *ctx)
{
    (void)note;
    (void)ctx;
    calls++;
}

static void errors(const char *arg)
{
    (void)arg;
    CHECK(1, machemu_pressure_send(0, WARN, 0) == KERN_NOT_RECEIVER);
    CHECK(2, machemu_pressure_send(0, WARN, 1000) == KERN_NOT_RECEIVER);
    CHECK(3, machemu_pressure_handler_set(0, count_calls, NULL) == KERN_INVALID_ARGUMENT);
    CHECK(4, machemu_pressure_handler_set(0x40, count_calls, NULL) == KERN_INVALID_ARGUMENT);
    CHECK(5, machemu_pressure_handler_set(WARN | 0x100, count_calls, NULL) == KERN_INVALID_ARGUMENT);
    CHECK(6, machemu_pressure_handler_set(WARN, count_calls, NULL) == KERN_SUCCESS);
    CHECK(7, machemu_pressure_send(0, CRITICAL, 0) == KERN_NOT_RECEIVER);
    CHECK(8, machemu_pressure_send(0, 0, 0) == KERN_INVALID_ARGUMENT);
    CHECK(9, machemu_pressure_send(0, WARN | CRITICAL, 0) == KERN_INVALID_ARGUMENT);
    CHECK(10, machemu_pressure_send(0, 0x40, 0) == KERN_INVALID_ARGUMENT);
    CHECK(11, machemu_pressure_send(999999, WARN, 0) == KERN_INVALID_TASK);
    CHECK(12, machemu_pressure_send(-1, WARN, 0) == KERN_INVALID_TASK);
    CHECK(13, calls == 0);
    /* A delayed note whose handler is gone when it falls due goes nowhere. */
    CHECK(14, machemu_pressure_send(0, WARN, 1000) == KERN_SUCCESS);
    CHECK(15, machemu_pressure_handler_set(0, NULL, NULL) == KERN_SUCCESS);
    compute(10000);
    CHECK(16, calls == 0);
    CHECK(17, machemu_pressure_send(getpid(), WARN, 0) == KERN_NOT_RECEIVER);
    CHECK(18, machemu_pressure_handler_set(WARN, count_calls, NULL) == KERN_SUCCESS);
    CHECK(19, machemu_pressure_send(getpid(), WARN, 0) == KERN_SUCCESS);
    CHECK(20, calls == 1);
    /* Delayed notes wait in a table of MACHEMU_PRESSURE_MAX_DELAYED for the machine. */
    for (int i = 0; i < MACHEMU_PRESSURE_MAX_DELAYED; i++)
        CHECK(21, machemu_pressure_send(0, WARN, 1ull << 40) == KERN_SUCCESS);
    CHECK(22, machemu_pressure_send(0, WARN, 1ull << 40) == KERN_RESOURCE_SHORTAGE);
    CHECK(23, machemu_pressure_send(0, WARN, 0) == KERN_SUCCESS && calls == 2);
    printf("errors: no handler, wrong note, unknown pid, bad masks refused; "
           "an unregistered handler gets nothing; %d delayed notes at most\n",
           MACHEMU_PRESSURE_MAX_DELAYED);
}

/* --- tasks ----------------------------------------------------------------------------- */

static int pipe_in[2], pipe_out[2];

static void say_handled(unsigned long note, void *ctx)
{
    (void)ctx;
    calls++;
    char c = note == CRITICAL ? 'c' : '?';
    CHECK(40, write(pipe_out[1], &c, 1) == 1);
}

/* The parent's handler does not come along to the child. The child registers its own
 * and blocks in read(); the parent's note runs the child's handler, which writes a byte
 * back; the parent answers and the child's read, started again, gets it. */
static void fork_case(const char *arg)
{
    (void)arg;
    CHECK(1, machemu_pressure_handler_set(CRITICAL, count_calls, NULL) == KERN_SUCCESS);
    CHECK_ERRNO(2, pipe(pipe_in) == 0 && pipe(pipe_out) == 0);
    fflush(stdout);
    pid_t pid = fork();
    CHECK_ERRNO(3, pid >= 0);
    if (pid == 0) {
        if (machemu_pressure_send(0, CRITICAL, 0) != KERN_NOT_RECEIVER)
            _exit(41);
        CHECK(42, machemu_pressure_handler_set(CRITICAL, say_handled, NULL) == KERN_SUCCESS);
        CHECK(43, write(pipe_out[1], "r", 1) == 1);
        char c = 0;
        CHECK(44, read(pipe_in[0], &c, 1) == 1 && c == 'g');
        _exit(calls == 1 ? 0 : 45);
    }
    char c = 0;
    CHECK(4, read(pipe_out[0], &c, 1) == 1 && c == 'r');   /* the child is in read() now */
    CHECK(5, machemu_pressure_send(pid, CRITICAL, 0) == KERN_SUCCESS);
    CHECK(6, read(pipe_out[0], &c, 1) == 1 && c == 'c');
    CHECK(7, write(pipe_in[1], "g", 1) == 1);
    int st;
    CHECK(8, waitpid(pid, &st, 0) == pid);
    CHECK(9, WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(10, calls == 0);
    CHECK(11, machemu_pressure_send(pid, CRITICAL, 0) == KERN_INVALID_TASK);   /* reaped */
    printf("fork: the child starts without a handler; the note to its pid ran its own while "
           "it waited in read(), which then completed\n");
}

/* exec drops the handler: the new image starts with `errors`, whose first check is that
 * a note to itself finds no handler. */
static void exec_case(const char *path)
{
    CHECK(1, path != NULL);
    CHECK(2, machemu_pressure_handler_set(WARN, count_calls, NULL) == KERN_SUCCESS);
    char *argv[] = { (char *)path, "errors", NULL };
    execv(path, argv);
    CHECK_ERRNO(3, 0);
}

/* --- signals ------------------------------------------------------------------------------ */

static volatile int sig_depth, trail_len;
static char trail[16];

static void mark(char c)
{
    if (trail_len < 15)
        trail[trail_len++] = c;
}

static void on_usr1(int sig)
{
    (void)sig;
    mark('S');
    if (sig_depth == 1)              /* the second round: a note inside a signal handler */
        CHECK(60, machemu_pressure_send(0, WARN, 0) == KERN_SUCCESS);
    mark('s');
}

static void on_note(unsigned long note, void *ctx)
{
    (void)note;
    (void)ctx;
    mark('P');
    if (sig_depth == 0)              /* the first round: a signal inside a pressure handler */
        CHECK(61, raise(SIGUSR1) == 0);
    mark('p');
}

static void signal_case(const char *arg)
{
    (void)arg;
    CHECK_ERRNO(1, signal(SIGUSR1, on_usr1) != SIG_ERR);
    CHECK(2, machemu_pressure_handler_set(WARN, on_note, NULL) == KERN_SUCCESS);
    CHECK(3, machemu_pressure_send(0, WARN, 0) == KERN_SUCCESS);
    sig_depth = 1;
    CHECK(4, raise(SIGUSR1) == 0);
    CHECK(5, strcmp(trail, "PSspSPps") == 0);
    printf("signal: %s (P/p a pressure handler, S/s a signal handler: each nests in the other)\n",
           trail);
}

/* --- bad returns and handlers --------------------------------------------------------------- */

static uint64_t return_trap(void)
{
    register uint64_t x0 __asm__("x0") = 0;
    register uint64_t x16 __asm__("x16") = (uint64_t)-(int64_t)MACHEMU_TRAP_PRESSURE_RETURN;
    __asm__ volatile("svc #0x80" : "+r"(x0), "+r"(x16) : : "memory", "cc");
    return x0;
}

static void forged(const char *arg)
{
    (void)arg;
    static uint64_t trampoline;
    CHECK(1, return_trap() == KERN_INVALID_ARGUMENT);
    CHECK(2, machemu_pressure_handler_set(WARN, upcall_note_trampoline, &trampoline) == KERN_SUCCESS);
    CHECK(3, machemu_pressure_send(0, WARN, 0) == KERN_SUCCESS);
    CHECK(4, trampoline != 0);
    CHECK(5, return_trap() == KERN_INVALID_ARGUMENT);
    printf("forged: the return trap outside a handler is KERN_INVALID_ARGUMENT\n");
    fflush(stdout);
    ((void (*)(void))(uintptr_t)trampoline)();   /* the trap refuses; brk follows */
    CHECK(6, 0);
}

/* nop; ret, in a read-write page */
static uint64_t data_page_with_code(void)
{
    mach_vm_address_t a = 0;
    CHECK(3, mach_vm_allocate(mach_task_self(), &a, vm_page_size, VM_FLAGS_ANYWHERE) == KERN_SUCCESS);
    static const uint32_t code[] = { 0xd503201f, 0xd65f03c0 };
    memcpy((void *)(uintptr_t)a, code, sizeof code);
    return a;
}

static void badhandler(const char *how)
{
    uint64_t at = how && strcmp(how, "noexec") == 0 ? data_page_with_code() : 0x10;
    CHECK(1, machemu_pressure_handler_set(WARN, (machemu_pressure_handler_t)(uintptr_t)at, NULL) ==
             KERN_SUCCESS);
    printf("badhandler: registered at %s\n", at == 0x10 ? "an unmapped address" : "data");
    fflush(stdout);
    machemu_pressure_send(0, WARN, 0);
    CHECK(2, 0);
}

static const struct {
    const char *name;
    void (*run)(const char *arg);
} cases[] = {
    { "regs", regs }, { "order", order }, { "listen", listen }, { "dealloc", dealloc }, { "errors", errors },
    { "fork", fork_case }, { "exec", exec_case }, { "signal", signal_case }, { "forged", forged },
    { "badhandler", badhandler },
};

int main(int argc, char **argv)
{
    for (size_t i = 0; argc > 1 && i < sizeof cases / sizeof *cases; i++)
        if (!strcmp(argv[1], cases[i].name)) {
            cases[i].run(argc > 2 ? argv[2] : NULL);
            return 0;
        }
    fprintf(stderr, "usage: pressure regs [DELAY]|order|listen [N]|dealloc|errors|fork|exec PATH|signal|forged|"
                    "badhandler unmapped|noexec\n");
    return 2;
}
