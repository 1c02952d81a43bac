/* Tier 3: stdlib conversions and helpers: atoi, strtol/strtoul with bases and end pointers, abs, labs, div, ldiv. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    const char *ints[] = {"0", "42", "-17", "  +99 apples", "2147483647", "-2147483648", "12abc", ""};
    for (int i = 0; i < 8; i++) printf("atoi(\"%s\")=%d\n", ints[i], atoi(ints[i]));
    const char *text = "0x1F 0777 1011 zz -123456789012 9";
    int bases[] = {16, 8, 2, 36, 10, 10};
    const char *p = text;
    long sum = 0;
    for (int i = 0; i < 6; i++) {
        char *end;
        long v = strtol(p, &end, bases[i]);
        printf("strtol base %d -> %ld (consumed %ld)\n", bases[i], v, (long)(end - p));
        sum += v;
        p = end;
    }
    printf("sum=%ld\n", sum);
    char *end;
    unsigned long u = strtoul("ffffffffffffffff", &end, 16);
    printf("strtoul=%lu rest=\"%s\" auto=%ld %ld %ld\n", u, end, strtol("0x10", NULL, 0), strtol("010", NULL, 0),
           strtol("10", NULL, 0));
    double d = strtod("3.25e2xyz", &end);
    printf("strtod=%.17g rest=\"%s\" atof=%.17g\n", d, end, atof("-0.125"));
    for (int a = -9; a <= 9; a += 6) {
        div_t q = div(a, 4);
        ldiv_t lq = ldiv((long)a * 1000000007L, -13L);
        printf("div(%d,4)=%d,%d ldiv=%ld,%ld abs=%d labs=%ld\n", a, q.quot, q.rem, lq.quot, lq.rem, abs(a),
               labs((long)a * 3000000000L));
    }
    char num[32];
    long acc = 0;
    for (long v = -100000; v <= 100000; v += 777) {
        snprintf(num, sizeof num, "%ld", v * 31);
        acc += strtol(num, NULL, 10) / 7 + (long)strlen(num);
    }
    printf("roundtrip acc=%ld\n", acc);
    return 0;
}
