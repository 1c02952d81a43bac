/* Tier 3: fixed-width unsigned arithmetic with wraparound in 8, 16, 32 and 64 bits (stdint types). */
#include <stdio.h>
#include <stdint.h>

uint8_t add8(uint8_t a, uint8_t b) { return (uint8_t)(a + b); }
uint8_t mul8(uint8_t a, uint8_t b) { return (uint8_t)((unsigned)a * b); }
uint16_t sub16(uint16_t a, uint16_t b) { return (uint16_t)(a - b); }
uint16_t mul16(uint16_t a, uint16_t b) { return (uint16_t)((uint32_t)a * b); }
uint32_t mul32(uint32_t a, uint32_t b) { return a * b; }
uint32_t neg32(uint32_t a) { return -a; }
uint64_t mul64(uint64_t a, uint64_t b) { return a * b; }
uint64_t sub64(uint64_t a, uint64_t b) { return a - b; }

int main(void) {
    uint8_t a8 = 1;
    uint16_t a16 = 1;
    uint32_t a32 = 1;
    uint64_t a64 = 1;
    unsigned long h = 0;
    for (int i = 1; i <= 300; i++) {
        a8 = add8(mul8(a8, 7), (uint8_t)i);
        a16 = sub16(mul16(a16, 251), (uint16_t)(i * 1000));
        a32 = mul32(a32, 2654435761u) + neg32((uint32_t)i);
        a64 = sub64(mul64(a64, 6364136223846793005UL), (uint64_t)i * 1442695040888963407UL);
        h = h * 31u + a8 + a16 + a32 + a64;
    }
    printf("a8=%u a16=%u a32=%u a64=%lu h=%lu\n", (unsigned)a8, (unsigned)a16, (unsigned)a32, (unsigned long)a64, h);
    printf("255+1=%u 0-1 (16)=%u 0-1 (32)=%u 0-1 (64)=%lu\n", (unsigned)add8(255, 1),
           (unsigned)sub16(0, 1), (unsigned)neg32(1), (unsigned long)sub64(0, 1));
    printf("max32*max32=%u max64*max64=%lu 65535*65535 (16)=%u\n", (unsigned)mul32(UINT32_MAX, UINT32_MAX),
           (unsigned long)mul64(UINT64_MAX, UINT64_MAX), (unsigned)mul16(65535, 65535));
    uint32_t c = 0;
    int carries = 0;
    for (uint32_t i = 0; i < 1000; i++) {
        uint32_t before = c;
        c += 0x10000000u + i;
        if (c < before) carries++;
    }
    printf("c=%u carries=%d\n", (unsigned)c, carries);
    return 0;
}
