/* Tier 3: shifts: logical versus arithmetic right shifts, variable shift amounts, rotates, narrow types. */
#include <stdio.h>
#include <stdint.h>

uint32_t rotl32(uint32_t x, unsigned r) { r &= 31; return r ? (x << r) | (x >> (32 - r)) : x; }
uint64_t rotr64(uint64_t x, unsigned r) { r &= 63; return r ? (x >> r) | (x << (64 - r)) : x; }
int32_t sar32(int32_t x, unsigned r) { return x >> r; }          /* arithmetic on GCC */
int64_t sar64(int64_t x, unsigned r) { return x >> r; }
uint32_t shr32(uint32_t x, unsigned r) { return x >> r; }
uint64_t shl64(uint64_t x, unsigned r) { return x << r; }
int narrow_shift(uint8_t b, int r) { return b << r; }            /* promoted to int first */
int16_t sar16(int16_t x, int r) { return (int16_t)(x >> r); }

int main(void) {
    uint64_t acc = 0;
    for (unsigned r = 0; r < 64; r++) {
        acc ^= rotr64(0x0123456789ABCDEFUL, r) + shl64(0xFFUL, r);
        acc += (uint64_t)sar64(-1234567890123L, r) ^ (uint64_t)r;
        if (r < 32) {
            acc += rotl32(0xDEADBEEFu, r);
            acc += (uint64_t)(uint32_t)sar32(-100000, r) * 3 + shr32(0x80000001u, r);
        }
    }
    printf("acc=%lu\n", (unsigned long)acc);
    printf("sar32(-1,31)=%d sar32(-7,1)=%d shr32(-7,1)=%u sar64(min,63)=%ld\n", (int)sar32(-1, 31),
           (int)sar32(-7, 1), (unsigned)shr32((uint32_t)-7, 1), (long)sar64(INT64_MIN, 63));
    printf("rotl32(0x80000001,1)=%08x rotr64(1,1)=%016lx\n", (unsigned)rotl32(0x80000001u, 1),
           (unsigned long)rotr64(1, 1));
    printf("narrow=%d %d sar16=%d %d\n", narrow_shift(0xFF, 20), narrow_shift(0x81, 3), (int)sar16(-32768, 15),
           (int)sar16(-300, 4));
    uint32_t masks = 0;
    for (int i = 0; i < 32; i += 3) masks |= 1u << i;
    printf("masks=%08x low_bits(13)=%lx\n", (unsigned)masks, (unsigned long)((1UL << 13) - 1));
    return 0;
}
