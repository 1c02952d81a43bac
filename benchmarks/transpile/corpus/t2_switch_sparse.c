/* Tier 2: sparse switches (compare trees), fallthrough cases, and switch on characters. */
#include <stdio.h>

int classify(long v) {
    switch (v) {
    case -5: return 1;
    case 1: return 2;
    case 10: return 3;
    case 100: return 4;
    case 1000: return 5;
    case 65536: return 6;
    case 1000000007L: return 7;
    default: return 0;
    }
}

int fallthrough(int n) {
    int r = 0;
    switch (n % 6) {
    case 0: r += 1;
    /* fall through */
    case 1: r += 10;
    /* fall through */
    case 2: r += 100; break;
    case 3:
    case 4: r += 1000;
    /* fall through */
    default: r += 10000;
    }
    return r;
}

int char_kind(char c) {
    switch (c) {
    case 'a': case 'e': case 'i': case 'o': case 'u': return 1;
    case ' ': case '\t': case '\n': return 2;
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9': return 3;
    case '.': case ',': case '!': case '?': return 4;
    default: return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ? 5 : 6;
    }
}

int main(void) {
    long probes[] = {-5, 0, 1, 2, 10, 99, 100, 1000, 65535, 65536, 1000000007L, -1};
    for (int i = 0; i < 12; i++) printf("%d", classify(probes[i]));
    printf("\n");
    long s = 0;
    for (int n = 0; n < 50; n++) s += fallthrough(n) * (n + 1);
    printf("fallthrough sum=%ld f(0..5)=%d %d %d %d %d %d\n", s, fallthrough(0), fallthrough(1),
           fallthrough(2), fallthrough(3), fallthrough(4), fallthrough(5));
    const char *text = "The 3 quick foxes, 12 lazy dogs!\tAnd 7 more? Yes (maybe) @home.\n";
    int kinds[7] = {0};
    for (const char *p = text; *p; p++) kinds[char_kind(*p)]++;
    for (int k = 1; k <= 6; k++) printf("kind%d=%d ", k, kinds[k]);
    printf("\n");
    return 0;
}
