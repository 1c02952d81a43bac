/* Tier 3: arithmetic on signed and unsigned char and short arrays with integer promotions and saturation. */
#include <stdio.h>
#include <stdint.h>

int8_t sat_add8(int8_t a, int8_t b) {
    int s = a + b;
    return (int8_t)(s > 127 ? 127 : s < -128 ? -128 : s);
}

uint8_t sat_sub_u8(uint8_t a, uint8_t b) { return a > b ? (uint8_t)(a - b) : 0; }

int16_t avg16(int16_t a, int16_t b) { return (int16_t)((a + b) / 2); }

long sum_i8(const int8_t *p, int n) { long s = 0; for (int i = 0; i < n; i++) s += p[i]; return s; }
long sum_u8(const uint8_t *p, int n) { long s = 0; for (int i = 0; i < n; i++) s += p[i]; return s; }
long dot16(const int16_t *a, const uint16_t *b, int n) {
    long s = 0;
    for (int i = 0; i < n; i++) s += (long)a[i] * b[i];
    return s;
}

int main(void) {
    int8_t s8[64];
    uint8_t u8[64];
    int16_t s16[64];
    uint16_t u16[64];
    unsigned x = 1;
    for (int i = 0; i < 64; i++) {
        x = x * 1103515245u + 12345u;
        s8[i] = (int8_t)(x >> 16);
        u8[i] = (uint8_t)(x >> 8);
        s16[i] = (int16_t)(x >> 12);
        u16[i] = (uint16_t)(x >> 3);
    }
    printf("sum_i8=%ld sum_u8=%ld dot16=%ld\n", sum_i8(s8, 64), sum_u8(u8, 64), dot16(s16, u16, 64));
    long acc = 0;
    int8_t run = 0;
    for (int i = 0; i < 64; i++) {
        run = sat_add8(run, s8[i]);
        acc += run + sat_sub_u8(u8[i], u8[63 - i]) + avg16(s16[i], s16[63 - i]);
    }
    printf("acc=%ld run=%d\n", acc, run);
    printf("sat(100,100)=%d sat(-100,-100)=%d subu(3,9)=%u avg(-3,0)=%d\n", sat_add8(100, 100),
           sat_add8(-100, -100), (unsigned)sat_sub_u8(3, 9), avg16(-3, 0));
    char c = (char)0xF0;
    short sh = (short)0xFFF0;
    unsigned short ush = 0xFFF0;
    printf("c=%d c>0=%d sh=%d ush=%d sh==ush=%d\n", c, c > 0, sh, ush, sh == ush);
    return 0;
}
