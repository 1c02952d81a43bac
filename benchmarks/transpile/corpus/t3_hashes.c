/* Tier 3: 32- and 64-bit hashing and mixing: FNV-1a, murmur-style finalizers, xorshift and splitmix generators. */
#include <stdio.h>
#include <stdint.h>
#include <string.h>

uint32_t fnv1a32(const char *s) {
    uint32_t h = 2166136261u;
    while (*s) { h ^= (unsigned char)*s++; h *= 16777619u; }
    return h;
}

uint64_t fnv1a64(const char *s, size_t n) {
    uint64_t h = 14695981039346656037UL;
    for (size_t i = 0; i < n; i++) { h ^= (unsigned char)s[i]; h *= 1099511628211UL; }
    return h;
}

uint32_t fmix32(uint32_t h) { h ^= h >> 16; h *= 0x85ebca6bu; h ^= h >> 13; h *= 0xc2b2ae35u; h ^= h >> 16; return h; }

uint64_t splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15UL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
    return z ^ (z >> 31);
}

uint64_t xorshift64(uint64_t *s) { uint64_t x = *s; x ^= x << 13; x ^= x >> 7; x ^= x << 17; return *s = x; }

int main(void) {
    const char *keys[] = {"", "a", "foobar", "synth", "transpile", "AArch64", "RISC-V"};
    for (int i = 0; i < 7; i++)
        printf("%-10s fnv32=%08x fnv64=%016lx fmix=%08x\n", keys[i], (unsigned)fnv1a32(keys[i]),
               (unsigned long)fnv1a64(keys[i], strlen(keys[i])), (unsigned)fmix32(fnv1a32(keys[i])));
    uint64_t sm = 1234567, xs = 88172645463325252UL, acc = 0;
    unsigned buckets[8] = {0};
    for (int i = 0; i < 4000; i++) {
        uint64_t a = splitmix64(&sm), b = xorshift64(&xs);
        acc += a ^ (b >> (i % 64));
        buckets[(a >> 61) & 7]++;
    }
    printf("acc=%016lx sm=%lu xs=%lu\n", (unsigned long)acc, (unsigned long)sm, (unsigned long)xs);
    for (int i = 0; i < 8; i++) printf("%u ", buckets[i]);
    printf("\n");
    return 0;
}
