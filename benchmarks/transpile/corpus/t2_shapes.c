/* Tier 2: tagged unions: an array of structs holding a union, dispatched with a switch on an enum tag. */
#include <stdio.h>

enum kind { RECT, SQUARE, TRIANGLE, CIRCLE_APPROX };

struct shape {
    enum kind kind;
    union {
        struct { int w, h; } rect;
        int side;
        struct { int base, height; } tri;
        int radius;
    } u;
};

long area_x2(const struct shape *s) {     /* twice the area, so triangles stay integral */
    switch (s->kind) {
    case RECT: return 2L * s->u.rect.w * s->u.rect.h;
    case SQUARE: return 2L * s->u.side * s->u.side;
    case TRIANGLE: return (long)s->u.tri.base * s->u.tri.height;
    case CIRCLE_APPROX: return 2L * 355 * s->u.radius * s->u.radius / 113;
    }
    return -1;
}

long perimeter(const struct shape *s) {
    switch (s->kind) {
    case RECT: return 2L * (s->u.rect.w + s->u.rect.h);
    case SQUARE: return 4L * s->u.side;
    case TRIANGLE: return s->u.tri.base * 3L;
    default: return 710L * s->u.radius / 113;
    }
}

struct shape make(int i) {
    struct shape s;
    s.kind = (enum kind)(i % 4);
    switch (s.kind) {
    case RECT: s.u.rect.w = i + 1; s.u.rect.h = 2 * i + 3; break;
    case SQUARE: s.u.side = i % 9 + 2; break;
    case TRIANGLE: s.u.tri.base = i + 4; s.u.tri.height = 17 - i % 5; break;
    case CIRCLE_APPROX: s.u.radius = i / 2 + 1; break;
    }
    return s;
}

int main(void) {
    struct shape shapes[24];
    for (int i = 0; i < 24; i++) shapes[i] = make(i);
    long total_area = 0, total_perim = 0;
    long per_kind[4] = {0, 0, 0, 0};
    for (int i = 0; i < 24; i++) {
        long a = area_x2(&shapes[i]);
        total_area += a;
        total_perim += perimeter(&shapes[i]);
        per_kind[shapes[i].kind] += a;
    }
    printf("area_x2=%ld perimeter=%ld\n", total_area, total_perim);
    printf("rect=%ld square=%ld tri=%ld circle=%ld\n", per_kind[0], per_kind[1], per_kind[2], per_kind[3]);
    printf("sizeof(struct shape)=%d\n", (int)sizeof(struct shape));
    return 0;
}
