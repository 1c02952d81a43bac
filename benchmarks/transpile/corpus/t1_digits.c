/* Tier 1: decimal digit manipulation by division and remainder: sums, reversal, palindromes. */
#include <stdio.h>

int digit_sum(long n) {
    int s = 0;
    if (n < 0) n = -n;
    while (n > 0) {
        s += (int)(n % 10);
        n /= 10;
    }
    return s;
}

long reverse_digits(long n) {
    long r = 0;
    while (n > 0) {
        r = r * 10 + n % 10;
        n /= 10;
    }
    return r;
}

int num_digits(long n) {
    int d = 1;
    while (n >= 10) { n /= 10; d++; }
    return d;
}

int is_armstrong(long n) {
    int k = num_digits(n);
    long s = 0, m = n;
    while (m > 0) {
        long d = m % 10, p = 1;
        for (int i = 0; i < k; i++) p *= d;
        s += p;
        m /= 10;
    }
    return s == n;
}

int main(void) {
    int palins = 0;
    long dsum = 0;
    for (long n = 1; n < 100000; n++) {
        if (reverse_digits(n) == n) palins++;
        dsum += digit_sum(n);
    }
    printf("palindromes=%d digit_sum_total=%ld\n", palins, dsum);
    printf("armstrong:");
    for (long n = 1; n < 100000; n++)
        if (is_armstrong(n)) printf(" %ld", n);
    printf("\nrev(1234567890123)=%ld digits=%d dsum(-987654321)=%d\n",
           reverse_digits(1234567890123L), num_digits(1234567890123L), digit_sum(-987654321L));
    return 0;
}
