/* stdio.h — formatted output to stdout/stderr and strings; a little input. */
#ifndef _STDIO_H_
#define _STDIO_H_

#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct __sFILE FILE;
extern FILE *__stdinp, *__stdoutp, *__stderrp;
#define stdin __stdinp
#define stdout __stdoutp
#define stderr __stderrp

#define EOF (-1)
#define BUFSIZ 1024
#define _IOFBF 0
#define _IOLBF 1
#define _IONBF 2
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

#define __printflike(f, a) __attribute__((__format__(__printf__, f, a)))

int printf(const char *restrict format, ...) __printflike(1, 2);
int fprintf(FILE *restrict stream, const char *restrict format, ...) __printflike(2, 3);
int sprintf(char *restrict str, const char *restrict format, ...) __printflike(2, 3);
int snprintf(char *restrict str, size_t size, const char *restrict format, ...) __printflike(3, 4);
int vprintf(const char *restrict format, va_list ap) __printflike(1, 0);
int vfprintf(FILE *restrict stream, const char *restrict format, va_list ap) __printflike(2, 0);
int vsprintf(char *restrict str, const char *restrict format, va_list ap) __printflike(2, 0);
int vsnprintf(char *restrict str, size_t size, const char *restrict format, va_list ap)
    __printflike(3, 0);

int fputc(int c, FILE *stream);
int putc(int c, FILE *stream);
int putchar(int c);
int fputs(const char *restrict s, FILE *restrict stream);
int puts(const char *s);
size_t fwrite(const void *restrict ptr, size_t size, size_t nitems, FILE *restrict stream);
int fflush(FILE *stream);
int setvbuf(FILE *restrict stream, char *restrict buf, int mode, size_t size);
int ferror(FILE *stream);
void perror(const char *s);

int fgetc(FILE *stream);
int getc(FILE *stream);
int getchar(void);
char *fgets(char *restrict s, int size, FILE *restrict stream);
int feof(FILE *stream);
int fileno(FILE *stream);

#endif
