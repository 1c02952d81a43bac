/* Tier 3: the library qsort with comparison callbacks on ints, doubles and structs (key, then name). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct person { char name[12]; int age; };

int cmp_int_asc(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int cmp_int_desc(const void *a, const void *b) { return cmp_int_asc(b, a); }

int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int cmp_person(const void *a, const void *b) {
    const struct person *p = a, *q = b;
    if (p->age != q->age) return p->age - q->age;
    return strcmp(p->name, q->name);
}

int main(void) {
    int xs[50];
    double ds[20];
    unsigned s = 31337;
    for (int i = 0; i < 50; i++) { s = s * 1664525u + 1013904223u; xs[i] = (int)(s >> 20) - 2048; }
    for (int i = 0; i < 20; i++) ds[i] = (double)(xs[i] % 97) / 8.0 - 3.0;
    qsort(xs, 50, sizeof xs[0], cmp_int_asc);
    printf("asc:");
    for (int i = 0; i < 50; i += 7) printf(" %d", xs[i]);
    qsort(xs, 50, sizeof xs[0], cmp_int_desc);
    printf("\ndesc:");
    for (int i = 0; i < 50; i += 7) printf(" %d", xs[i]);
    qsort(ds, 20, sizeof ds[0], cmp_double);
    printf("\ndoubles: %g %g %g %g\n", ds[0], ds[5], ds[10], ds[19]);
    struct person people[] = {{"mallory", 35}, {"alice", 30}, {"eve", 25}, {"bob", 30}, {"carol", 35},
                              {"dave", 25}, {"trent", 41}, {"peggy", 30}, {"victor", 19}, {"walter", 41}};
    size_t n = sizeof people / sizeof people[0];
    qsort(people, n, sizeof people[0], cmp_person);
    for (size_t i = 0; i < n; i++) printf("%s:%d%s", people[i].name, people[i].age, i + 1 < n ? " " : "\n");
    struct person probe = {"bob", 30};
    struct person *hit = bsearch(&probe, people, n, sizeof people[0], cmp_person);
    printf("bsearch bob -> index %ld\n", hit ? (long)(hit - people) : -1L);
    return 0;
}
