/* Tier 1: conditional selects: min, max, abs, clamp, sign, and signed versus unsigned comparisons. */
#include <stdio.h>

int imin(int a, int b) { return a < b ? a : b; }
int imax(int a, int b) { return a > b ? a : b; }
int iabs(int a) { return a < 0 ? -a : a; }
int clamp(int x, int lo, int hi) { return x < lo ? lo : (x > hi ? hi : x); }
int sign(long x) { return (x > 0) - (x < 0); }
unsigned umax(unsigned a, unsigned b) { return a > b ? a : b; }
int ult(unsigned a, unsigned b) { return a < b; }
int slt(int a, int b) { return a < b; }

int main(void) {
    unsigned x = 2463534242u;
    long acc = 0;
    int lo = 1 << 30, hi = -(1 << 30);
    for (int i = 0; i < 3000; i++) {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        int a = (int)(x % 20001u) - 10000;
        int b = (int)((x >> 11) % 301u) - 150;
        acc += imin(a, b) - imax(a, b) + iabs(a) + clamp(a, -500, 700) * sign(b);
        lo = imin(lo, a);
        hi = imax(hi, a);
        acc += ult((unsigned)a, (unsigned)b) * 3 + slt(a, b);
        acc += (long)(umax((unsigned)a, x) % 1000u);
    }
    printf("acc=%ld lo=%d hi=%d\n", acc, lo, hi);
    printf("ult(-1,1)=%d slt(-1,1)=%d sign(-9)=%d sign(0)=%d clamp(9999,0,99)=%d\n",
           ult((unsigned)-1, 1), slt(-1, 1), sign(-9), sign(0), clamp(9999, 0, 99));
    return 0;
}
