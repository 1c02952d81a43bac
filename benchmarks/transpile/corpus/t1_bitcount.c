/* Tier 1: bit loops on unsigned integers: popcount, parity, leading/trailing zeros, bit reversal. */
#include <stdio.h>

int popcount_loop(unsigned x) {
    int c = 0;
    while (x) { c += x & 1u; x >>= 1; }
    return c;
}

int popcount_kernighan(unsigned x) {
    int c = 0;
    while (x) { x &= x - 1; c++; }
    return c;
}

int clz32(unsigned x) {
    if (x == 0) return 32;
    int n = 0;
    while (!(x & 0x80000000u)) { x <<= 1; n++; }
    return n;
}

int ctz32(unsigned x) {
    if (x == 0) return 32;
    int n = 0;
    while (!(x & 1u)) { x >>= 1; n++; }
    return n;
}

unsigned reverse_bits(unsigned x) {
    unsigned r = 0;
    for (int i = 0; i < 32; i++) {
        r = (r << 1) | (x & 1u);
        x >>= 1;
    }
    return r;
}

int main(void) {
    unsigned x = 0x12345678u;
    long acc = 0;
    int mismatch = 0;
    for (int i = 0; i < 2000; i++) {
        x = x * 2654435761u + 0x9E3779B9u;
        if (popcount_loop(x) != popcount_kernighan(x)) mismatch++;
        acc += popcount_loop(x) * 3 + clz32(x >> (i % 32)) * 5 + ctz32(x << (i % 32)) + (popcount_loop(x) & 1);
    }
    printf("acc=%ld mismatch=%d\n", acc, mismatch);
    unsigned probes[] = {0u, 1u, 0x80000000u, 0xFFFFFFFFu, 0xF0F00F0Fu, 12345u};
    for (int i = 0; i < 6; i++)
        printf("%08x pop=%d clz=%d ctz=%d rev=%08x\n", probes[i], popcount_kernighan(probes[i]),
               clz32(probes[i]), ctz32(probes[i]), reverse_bits(probes[i]));
    return 0;
}
