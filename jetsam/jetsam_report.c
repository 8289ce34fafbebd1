/* jetsam/jetsam_report.c — JetsamEvent .ips reports (shape in jetsam/jetsam_report.h). */
#include <jansson.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jetsam/jetsam_report.h"
#include "jetsam/memorystatus_impl.h"

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

/* --- time and ids ------------------------------------------------------------------- */

/* Guest instructions as seconds of the guest's clock. */
static double seconds(const struct memorystatus *ms, uint64_t insns)
{
    return (double)insns / ((double)ms->cfg.insns_per_ms * 1000.0);
}

/* The date of instruction `now` as Apple writes it: "2025-01-01 00:00:12.34 +0000". */
static void date_of(const struct memorystatus *ms, uint64_t now, char *buf, size_t len,
                    bool for_file)
{
    uint64_t per_second = ms->cfg.insns_per_ms * 1000;
    time_t t = (time_t)(ms->cfg.epoch + (int64_t)(now / per_second));
    int centis = (int)((now % per_second) * 100 / per_second);
    struct tm tm;
    gmtime_r(&t, &tm);
    if (for_file)
        strftime(buf, len, "%Y-%m-%d-%H%M%S", &tm);
    else {
        char whole[32];
        strftime(whole, sizeof whole, "%Y-%m-%d %H:%M:%S", &tm);
        snprintf(buf, len, "%s.%02d +0000", whole, centis);
    }
}

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ull;
    return h ^ (h >> 29);
}

static uint64_t mix_str(uint64_t h, const char *s)
{
    while (*s)
        h = mix(h, (unsigned char)*s++);
    return h;
}

/* A version-4-shaped UUID from two 64-bit hashes: the same run gives the same ids. */
static void uuid_of(uint64_t a, uint64_t b, char *buf, size_t len)
{
    a = (a & ~0xf000ull) | 0x4000ull;                      /* version 4 */
    b = (b & ~(3ull << 62)) | (2ull << 62);                /* variant 1 */
    snprintf(buf, len, "%08llX-%04llX-%04llX-%04llX-%012llX", (unsigned long long)(a >> 32),
             (unsigned long long)(a >> 16 & 0xffff), (unsigned long long)(a & 0xffff),
             (unsigned long long)(b >> 48), (unsigned long long)(b & 0xffffffffffffull));
}

static void incident_of(const struct memorystatus *ms, const struct memorystatus_kill *k,
                        char *buf, size_t len)
{
    uint64_t h = mix(mix(mix(ms->cfg.seed, k->seq), k->now), 0x1c1d);
    uuid_of(h, mix(h, 2), buf, len);
}

static json_t *header(const struct memorystatus *ms, const struct memorystatus_kill *k, bool *ok)
{
    char date[48], incident[40];
    date_of(ms, k->now, date, sizeof date, false);
    incident_of(ms, k, incident, sizeof incident);
    json_t *h = json_object();
    if (!h)
        return NULL;
    put(h, "bug_type", json_string("298"), ok);
    put(h, "timestamp", json_string(date), ok);
    put(h, "os_version", json_string("machemu"), ok);
    put(h, "incident_id", json_string(incident), ok);
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

static json_t *physical_pages(const struct memorystatus_proc *p, bool *ok)
{
    json_t *m = json_object(), *internal = json_array();
    if (!m || !internal) {
        json_decref(m);
        json_decref(internal);
        return NULL;
    }
    if (json_array_append_new(internal, number(p->usage.internal)) < 0 ||
        json_array_append_new(internal, number(p->usage.compressed)) < 0)
        *ok = false;
    put(m, "internal", internal, ok);
    return m;
}

static json_t *process(const struct memorystatus *ms, const struct memorystatus_proc *p,
                       const struct memorystatus_kill *k, bool *ok)
{
    char uuid[40];
    uint64_t h = mix_str(mix(ms->cfg.seed, (uint64_t)p->pid), p->name);
    uuid_of(h, mix(h, 1), uuid, sizeof uuid);
    json_t *e = json_object();
    if (!e)
        return NULL;
    put(e, "uuid", json_string(uuid), ok);
    put(e, "pid", json_integer(p->pid), ok);
    put(e, "name", json_string(p->name), ok);
    put(e, "priority", json_integer(p->band), ok);
    put(e, "rpages", number(p->usage.footprint), ok);
    put(e, "lifetimeMax", number(p->lifetime_max), ok);
    put(e, "physicalPages", physical_pages(p, ok), ok);
    put(e, "states", states(p, ok), ok);
    if (p->killed)
        put(e, "reason", json_string(memorystatus_cause_name(p->killed)), ok);
    if (p->pid == k->pid)
        put(e, "killDelta", number(since(k->now, k->round_start)), ok);
    if (p->states & MEMORYSTATUS_STATE_IDLE)
        put(e, "idleDelta", number(since(k->now, p->idle_since)), ok);
    put(e, "genCount", json_integer(0), ok);
    put(e, "age", json_real(seconds(ms, since(k->now, p->launch_time))), ok);
    put(e, "purgeable", number(p->usage.purgeable), ok);
    put(e, "fds", number(p->usage.fds), ok);
    put(e, "coalition", number(p->coalition), ok);
    put(e, "cpuTime", json_real(seconds(ms, p->usage.cpu_time)), ok);
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
    char date[48], incident[40];
    date_of(ms, k->now, date, sizeof date, false);
    incident_of(ms, k, incident, sizeof incident);
    put(b, "product", json_string("machemu"), ok);
    put(b, "build", json_string("machemu"), ok);
    put(b, "incident", json_string(incident), ok);
    put(b, "date", json_string(date), ok);
    /* seconds since the run's previous report (the first: since instruction 0) */
    put(b, "timeDelta", number((uint64_t)seconds(ms, since(k->now, k->previous_report))), ok);
    put(b, "genCounter", number(k->seq - 1), ok);
    put(b, "memoryStatus", memory_status(ms, ok), ok);
    put(b, "largestProcess", json_string(largest_process(ms)), ok);
    const struct memorystatus_proc *p;
    for (size_t i = 0; (p = memorystatus_proc_at(ms, i)); i++)
        if (json_array_append_new(procs, process(ms, p, k, ok)) < 0)
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
    json_t *h = header(ms, k, &ok), *b = body(ms, k, &ok);
    char *text = ok && h && b ? join_dumps(h, b) : NULL;
    json_decref(h);
    json_decref(b);
    return text;
}

/* ---- the name ------------------------------------------------------------------------ */

void jetsam_report_name(const struct memorystatus *ms, const struct memorystatus_kill *k,
                        char *out, size_t len)
{
    char date[32];
    date_of(ms, k->now, date, sizeof date, true);
    snprintf(out, len, "JetsamEvent-%s.ips", date);
}
