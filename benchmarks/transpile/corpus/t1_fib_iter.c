/* Tier 1: iterative Fibonacci in 64 bits, modular Fibonacci and Pisano periods. */
#include <stdio.h>

unsigned long fib(int n) {
    unsigned long a = 0, b = 1;
    for (int i = 0; i < n; i++) {
        unsigned long t = a + b;
        a = b;
        b = t;
    }
    return a;
}

unsigned fib_mod(int n, unsigned m) {
    unsigned a = 0, b = 1 % m;
    for (int i = 0; i < n; i++) {
        unsigned t = (a + b) % m;
        a = b;
        b = t;
    }
    return a;
}

int pisano(unsigned m) {
    unsigned a = 0, b = 1;
    for (int i = 1; i <= 6 * (int)m + 6; i++) {
        unsigned t = (a + b) % m;
        a = b;
        b = t;
        if (a == 0 && b == 1) return i;
    }
    return -1;
}

int main(void) {
    for (int n = 0; n <= 90; n += 10)
        printf("fib(%d)=%lu\n", n, fib(n));
    printf("fib(1000) mod 1000000007=%u\n", fib_mod(1000, 1000000007u));
    for (unsigned m = 2; m <= 12; m++)
        printf("pisano(%u)=%d ", m, pisano(m));
    printf("\npisano(100)=%d pisano(1000)=%d\n", pisano(100), pisano(1000));
    return 0;
}
