/* Tier 1: signed and unsigned division and remainder, negative operands, division by constants. */
#include <stdio.h>

int sdiv(int a, int b) { return a / b; }
int smod(int a, int b) { return a % b; }
unsigned udiv(unsigned a, unsigned b) { return a / b; }
int div3(int a) { return a / 3; }
int mod7(int a) { return a % 7; }
unsigned udiv10(unsigned a) { return a / 10; }
long div1000(long a) { return a / 1000; }
int div8(int a) { return a / 8; }
int mod16(int a) { return a % 16; }

int main(void) {
    int bs[] = {-7, -3, -1, 1, 2, 5, 10};
    for (int a = -50; a <= 50; a += 17) {
        printf("a=%d:", a);
        for (int i = 0; i < 7; i++)
            printf(" %d,%d", sdiv(a, bs[i]), smod(a, bs[i]));
        printf("\n");
    }
    long acc = 0;
    for (int a = -100000; a <= 100000; a += 37) {
        acc += div3(a) * 3 + mod7(a) + div8(a) - mod16(a);
        acc += div1000((long)a * 12345) % 97;
    }
    unsigned uacc = 0;
    for (unsigned u = 4000000000u; u > 100; u = u / 3 + 1) {
        uacc += udiv10(u) ^ udiv(u, 7);
    }
    printf("acc=%ld uacc=%u\n", acc, uacc);
    printf("(-7)/2=%d (-7)%%2=%d 7/(-2)=%d 7%%(-2)=%d\n", sdiv(-7, 2), smod(-7, 2), sdiv(7, -2), smod(7, -2));
    return 0;
}
