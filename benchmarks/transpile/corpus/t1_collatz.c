/* Tier 1: Collatz sequences: data-dependent while loops with a conditional update. */
#include <stdio.h>

int collatz_len(unsigned long n) {
    int steps = 0;
    while (n != 1) {
        n = (n & 1) ? 3 * n + 1 : n / 2;
        steps++;
    }
    return steps;
}

unsigned long collatz_peak(unsigned long n) {
    unsigned long peak = n;
    while (n != 1) {
        if (n % 2 == 0) n /= 2;
        else n = 3 * n + 1;
        if (n > peak) peak = n;
    }
    return peak;
}

int main(void) {
    int best = 0;
    unsigned long best_n = 1;
    long total = 0;
    for (unsigned long n = 1; n < 3000; n++) {
        int len = collatz_len(n);
        total += len;
        if (len > best) {
            best = len;
            best_n = n;
        }
    }
    printf("best n=%lu len=%d total=%ld\n", best_n, best, total);
    unsigned long probes[] = {7, 27, 97, 871, 6171, 77031};
    for (int i = 0; i < 6; i++)
        printf("n=%lu len=%d peak=%lu\n", probes[i], collatz_len(probes[i]), collatz_peak(probes[i]));
    return 0;
}
