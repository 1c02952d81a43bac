/* Tier 1: integer polynomial evaluation (Horner and naive), finite differences, sign changes. */
#include <stdio.h>

long horner(const long *c, int degree, long x) {
    long r = c[degree];
    for (int i = degree - 1; i >= 0; i--)
        r = r * x + c[i];
    return r;
}

long naive(const long *c, int degree, long x) {
    long r = 0, p = 1;
    for (int i = 0; i <= degree; i++) {
        r += c[i] * p;
        p *= x;
    }
    return r;
}

int main(void) {
    long c[] = {-7, 5, 0, -2, 3};   /* 3x^4 - 2x^3 + 5x - 7 */
    long prev = 0, d1prev = 0;
    int sign_changes = 0, mismatch = 0;
    long acc = 0;
    for (long x = -20; x <= 20; x++) {
        long h = horner(c, 4, x);
        if (h != naive(c, 4, x)) mismatch++;
        if (x > -20) {
            long d1 = h - prev;
            if ((h < 0) != (prev < 0)) sign_changes++;
            if (x > -19) acc += d1 - d1prev;
            d1prev = d1;
        }
        prev = h;
        if (x % 5 == 0) printf("p(%ld)=%ld\n", x, h);
    }
    printf("mismatch=%d sign_changes=%d acc=%ld\n", mismatch, sign_changes, acc);
    return 0;
}
