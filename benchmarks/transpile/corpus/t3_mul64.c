/* Tier 3: wide multiplication and division: 32x32->64 products, 64-bit high halves, 64-bit div and mod. */
#include <stdio.h>
#include <stdint.h>

uint64_t mul_32x32(uint32_t a, uint32_t b) { return (uint64_t)a * b; }
int64_t smul_32x32(int32_t a, int32_t b) { return (int64_t)a * b; }

uint64_t mulhi64(uint64_t a, uint64_t b) {      /* high 64 bits of a 128-bit product, by halves */
    uint64_t al = a & 0xFFFFFFFFu, ah = a >> 32, bl = b & 0xFFFFFFFFu, bh = b >> 32;
    uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint64_t mid = (ll >> 32) + (lh & 0xFFFFFFFFu) + (hl & 0xFFFFFFFFu);
    return hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

uint64_t udiv64(uint64_t a, uint64_t b) { return a / b; }
uint64_t umod64(uint64_t a, uint64_t b) { return a % b; }
int64_t sdiv64(int64_t a, int64_t b) { return a / b; }
int64_t smod64(int64_t a, int64_t b) { return a % b; }
int64_t div_by_const(int64_t a) { return a / 1000000007 + a % 60 + a / -9; }

int main(void) {
    printf("max32^2=%lu smul(-2^31,2^31-1)=%ld smul(-7,9)=%ld\n", (unsigned long)mul_32x32(UINT32_MAX, UINT32_MAX),
           (long)smul_32x32(INT32_MIN, INT32_MAX), (long)smul_32x32(-7, 9));
    printf("mulhi(max,max)=%lu mulhi(2^63,6)=%lu mulhi(phi,phi)=%lu\n", (unsigned long)mulhi64(UINT64_MAX, UINT64_MAX),
           (unsigned long)mulhi64(1UL << 63, 6), (unsigned long)mulhi64(0x9E3779B97F4A7C15UL, 0x9E3779B97F4A7C15UL));
    uint64_t x = 0x0123456789ABCDEFUL, acc = 0;
    for (int i = 0; i < 500; i++) {
        x = x * 6364136223846793005UL + 1442695040888963407UL;
        uint64_t d = (x >> 40) | 1;
        acc += udiv64(x, d) ^ umod64(x, d);
        acc ^= mulhi64(x, acc | 1);
        int64_t s = (int64_t)(x >> 2) - (int64_t)(x >> 4) * 3;
        acc += (uint64_t)(sdiv64(s, (int64_t)(i + 1) * -7) + smod64(s, 1000003) + div_by_const(s));
    }
    printf("acc=%lu\n", (unsigned long)acc);
    printf("max/3=%lu max%%10=%lu min/7=%ld min%%7=%ld\n", (unsigned long)udiv64(UINT64_MAX, 3),
           (unsigned long)umod64(UINT64_MAX, 10), (long)sdiv64(INT64_MIN, 7), (long)smod64(INT64_MIN, 7));
    return 0;
}
