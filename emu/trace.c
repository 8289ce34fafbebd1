/* emu/trace.c — the fault trace (--trace-faults) and its filters (emu/trace.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "emu/internal.h"
#include "emu/trace.h"

static bool wanted(const struct emu_trace_filter *f, const struct vm_fault_event *ev)
{
    if (!f)
        return true;
    if (f->kinds && !(f->kinds & (1u << ev->kind)))
        return false;
    if (f->va_hi && (ev->va < f->va_lo || ev->va >= f->va_hi))
        return false;
    return !f->task || f->task == ev->task;
}

static void trace_fault(void *ctx, const struct vm_fault_event *ev)
{
    const struct emu_options *o = ctx;
    if (!wanted(o->trace_filter, ev))
        return;
    static const char acc[] = "?RW?X";
    char pfn[16] = "-";
    if (ev->pfn != PFN_NONE)
        snprintf(pfn, sizeof pfn, "%u", ev->pfn);
    fprintf(o->fault_trace, "fault task=%d va=0x%012llx access=%c kind=%s object=%u "
            "offset=0x%llx result=%s pfn=%s", ev->task, (unsigned long long)ev->va,
            acc[ev->access & 7], vm_fault_kind_name(ev->kind), ev->object,
            (unsigned long long)ev->offset, vm_kern_name(ev->result), pfn);
    if (o->trace_filter && o->trace_filter->no_cost)
        fputc('\n', o->fault_trace);
    else if (o->trace_filter && o->trace_filter->split_cost)
        fprintf(o->fault_trace, " cost=%.1fus reclaim=%.1fus\n", ev->cost_ns / 1000.0,
                ev->reclaim_ns / 1000.0);
    else
        fprintf(o->fault_trace, " cost=%.1fus\n", ev->cost_ns / 1000.0);
}

void emu_trace_install(struct emu *emu)
{
    if (!emu->opt.fault_trace)
        return;
    emu->vm.trace = trace_fault;
    emu->vm.trace_ctx = &emu->opt;
}

static bool number(const char *s, uint64_t *v)
{
    char *end;
    errno = 0;
    *v = strtoull(s, &end, 0);
    return !errno && end != s && !*end && *s != '-';
}

static int add_kinds(struct emu_trace_filter *f, const char *list, char *err, size_t errlen)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save, *k = strtok_r(buf, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
        int kind = vm_fault_kind_parse(k);
        if (kind < 0) {
            snprintf(err, errlen, "unknown fault kind '%s': want zero-fill, soft, pagein, "
                     "cow, decompress, fast or invalid", k);
            return -1;
        }
        f->kinds |= 1u << kind;
    }
    if (!f->kinds) {
        snprintf(err, errlen, "kind= wants at least one fault kind");
        return -1;
    }
    return 0;
}

static int add_range(struct emu_trace_filter *f, const char *s, char *err, size_t errlen)
{
    char lo[64];
    const char *dash = strchr(s, '-');
    uint64_t a, b;
    snprintf(lo, sizeof lo, "%.*s", dash ? (int)(dash - s) : (int)strlen(s), s);
    bool ok = number(lo, &a) && (dash ? number(dash + 1, &b) : (b = trunc_page(a) + PAGE_SIZE,
                                                                a = trunc_page(a), true));
    if (!ok || b <= a) {
        snprintf(err, errlen, "bad range '%s': want va=LO-HI (LO below HI) or va=ADDR", s);
        return -1;
    }
    f->va_lo = a;
    f->va_hi = b;
    return 0;
}

int emu_trace_filter_add(struct emu_trace_filter *f, const char *term, char *err, size_t errlen)
{
    uint64_t pid;
    if (!strncmp(term, "kind=", 5))
        return add_kinds(f, term + 5, err, errlen);
    if (!strncmp(term, "va=", 3))
        return add_range(f, term + 3, err, errlen);
    if (!strcmp(term, "cost=split")) {
        f->split_cost = true;
        return 0;
    }
    if (!strncmp(term, "task=", 5)) {
        if (!number(term + 5, &pid) || pid == 0 || pid > INT32_MAX) {
            snprintf(err, errlen, "bad task '%s': want task=PID", term + 5);
            return -1;
        }
        f->task = (int)pid;
        return 0;
    }
    snprintf(err, errlen, "bad filter '%s': want kind=K[,K...], va=LO-HI, task=PID "
             "or cost=split", term);
    return -1;
}
