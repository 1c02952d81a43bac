/* Tier 3: memcpy, memmove, memset and memcmp on arrays and structs with many lengths and offsets. */
#include <stdio.h>
#include <string.h>
#include <stdint.h>

struct rec { int id; short flags; char name[13]; double weight; };

unsigned long digest(const unsigned char *p, size_t n) {
    unsigned long h = 1469598103934665603UL;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211UL;
    return h;
}

int sign(int v) { return (v > 0) - (v < 0); }

int main(void) {
    unsigned char buf[128], dst[128];
    for (int i = 0; i < 128; i++) buf[i] = (unsigned char)(i * 7 + 3);
    unsigned long acc = 0;
    for (size_t len = 0; len <= 40; len++) {
        memset(dst, 0xAA, sizeof dst);
        memcpy(dst + len % 5, buf + len % 3, len);
        acc = acc * 3 + digest(dst, sizeof dst);
    }
    printf("copy acc=%lu\n", acc);
    memmove(buf + 10, buf, 50);
    printf("after forward memmove: %lu\n", digest(buf, sizeof buf));
    memmove(buf, buf + 33, 60);
    printf("after backward memmove: %lu\n", digest(buf, sizeof buf));
    memset(buf + 5, 0, 17);
    memset(buf + 64, 'z', 3);
    printf("after memset: %lu buf[4..6]=%u,%u,%u buf[65]=%c\n", digest(buf, sizeof buf), buf[4], buf[5], buf[22], buf[65]);
    struct rec a, b;
    memset(&a, 0, sizeof a);
    a.id = 42; a.flags = -3; a.weight = 72.25;
    memcpy(a.name, "transpiler", 11);
    memcpy(&b, &a, sizeof a);
    b.name[0] = 'T';
    printf("b: id=%d flags=%d name=%s weight=%.2f cmp=%d eq_prefix=%d\n", b.id, b.flags, b.name, b.weight,
           sign(memcmp(&a, &b, sizeof a)), memcmp(&a.flags, &b.flags, sizeof a.flags) == 0);
    uint32_t words[4];
    memcpy(words, "ABCDEFGHIJKLMNOP", 16);
    printf("words=%08x %08x %08x %08x\n", (unsigned)words[0], (unsigned)words[1], (unsigned)words[2], (unsigned)words[3]);
    return 0;
}
