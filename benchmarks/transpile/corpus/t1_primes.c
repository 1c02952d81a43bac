/* Tier 1: trial-division primality test with early exits; prime counts, gaps and twin primes. */
#include <stdio.h>

int is_prime(int n) {
    if (n < 2) return 0;
    if (n % 2 == 0) return n == 2;
    for (int d = 3; d * d <= n; d += 2)
        if (n % d == 0) return 0;
    return 1;
}

int main(void) {
    int count = 0, twins = 0, prev = 0, max_gap = 0, gap_at = 0;
    unsigned long sum = 0;
    for (int n = 2; n < 20000; n++) {
        if (!is_prime(n)) continue;
        count++;
        sum += (unsigned long)n;
        if (prev != 0) {
            if (n - prev == 2) twins++;
            if (n - prev > max_gap) {
                max_gap = n - prev;
                gap_at = prev;
            }
        }
        prev = n;
        if (count <= 12) printf("%d ", n);
    }
    printf("\ncount=%d sum=%lu twins=%d max_gap=%d after %d last=%d\n", count, sum, twins, max_gap, gap_at, prev);
    int k = 0;
    for (int n = 1000000; k < 5; n++) {
        if (is_prime(n)) {
            printf("prime>=1e6: %d\n", n);
            k++;
        }
    }
    return 0;
}
