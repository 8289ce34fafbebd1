/* nocrt: no libc, no start routine. LC_MAIN's entry is main itself; it writes with a
 * raw BSD call and returns 42, which must come back as the exit status through the
 * stub machemu's loader put in the link register. */
#include <machemu/abi.h>

static long bsd_write(int fd, const char *buf, unsigned long len)
{
    register long x0 __asm__("x0") = fd;
    register const char *x1 __asm__("x1") = buf;
    register unsigned long x2 __asm__("x2") = len;
    register long x16 __asm__("x16") = MACHEMU_SYS_write;
    __asm__ volatile("svc #0x80" : "+r"(x0) : "r"(x1), "r"(x2), "r"(x16) : "memory", "cc");
    return x0;
}

int main(int argc, char **argv)
{
    static const char msg[] = "nocrt: main returns 42\n";
    bsd_write(1, msg, sizeof msg - 1);
    (void)argv;
    return 41 + argc;
}
