/* Tier 1: integer square and cube roots by Newton's method and by binary search. */
#include <stdio.h>

unsigned long isqrt_newton(unsigned long n) {
    if (n < 2) return n;
    unsigned long x = n, y = (x + 1) / 2;
    while (y < x) {
        x = y;
        y = (x + n / x) / 2;
    }
    return x;
}

unsigned long isqrt_bisect(unsigned long n) {
    unsigned long lo = 0, hi = 1000000001UL;   /* enough for n <= 1e18 */
    while (hi - lo > 1) {
        unsigned long mid = lo + (hi - lo) / 2;
        if (mid * mid <= n) lo = mid;
        else hi = mid;
    }
    return lo;
}

unsigned long icbrt(unsigned long n) {
    unsigned long r = 0;
    while ((r + 1) * (r + 1) * (r + 1) <= n) r++;
    return r;
}

int main(void) {
    unsigned long vals[] = {0, 1, 2, 3, 15, 16, 17, 99, 100, 12345, 999999, 1000000,
                            2147483647UL, 4294967296UL, 123456789012345UL, 1000000000000000000UL};
    int n = (int)(sizeof vals / sizeof vals[0]);
    for (int i = 0; i < n; i++)
        printf("isqrt(%lu)=%lu/%lu\n", vals[i], isqrt_newton(vals[i]), isqrt_bisect(vals[i]));
    int bad = 0;
    unsigned long acc = 0;
    for (unsigned long v = 0; v < 20000; v += 3) {
        if (isqrt_newton(v) != isqrt_bisect(v)) bad++;
        acc += isqrt_newton(v) * 7 + icbrt(v);
    }
    printf("bad=%d acc=%lu cbrt(1e9)=%lu cbrt(999999)=%lu\n", bad, acc, icbrt(1000000000UL), icbrt(999999UL));
    return 0;
}
