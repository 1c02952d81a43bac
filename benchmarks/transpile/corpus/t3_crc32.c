/* Tier 3: checksums over bytes: table-driven CRC-32 (table built at run time), bitwise CRC-32, Adler-32. */
#include <stdio.h>
#include <string.h>
#include <stdint.h>

static uint32_t crc_table[256];

void build_table(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

uint32_t crc32_table(const unsigned char *p, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) c = crc_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

uint32_t crc32_bitwise(const unsigned char *p, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return ~c;
}

uint32_t adler32(const unsigned char *p, size_t n) {
    uint32_t a = 1, b = 0;
    for (size_t i = 0; i < n; i++) { a = (a + p[i]) % 65521u; b = (b + a) % 65521u; }
    return (b << 16) | a;
}

int main(void) {
    build_table();
    const char *msgs[] = {"", "a", "abc", "123456789", "The quick brown fox jumps over the lazy dog",
                          "Wikipedia"};
    for (int i = 0; i < 6; i++) {
        const unsigned char *p = (const unsigned char *)msgs[i];
        size_t n = strlen(msgs[i]);
        printf("\"%s\": crc=%08x bit=%08x adler=%08x\n", msgs[i], (unsigned)crc32_table(p, n),
               (unsigned)crc32_bitwise(p, n), (unsigned)adler32(p, n));
    }
    unsigned char block[1000];
    for (int i = 0; i < 1000; i++) block[i] = (unsigned char)(i * i + 17);
    printf("block crc=%08x adler=%08x table[255]=%08x\n", (unsigned)crc32_table(block, 1000),
           (unsigned)adler32(block, 1000), (unsigned)crc_table[255]);
    return 0;
}
