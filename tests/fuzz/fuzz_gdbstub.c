/* fuzz_gdbstub — the GDB remote stub's packets (tools/gdbstub.c: registers, memory,
 * breakpoints, qXfer, monitor commands, continue and step) behind the reader of
 * tools/gdb_packet.c: the input is what gdb sends on the socket, served by
 * gdbstub_session on a fresh machine stopped at the start of support.c's elf-exec.
 * An input with a detach packet ($D, or $}d escaped) is skipped: a detach runs the
 * program to its end, and one the input rewrote may loop for ever, as it may under gdb.
 * Every continue ends within a slice: the stub reads the rest of the input while it
 * runs, finds the connection closed and stops. */
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/fuzz/support.h"
#include "tools/repl.h"

/* Reads the stub's replies so its writes never block. */
static void *drain(void *arg)
{
    char buf[65536];
    while (read(*(int *)arg, buf, sizeof buf) > 0)
        ;
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Larger inputs would not fit in the socket's buffer before the stub reads them. */
    if (size > 4096 || memmem(data, size, "$D", 2) || memmem(data, size, "$}d", 3))
        return 0;
    signal(SIGPIPE, SIG_IGN);
    int sv[2];
    FZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    FZ_CHECK(write(sv[0], data, size) == (ssize_t)size);
    FZ_CHECK(shutdown(sv[0], SHUT_WR) == 0);
    pthread_t t;
    FZ_CHECK(pthread_create(&t, NULL, drain, &sv[0]) == 0);
    struct repl *r = fz_debug_session();
    gdbstub_session(r, sv[1]);
    fz_debug_end(r);
    close(sv[1]);
    FZ_CHECK(pthread_join(t, NULL) == 0);
    close(sv[0]);
    return 0;
}
