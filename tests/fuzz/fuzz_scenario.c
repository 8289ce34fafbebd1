/* fuzz_scenario — the scenario file parser (scenario_load in tools/scenario.c): the
 * input is the file. What it accepts must list its `options` words intact. */
#include <string.h>
#include <unistd.h>

#include "tests/fuzz/support.h"
#include "tools/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64], err[512];
    int fd = fz_memfile(data, size, path, sizeof path);
    if (fd < 0)
        return 0;
    err[0] = 0;
    struct scenario *s = scenario_load(path, "/programs", err, sizeof err);
    FZ_CHECK(s || (err[0] && memchr(err, 0, sizeof err)));
    if (s) {
        int n;
        char **opt = scenario_options(s, &n);
        for (int i = 0; i < n; i++)
            FZ_CHECK(opt[i][0] && !strpbrk(opt[i], " \t\r\n#"));
        FZ_CHECK(strlen(scenario_name(s)) > 0);
        scenario_free(s);
    }
    close(fd);
    return 0;
}
