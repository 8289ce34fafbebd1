/* pageout: reads a file larger than the machine's RAM through a private mapping,
 * twice, while anonymous memory it wrote earlier must survive untouched.
 * Usage: pageout FILE_MB [ANON_MB]  (defaults 32 and 4; FILE_MB a power of two)
 * Under machemu -m 16M the file's clean pages are dropped by the pageout scan and
 * read again on the next touch; the anonymous pages cannot be dropped (no
 * compressor) and are parked instead. The output does not depend on the RAM size. */
#include "guest_test.h"
#include "guest_file.h"
#include <sys/mman.h>

/* Sums every word, checking each against the pattern, visiting the 16 KB blocks
 * in the order k * step mod blocks (step odd, blocks a power of two). */
static uint64_t pass(const uint64_t *w, size_t words, size_t step)
{
    const size_t per = 16384 / 8, blocks = words / per;
    uint64_t sum = 0;
    for (size_t k = 0; k < blocks; k++) {
        size_t b = (k * step) & (blocks - 1);
        for (size_t i = b * per; i < (b + 1) * per; i++) {
            CHECK(5, w[i] == guest_file_word(i));
            sum += w[i];
        }
    }
    return sum;
}

int main(int argc, char **argv)
{
    size_t file_len = (size_t)(argc > 1 ? atol(argv[1]) : 32) << 20;
    size_t anon_len = (size_t)(argc > 2 ? atol(argv[2]) : 4) << 20;
    CHECK(1, file_len > 0);
    unsigned char *anon = mmap(NULL, anon_len, PROT_READ | PROT_WRITE,
                               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_ERRNO(6, anon != MAP_FAILED);
    for (size_t i = 0; i < anon_len; i++)
        anon[i] = (unsigned char)(i * 7 + 3);

    guest_write_file("pageout.data", file_len);
    int fd = open("pageout.data", O_RDONLY);
    CHECK_ERRNO(7, fd >= 0);
    const uint64_t *w = mmap(NULL, file_len, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK_ERRNO(8, w != MAP_FAILED);
    size_t words = file_len / 8;
    CHECK(13, (file_len & (file_len - 1)) == 0);
    uint64_t first = pass(w, words, 1);
    uint64_t second = pass(w, words, 613);       /* scattered: pages come and go */
    CHECK(9, first == second);
    printf("pageout: %zu MB file read twice, sum %016llx\n", file_len >> 20,
           (unsigned long long)first);

    for (size_t i = 0; i < anon_len; i++)
        CHECK(10, anon[i] == (unsigned char)(i * 7 + 3));
    printf("pageout: %zu MB of anonymous memory intact\n", anon_len >> 20);
    CHECK_ERRNO(11, munmap((void *)w, file_len) == 0);
    close(fd);
    CHECK_ERRNO(12, unlink("pageout.data") == 0);
    return 0;
}
