/* Tier 2: structs passed and returned by value (small, 16-byte, large, and all-double aggregates). */
#include <stdio.h>

struct pair { int a, b; };
struct wide { long x, y; };
struct big { int v[7]; long tag; };
struct vec2 { double x, y; };

struct pair pair_swap(struct pair p) { struct pair r = {p.b, p.a}; return r; }
struct pair pair_add(struct pair p, struct pair q) { p.a += q.a; p.b += q.b; return p; }

struct wide wide_mix(struct wide w, long k) {
    struct wide r;
    r.x = w.x * k + w.y;
    r.y = w.y - w.x;
    return r;
}

struct big big_scale(struct big b, int k) {
    for (int i = 0; i < 7; i++) b.v[i] *= k;
    b.tag += k;
    return b;
}

long big_sum(struct big b) {
    long s = b.tag;
    for (int i = 0; i < 7; i++) s += b.v[i];
    return s;
}

struct vec2 vec_add(struct vec2 a, struct vec2 b) { struct vec2 r = {a.x + b.x, a.y + b.y}; return r; }
struct vec2 vec_half(struct vec2 a) { struct vec2 r = {a.x * 0.5, a.y * 0.5}; return r; }

int main(void) {
    struct pair p = {3, -8}, q = {10, 20};
    for (int i = 0; i < 5; i++) p = pair_add(pair_swap(p), q);
    printf("pair=(%d,%d)\n", p.a, p.b);
    struct wide w = {7, 11};
    for (long k = 1; k <= 6; k++) w = wide_mix(w, k);
    printf("wide=(%ld,%ld)\n", w.x, w.y);
    struct big b = {{1, 2, 3, 4, 5, 6, 7}, 100};
    for (int k = 2; k <= 4; k++) b = big_scale(b, k);
    printf("big: v0=%d v6=%d tag=%ld sum=%ld\n", b.v[0], b.v[6], b.tag, big_sum(b));
    struct vec2 v = {1.0, -3.0}, u = {0.25, 8.0};
    for (int i = 0; i < 6; i++) v = vec_half(vec_add(v, u));
    printf("vec=(%.17g,%.17g)\n", v.x, v.y);
    return 0;
}
