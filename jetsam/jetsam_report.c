/* jetsam/jetsam_report.c — JetsamEvent .ips reports (shape in jetsam/jetsam_report.h). */
#include <jansson.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jetsam/jetsam_report.h"

static json_t *number(uint64_t v)
{
    /* json_int_t is long long. */
    return json_integer(v > (uint64_t)LLONG_MAX ? LLONG_MAX : (json_int_t)v);
}

/* json_object_set_new that remembers a failure in *ok. */
static void put(json_t *obj, const char *key, json_t *value, bool *ok)
{
    if (!value || json_object_set_new(obj, key, value) < 0)
        *ok = false;
}

static json_t *header(const struct memorystatus_kill *k, bool *ok)
{
    json_t *h = json_object();
    if (!h)
        return NULL;
    put(h, "bug_type", json_string("298"), ok);
    put(h, "os_version", json_string("machemu"), ok);
    put(h, "timestamp", number(k->now), ok);
    return h;
}

static json_t *memory_pages(const struct memorystatus_vm *vm, bool *ok)
{
    json_t *m = json_object();
    if (!m)
        return NULL;
    put(m, "active", number(vm->active), ok);
    put(m, "throttled", number(vm->throttled), ok);
    put(m, "fileBacked", number(vm->file_backed), ok);
    put(m, "wired", number(vm->wired), ok);
    put(m, "anonymous", number(vm->anonymous), ok);
    put(m, "purgeable", number(vm->purgeable), ok);
    put(m, "inactive", number(vm->inactive), ok);
    put(m, "free", number(vm->free), ok);
    put(m, "speculative", number(vm->speculative), ok);
    return m;
}

static json_t *memory_status(const struct memorystatus *ms, bool *ok)
{
    const struct memorystatus_vm *vm = memorystatus_last_vm(ms);
    json_t *m = json_object();
    if (!m)
        return NULL;
    put(m, "pageSize", number(memorystatus_page_size(ms)), ok);
    put(m, "compressorSize", number(vm->compressor_frames), ok);
    put(m, "uncompressed", number(vm->compressor_pages), ok);
    put(m, "compressions", number(vm->compressions), ok);
    put(m, "decompressions", number(vm->decompressions), ok);
    put(m, "memoryPages", memory_pages(vm, ok), ok);
    return m;
}

static json_t *states(const struct memorystatus_proc *p, bool *ok)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {
        { MEMORYSTATUS_STATE_FRONTMOST, "frontmost" },
        { MEMORYSTATUS_STATE_SUSPENDED, "suspended" },
        { MEMORYSTATUS_STATE_IDLE, "idle" },
    };
    json_t *a = json_array();
    if (!a)
        return NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if ((p->states & names[i].bit) && json_array_append_new(a, json_string(names[i].name)) < 0)
            *ok = false;
    return a;
}

static uint64_t since(uint64_t now, uint64_t then)
{
    return now > then ? now - then : 0;
}

static json_t *process(const struct memorystatus_proc *p, const struct memorystatus_kill *k,
                       bool *ok)
{
    json_t *e = json_object();
    if (!e)
        return NULL;
    put(e, "pid", json_integer(p->pid), ok);
    put(e, "name", json_string(p->name), ok);
    put(e, "priority", json_integer(p->band), ok);
    put(e, "rpages", number(p->usage.footprint), ok);
    put(e, "lifetimeMax", number(p->lifetime_max), ok);
    put(e, "states", states(p, ok), ok);
    if (p->killed)
        put(e, "reason", json_string(memorystatus_cause_name(p->killed)), ok);
    if (p->pid == k->pid)
        put(e, "killDelta", number(since(k->now, k->round_start)), ok);
    if (p->states & MEMORYSTATUS_STATE_IDLE)
        put(e, "idleDelta", number(since(k->now, p->idle_since)), ok);
    put(e, "age", number(since(k->now, p->launch_time)), ok);
    put(e, "purgeable", number(p->usage.purgeable), ok);
    put(e, "fds", number(p->usage.fds), ok);
    put(e, "coalition", number(p->coalition), ok);
    put(e, "cpuTime", number(p->usage.cpu_time), ok);
    put(e, "clockExact", json_boolean(p->usage.times_exact), ok);
    return e;
}

static const char *largest_process(const struct memorystatus *ms)
{
    const struct memorystatus_proc *best = NULL, *p;
    for (size_t i = 0; (p = memorystatus_proc_at(ms, i)); i++)
        if (!best || p->usage.footprint > best->usage.footprint)
            best = p;
    return best ? best->name : "";
}

static json_t *body(const struct memorystatus *ms, const struct memorystatus_kill *k, bool *ok)
{
    json_t *b = json_object(), *procs = json_array();
    if (!b || !procs) {
        json_decref(b);
        json_decref(procs);
        return NULL;
    }
    put(b, "product", json_string("machemu"), ok);
    put(b, "memoryStatus", memory_status(ms, ok), ok);
    put(b, "largestProcess", json_string(largest_process(ms)), ok);
    const struct memorystatus_proc *p;
    for (size_t i = 0; (p = memorystatus_proc_at(ms, i)); i++)
        if (json_array_append_new(procs, process(p, k, ok)) < 0)
            *ok = false;
    put(b, "processes", procs, ok);
    return b;
}

/* header + "\n" + body + "\n" from two dumps. */
static char *join_dumps(json_t *h, json_t *b)
{
    char *hs = json_dumps(h, JSON_COMPACT);
    char *bs = json_dumps(b, JSON_INDENT(2));
    char *text = NULL;
    if (hs && bs && (text = malloc(strlen(hs) + strlen(bs) + 3)))
        sprintf(text, "%s\n%s\n", hs, bs);
    free(hs);
    free(bs);
    return text;
}

char *jetsam_report_text(const struct memorystatus *ms, const struct memorystatus_kill *k)
{
    bool ok = true;
    json_t *h = header(k, &ok), *b = body(ms, k, &ok);
    char *text = ok && h && b ? join_dumps(h, b) : NULL;
    json_decref(h);
    json_decref(b);
    return text;
}

/* ---- the name ------------------------------------------------------------------------ */

void jetsam_report_name(const struct memorystatus_kill *k, char *out, size_t len)
{
    char name[MEMORYSTATUS_NAME_MAX];
    size_t i = 0;
    for (; k->name[i] && i + 1 < sizeof name; i++) {
        char c = k->name[i];
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '.' || c == '_' || c == '-';
        name[i] = plain ? c : '_';
    }
    name[i] = '\0';
    if (i == 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        snprintf(name, sizeof name, "unknown");
    snprintf(out, len, "JetsamEvent-%llu-%s.ips", (unsigned long long)k->seq, name);
}
