/* Tier 3: formatted output into buffers with snprintf: widths, precisions, flags, truncation and return values. */
#include <stdio.h>
#include <string.h>

unsigned checksum(const char *s) { unsigned h = 0; while (*s) h = h * 131u + (unsigned char)*s++; return h; }

int main(void) {
    char buf[96];
    int n;
    n = snprintf(buf, sizeof buf, "[%d|%5d|%-5d|%05d|%+d|% d]", 42, -42, 7, 7, 7, 7);
    printf("%s n=%d\n", buf, n);
    n = snprintf(buf, sizeof buf, "[%x|%X|%#x|%o|%#o|%lu|%ld]", 255u, 48879u, 255u, 8u, 8u, 18446744073709551615UL,
                 -9223372036854775807L - 1);
    printf("%s n=%d\n", buf, n);
    n = snprintf(buf, sizeof buf, "[%f|%.2f|%10.3f|%-10.1f|%e|%.3E|%g|%g|%g]", 1.0 / 3.0, 2.675, -1.5, 0.25,
                 123456.789, 0.000123456, 1e20, 1e-20, 100000.0);
    printf("%s n=%d\n", buf, n);
    n = snprintf(buf, sizeof buf, "[%s|%10s|%-10s|%.3s|%c|%%]", "abc", "right", "left", "truncate", 'Z');
    printf("%s n=%d\n", buf, n);
    char small[8];
    const char *words[] = {"ok", "tight", "overflowing"};
    for (int i = 0; i < 3; i++) {      /* the output is cut to 7 characters where it does not fit */
        n = snprintf(small, sizeof small, "%s-%d", words[i], i * 1234);
        printf("small=\"%s\" n=%d len=%zu\n", small, n, strlen(small));
    }
    unsigned total = 0;
    for (int i = 0; i < 200; i++) {
        n = snprintf(buf, sizeof buf, "%d:%.3f:%x:%s", i * i - 5000, i / 7.0, (unsigned)(i * 2654435761u),
                     i % 2 ? "odd" : "even");
        total = total * 7u + checksum(buf) + (unsigned)n;
    }
    printf("total=%u last=%s\n", total, buf);
    return 0;
}
