/* Tier 2: pointer arithmetic, pointer differences, pointers to pointers, swapping and in-place rotation. */
#include <stdio.h>

void swap(int *a, int *b) { int t = *a; *a = *b; *b = t; }

void reverse_range(int *lo, int *hi) {
    while (lo < --hi) swap(lo++, hi);
}

void rotate_left(int *a, int n, int k) {
    k %= n;
    reverse_range(a, a + k);
    reverse_range(a + k, a + n);
    reverse_range(a, a + n);
}

int *max_ptr(int *a, int n) {
    int *best = a;
    for (int *p = a + 1; p < a + n; p++) if (*p > *best) best = p;
    return best;
}

void advance(const int **pp, int steps) { *pp += steps; }

long dot_stride(const int *a, const int *b, int n, int stride) {
    long s = 0;
    for (const int *end = a + n; a < end; a += stride, b += stride) s += (long)*a * *b;
    return s;
}

int main(void) {
    int a[20], b[20];
    for (int i = 0; i < 20; i++) { a[i] = (i * 37 + 11) % 29 - 14; b[i] = 20 - i; }
    int *m = max_ptr(a, 20);
    printf("max=%d at index %ld\n", *m, (long)(m - a));
    rotate_left(a, 20, 7);
    for (int i = 0; i < 20; i++) printf("%d ", a[i]);
    printf("\n");
    const int *p = b;
    advance(&p, 5);
    advance(&p, 3);
    printf("p[0]=%d p[-8]=%d offset=%ld\n", p[0], p[-8], (long)(p - b));
    printf("dot1=%ld dot2=%ld dot5=%ld\n", dot_stride(a, b, 20, 1), dot_stride(a, b, 20, 2), dot_stride(a, b, 20, 5));
    int *ptrs[4] = {&a[0], &a[5], &b[2], &b[19]};
    int **pp = ptrs;
    long s = 0;
    for (int i = 0; i < 4; i++) s += **pp++ * (i + 1);
    printf("s=%ld\n", s);
    return 0;
}
