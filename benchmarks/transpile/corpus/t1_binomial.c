/* Tier 1: binomial coefficients by the multiplicative formula and by Pascal rows, Catalan numbers. */
#include <stdio.h>

unsigned long binom(unsigned n, unsigned k) {
    if (k > n) return 0;
    if (k > n - k) k = n - k;
    unsigned long r = 1;
    for (unsigned i = 1; i <= k; i++)
        r = r * (n - k + i) / i;
    return r;
}

unsigned long pascal(unsigned n, unsigned k) {
    unsigned long row[64];
    for (unsigned i = 0; i <= n; i++) {
        row[i] = 1;
        for (unsigned j = i - 1; j >= 1 && j < i; j--)
            row[j] += row[j - 1];
    }
    return row[k];
}

unsigned long catalan(unsigned n) {
    return binom(2 * n, n) / (n + 1);
}

int main(void) {
    for (unsigned n = 0; n <= 60; n += 12)
        printf("C(%u,%u)=%lu C(%u,3)=%lu\n", n, n / 2, binom(n, n / 2), n, binom(n, 3));
    int mismatch = 0;
    unsigned long acc = 0;
    for (unsigned n = 0; n < 50; n++)
        for (unsigned k = 0; k <= n; k++) {
            if (binom(n, k) != pascal(n, k)) mismatch++;
            acc += binom(n, k) % 1000003UL;
        }
    printf("mismatch=%d acc=%lu\n", mismatch, acc);
    for (unsigned n = 0; n <= 30; n += 5) printf("catalan(%u)=%lu\n", n, catalan(n));
    return 0;
}
