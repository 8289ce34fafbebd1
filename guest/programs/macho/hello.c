/* hello: printf's conversions and flags, argv, envp and apple[], main's return value
 * as the exit status (through the SDK's start routine and exit(), which flushes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void formats(void)
{
    volatile int wide_char = 300, wide_short = 70000;  /* hh and h keep the low bits */
    printf("d=%d i=%i u=%u neg=%d\n", 42, -7, 3000000000u, -2147483647 - 1);
    printf("x=%x X=%X o=%o #x=%#x #X=%#X #o=%#o zero#x=%#x\n", 0xbeef, 0xbeef, 8, 255, 255, 8, 0);
    printf("width=[%5d] left=[%-5d] zeros=[%05d] plus=[%+d] space=[% d] neg0=[%05d]\n",
           42, 42, 42, 42, 42, -42);
    printf("prec=[%.3d] prec0=[%.0d] wprec=[%8.3d] str=[%.2s] wstr=[%6s] lstr=[%-6s]\n",
           7, 0, -7, "abcdef", "ab", "ab");
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wformat"  /* int arguments to %hhd and %hd on purpose */
    printf("ll=%lld llu=%llu lx=%lx zu=%zu hh=%hhd h=%hd star=[%*d] [%-*d]\n",
           -9223372036854775807LL - 1, 18446744073709551615ULL, 0xfeedfacecafebeefUL,
           (size_t)1 << 40, wide_char, wide_short, 6, 17, 4, 3);
#pragma clang diagnostic pop
    printf("c=%c pct=%% p=%p null=%s\n", 'Z', (void *)0x1234abcd, (char *)NULL);
    char buf[16];
    int n = snprintf(buf, sizeof buf, "%s-%08x", "truncated", 0xc0ffee);
    printf("snprintf=%d [%s]\n", n, buf);
}

int main(int argc, char **argv, char **envp, char **apple)
{
    printf("hello from Mach-O: argc=%d\n", argc);
    for (int i = 0; i < argc; i++)
        printf("argv[%d]=[%s]\n", i, argv[i]);
    const char *var = getenv("HELLO_VAR");
    printf("HELLO_VAR=%s\n", var ? var : "(unset)");
    int envc = 0;
    while (envp[envc])
        envc++;
    printf("envp has %s\n", envc > 0 ? "entries" : "nothing");
    for (int i = 0; apple[i]; i++)
        if (!strncmp(apple[i], "executable_path=", 16))
            printf("apple: %s\n", apple[i]);
    formats();
    puts("puts works");
    putchar('!');
    putchar('\n');
    fprintf(stderr, "to stderr\n");
    return argc > 1 ? atoi(argv[1]) : 0;
}
