/* Tier 1: Euclid's gcd by remainder and by subtraction, lcm of 1..n, coprime counting. */
#include <stdio.h>

unsigned long gcd_mod(unsigned long a, unsigned long b) {
    while (b != 0) {
        unsigned long t = a % b;
        a = b;
        b = t;
    }
    return a;
}

int gcd_sub(int a, int b) {
    if (a == 0) return b;
    if (b == 0) return a;
    while (a != b) {
        if (a > b) a -= b;
        else b -= a;
    }
    return a;
}

unsigned long lcm_upto(unsigned n) {
    unsigned long l = 1;
    for (unsigned i = 2; i <= n; i++)
        l = l / gcd_mod(l, i) * i;
    return l;
}

int main(void) {
    int coprime = 0, mismatches = 0;
    long gsum = 0;
    for (int a = 0; a < 60; a++) {
        for (int b = 0; b < 60; b++) {
            unsigned long g = gcd_mod((unsigned long)a, (unsigned long)b);
            if (g == 1) coprime++;
            if ((int)g != gcd_sub(a, b)) mismatches++;
            gsum += (long)g * (a + 1);
        }
    }
    printf("coprime=%d mismatches=%d gsum=%ld\n", coprime, mismatches, gsum);
    for (unsigned n = 5; n <= 40; n += 5)
        printf("lcm(1..%u)=%lu\n", n, lcm_upto(n));
    printf("gcd(1071,462)=%lu gcd(2^40,6^12)=%lu\n", gcd_mod(1071, 462), gcd_mod(1UL << 40, 2176782336UL));
    return 0;
}
