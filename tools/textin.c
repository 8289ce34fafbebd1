/* tools/textin.c — see tools/textin.h. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "tools/textin.h"

FILE *textin_open(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    struct stat st;
    if (f && fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        f = NULL;
        errno = EISDIR;
    }
    if (!f)
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return f;
}

int textin_line(FILE *f, char *buf, char *err, size_t errlen)
{
    size_t n = 0;
    int c = 0;
    while (n < TEXTIN_LINE_MAX + 1) {
        errno = 0;
        if ((c = getc(f)) == EOF) {
            if (!ferror(f) || errno != EINTR)
                break;
            clearerr(f);           /* a signal (the debugger's Ctrl-C) between reads */
            continue;
        }
        if (c == 0) {
            snprintf(err, errlen, "a NUL byte in a line: not a text file");
            return -1;
        }
        buf[n++] = (char)c;
        if (c == '\n')
            break;
    }
    buf[n] = 0;
    if (c == EOF && ferror(f)) {
        snprintf(err, errlen, "%s", strerror(errno ? errno : EIO));
        return -1;
    }
    if (n == TEXTIN_LINE_MAX + 1 && buf[n - 1] != '\n') {
        snprintf(err, errlen, "a line longer than %d bytes", TEXTIN_LINE_MAX);
        return -1;
    }
    return n > 0;
}
