/* Tier 1: for, while and do-while loops accumulating integer sums. */
#include <stdio.h>

long sum_to(int n) {
    long s = 0;
    for (int i = 1; i <= n; i++)
        s += i;
    return s;
}

long sum_squares(int n) {
    long s = 0;
    int i = 0;
    while (i < n) {
        i++;
        s += (long)i * i;
    }
    return s;
}

long alternating(int n) {
    long s = 0;
    int i = n;
    do {
        s += (i % 2 == 0) ? i : -i;
        i--;
    } while (i > 0);
    return s;
}

int main(void) {
    for (int n = 1; n <= 1000; n *= 3)
        printf("n=%d sum=%ld squares=%ld alt=%ld\n", n, sum_to(n), sum_squares(n), alternating(n));
    long total = 0;
    for (int n = 0; n < 50; n++)
        total += sum_to(n) - sum_squares(n % 7) + alternating(n + 1);
    printf("total=%ld\n", total);
    return 0;
}
