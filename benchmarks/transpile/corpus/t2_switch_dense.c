/* Tier 2: a dense switch over 0..15 (compiled to a jump table) applied along a pseudo-random stream. */
#include <stdio.h>

long step(int op, long acc, long x) {
    switch (op) {
    case 0: return acc + x;
    case 1: return acc - x;
    case 2: return acc * 3 % 1000003;
    case 3: return acc ^ x;
    case 4: return acc / 2;
    case 5: return acc + 12345;
    case 6: return acc & 0xFFFFF;
    case 7: return acc | (x << 4);
    case 8: return -acc;
    case 9: return acc % 9973;
    case 10: return acc + x * x;
    case 11: return acc * 2 % 100000007;
    case 12: return acc - 777;
    case 13: return acc > 0 ? acc - x : acc + x;
    case 14: return acc * 5 / 7;
    case 15: return x - acc;
    default: return 0;
    }
}

const char *op_name(int op) {
    switch (op) {
    case 0: return "add"; case 1: return "sub"; case 2: return "mul3"; case 3: return "xor";
    case 4: return "half"; case 5: return "bump"; case 6: return "mask"; case 7: return "or";
    case 8: return "neg"; case 9: return "mod"; case 10: return "sq"; case 11: return "dbl";
    case 12: return "dec"; case 13: return "toward"; case 14: return "scale"; case 15: return "rsub";
    default: return "?";
    }
}

int main(void) {
    unsigned s = 7;
    long acc = 1;
    int hist[16] = {0};
    for (int i = 0; i < 5000; i++) {
        s = s * 1664525u + 1013904223u;
        int op = (int)(s >> 28);
        long x = (long)((s >> 8) & 0xFFF);
        acc = step(op, acc, x);
        if (acc > 1000000000L || acc < -1000000000L) acc %= 1000;
        hist[op]++;
        if (i < 6) printf("%s -> %ld\n", op_name(op), acc);
    }
    printf("acc=%ld\n", acc);
    for (int i = 0; i < 16; i++) printf("%s=%d%c", op_name(i), hist[i], i == 15 ? '\n' : ' ');
    return 0;
}
