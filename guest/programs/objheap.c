/* objheap: builds an app-like heap with the C library's malloc and exits without
 * freeing it, so that `machemu run --dump-pages FILE objheap` captures a real heap
 * for `machemu codec` (BENCHMARKS.md, section 3).
 * Usage: objheap [N]: N objects (default 200000): a hash table of nodes, each with a
 * key string, a few counters, a double and a link; one in eight holds a small array
 * of pointers to other nodes. Prints a checksum that depends on N only. */
#include "guest_test.h"

struct node {
    struct node *next, *peer;
    char *key;
    uint32_t id, hits;
    double score;
    struct node **refs;
    uint16_t nrefs, flags;
};

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 0) : 200000;
    size_t nbuckets = n / 4 + 1;
    struct node **table = calloc(nbuckets, sizeof *table);
    CHECK(1, table != NULL);
    struct node *prev = NULL;
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        struct node *x = calloc(1, sizeof *x);
        char key[40];
        int len = snprintf(key, sizeof key, "obj-%zu-%s", i, i % 3 ? "view" : "model");
        x->key = malloc((size_t)len + 1);
        CHECK(2, x && x->key);
        memcpy(x->key, key, (size_t)len + 1);
        x->id = (uint32_t)i;
        x->hits = (uint32_t)(guest_mix(i) % 100);
        x->score = (double)(i % 1000) / 8.0;
        x->peer = prev;
        x->flags = (uint16_t)(i % 5);
        if (i % 8 == 0 && prev) {
            x->nrefs = (uint16_t)(1 + i % 6);
            x->refs = malloc(x->nrefs * sizeof *x->refs);
            CHECK(3, x->refs != NULL);
            for (unsigned k = 0; k < x->nrefs; k++)
                x->refs[k] = prev;
        }
        size_t b = guest_mix(i) % nbuckets;
        x->next = table[b];
        table[b] = x;
        prev = x;
        sum += x->hits + (uint64_t)len;
    }
    printf("objheap: %zu objects, checksum %llu\n", n, (unsigned long long)sum);
    return 0;
}
