/* Tier 1: modular multiplication, square-and-multiply exponentiation, inverses and Fermat tests. */
#include <stdio.h>

unsigned long mulmod(unsigned long a, unsigned long b, unsigned long m) {
    return (a % m) * (b % m) % m;   /* m < 2^32, so the product fits in 64 bits */
}

unsigned long powmod(unsigned long b, unsigned long e, unsigned long m) {
    unsigned long r = 1 % m;
    b %= m;
    while (e > 0) {
        if (e & 1) r = mulmod(r, b, m);
        b = mulmod(b, b, m);
        e >>= 1;
    }
    return r;
}

long inverse(long a, long m) {
    long t = 0, newt = 1, r = m, newr = a % m;
    while (newr != 0) {
        long q = r / newr, tmp;
        tmp = t - q * newt; t = newt; newt = tmp;
        tmp = r - q * newr; r = newr; newr = tmp;
    }
    if (r > 1) return -1;
    return t < 0 ? t + m : t;
}

int fermat_probable(unsigned long n) {
    if (n < 4) return n == 2 || n == 3;
    unsigned long bases[] = {2, 3, 5, 7};
    for (int i = 0; i < 4; i++)
        if (powmod(bases[i], n - 1, n) != 1) return 0;
    return 1;
}

int main(void) {
    const unsigned long p = 1000000007UL;
    printf("2^100 mod p=%lu 3^(p-2) mod p=%lu\n", powmod(2, 100, p), powmod(3, p - 2, p));
    unsigned long fact = 1;
    for (unsigned long i = 1; i <= 100000; i++) fact = mulmod(fact, i, p);
    printf("100000! mod p=%lu\n", fact);
    for (long a = 2; a < 40; a += 7)
        printf("inv(%ld mod 97)=%ld inv(%ld mod 120)=%ld\n", a, inverse(a, 97), a, inverse(a, 120));
    int probable = 0;
    for (unsigned long n = 4000000000UL; n < 4000001000UL; n++) probable += fermat_probable(n);
    printf("probable primes in [4e9,4e9+1000)=%d carmichael 561 -> %d\n", probable, fermat_probable(561));
    return 0;
}
