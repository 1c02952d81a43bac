/* Tier 1: divisor sums: perfect, abundant and deficient numbers, amicable pairs. */
#include <stdio.h>

int divisor_sum(int n) {
    if (n < 2) return 0;
    int s = 1;
    for (int d = 2; d * d <= n; d++) {
        if (n % d == 0) {
            s += d;
            if (d != n / d) s += n / d;
        }
    }
    return s;
}

int main(void) {
    int abundant = 0, deficient = 0;
    printf("perfect:");
    for (int n = 2; n < 10000; n++) {
        int s = divisor_sum(n);
        if (s == n) printf(" %d", n);
        else if (s > n) abundant++;
        else deficient++;
    }
    printf("\nabundant=%d deficient=%d\n", abundant, deficient);
    for (int a = 2; a < 7000; a++) {
        int b = divisor_sum(a);
        if (b > a && divisor_sum(b) == a)
            printf("amicable %d %d\n", a, b);
    }
    long total = 0;
    for (int n = 1; n <= 3000; n++) total += divisor_sum(n) % 11;
    printf("total=%ld\n", total);
    return 0;
}
