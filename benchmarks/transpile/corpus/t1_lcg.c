/* Tier 1: a linear congruential generator and running statistics over its stream. */
#include <stdio.h>

static unsigned state = 12345u;

unsigned next_rand(void) {
    state = state * 1664525u + 1013904223u;
    return state;
}

int roll(int sides) {
    return (int)((next_rand() >> 8) % (unsigned)sides) + 1;
}

int main(void) {
    long sum = 0;
    int min = 1000, max = -1, runs = 0, prev = -1, sixes = 0;
    for (int i = 0; i < 10000; i++) {
        int r = roll(6);
        sum += r;
        if (r < min) min = r;
        if (r > max) max = r;
        if (r == prev) runs++;
        if (r == 6) sixes++;
        prev = r;
    }
    printf("sum=%ld min=%d max=%d repeats=%d sixes=%d\n", sum, min, max, runs, sixes);
    unsigned x = 0;
    for (int i = 0; i < 1000; i++) x ^= next_rand() >> (i % 16);
    printf("xor=%u state=%u\n", x, state);
    for (int i = 0; i < 8; i++) printf("%d ", roll(100));
    printf("\n");
    return 0;
}
