/* emu/peak.c — the machine at the moment of its peak footprint (emu/peak.h). */
#include <stdlib.h>
#include <string.h>
#include "emu/internal.h"
#include "emu/peak.h"

struct emu_peak_state {
    struct emu_peak at;
    bool with_vmmap;
    char *vmstat;                  /* vm_print_stats() at the peak */
    char *vmmap;                   /* every live task's vmmap at the peak */
    uint32_t vmmap_footprint;      /* the footprint vmmap was taken at */
    uint64_t vmmap_icount;         /* and when */
};

int emu_peak_enable(struct emu *emu, bool with_vmmap)
{
    if (!emu->peak && !(emu->peak = calloc(1, sizeof *emu->peak)))
        return -1;
    emu->peak->with_vmmap |= with_vmmap;
    return 0;
}

void emu_peak_free(struct emu *emu)
{
    if (!emu->peak)
        return;
    free(emu->peak->vmstat);
    free(emu->peak->vmmap);
    free(emu->peak);
    emu->peak = NULL;
}

/* What fn prints, as a string (NULL out of host memory). */
static char *capture(struct emu *emu, void (*fn)(struct emu *emu, FILE *out))
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    fn(emu, f);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

static void print_vmstat(struct emu *emu, FILE *out)
{
    vm_print_stats(&emu->vm, out);
}

static void print_vmmaps(struct emu *emu, FILE *out)
{
    emu_print_vmmap(emu, 0, out);
}

static void keep(char **slot, char *text)
{
    if (!text)
        return;                    /* out of host memory: the older one stays */
    free(*slot);
    *slot = text;
}

void emu_peak_check(struct emu *emu)
{
    struct emu_peak_state *p = emu->peak;
    if (!p)
        return;
    uint32_t sum = 0;
    int tasks = 0;
    /* The ledgers cost O(1) a task, plus a walk of its purgeable regions if any. */
    for (struct task *t = emu->tasks; t; t = t->next) {
        if (!t->map)
            continue;
        struct vm_ledgers l;
        vm_map_ledgers(t->map, &l);
        if (l.phys_footprint_peak > t->footprint_peak)
            t->footprint_peak = l.phys_footprint_peak;
        sum += l.phys_footprint;
        tasks++;
    }
    if (sum <= p->at.footprint)
        return;
    p->at = (struct emu_peak){ sum, emu->icount, tasks };
    keep(&p->vmstat, capture(emu, print_vmstat));
    /* A listing costs a walk of every entry: while the footprint climbs one system call
     * at a time, take it again only once it has grown by 1/64, so a map of n entries
     * built one mmap at a time costs O(n log n), not O(n^2). The common peak (a run of
     * faults, then munmap or exit) is taken exactly. */
    if (p->with_vmmap && (!p->vmmap || sum - p->vmmap_footprint >= p->vmmap_footprint / 64 + 1)) {
        keep(&p->vmmap, capture(emu, print_vmmaps));
        p->vmmap_footprint = sum;
        p->vmmap_icount = emu->icount;
    }
}

void emu_peak_update(struct emu *emu)
{
    emu_peak_check(emu);
}

bool emu_peak_get(const struct emu *emu, struct emu_peak *out)
{
    if (!emu->peak)
        return false;
    *out = emu->peak->at;
    return true;
}

uint32_t emu_peak_task_footprint(const struct emu *emu, int pid)
{
    if (!emu->peak)
        return 0;
    for (const struct task *t = emu->tasks; t; t = t->next)
        if (t->pid == pid)
            return t->footprint_peak;
    return 0;
}

static double mb(uint64_t pages)
{
    return (double)(pages * PAGE_SIZE) / (1 << 20);
}

void emu_peak_print_stats(const struct emu *emu, FILE *out)
{
    const struct emu_peak_state *p = emu->peak;
    if (!p)
        return;
    fprintf(out, "==== at the peak footprint: %.1f MB (%u pages) in %d task%s, guest instruction "
            "%llu\n", mb(p->at.footprint), p->at.footprint, p->at.tasks,
            p->at.tasks == 1 ? "" : "s", (unsigned long long)p->at.icount);
    for (const struct task *t = emu->tasks; t; t = t->next)
        fprintf(out, "task %d (%s): Physical footprint (peak): %.1f MB (%u pages)\n", t->pid,
                t->name ? t->name : "?", mb(t->footprint_peak), t->footprint_peak);
    /* Indented: a script that reads `^Pageins:` finds the counters at exit alone. */
    for (const char *line = p->vmstat; line && *line;) {
        const char *end = strchrnul(line, '\n');
        fprintf(out, "    %.*s\n", (int)(end - line), line);
        line = *end ? end + 1 : end;
    }
}

void emu_peak_print_vmmap(const struct emu *emu, FILE *out)
{
    const struct emu_peak_state *p = emu->peak;
    if (!p || !p->vmmap)
        return;
    fprintf(out, "==== vmmap at the peak footprint: %.1f MB, guest instruction %llu%s\n",
            mb(p->vmmap_footprint), (unsigned long long)p->vmmap_icount,
            p->vmmap_footprint == p->at.footprint ? "" : " (the listing nearest below it)");
    fputs(p->vmmap, out);
}
