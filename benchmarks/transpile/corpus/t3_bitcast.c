/* Tier 3: reinterpreting float and double bits with memcpy: sign, exponent and mantissa fields, rebuilding values. */
#include <stdio.h>
#include <string.h>
#include <stdint.h>

uint64_t dbits(double d) { uint64_t u; memcpy(&u, &d, sizeof u); return u; }
double from_bits(uint64_t u) { double d; memcpy(&d, &u, sizeof d); return d; }
uint32_t fbits(float f) { uint32_t u; memcpy(&u, &f, sizeof u); return u; }

int exponent_of(double d) { return (int)((dbits(d) >> 52) & 0x7FF) - 1023; }
double next_up(double d) { return from_bits(dbits(d) + 1); }       /* for positive finite d */
double negate_bits(double d) { return from_bits(dbits(d) ^ 0x8000000000000000UL); }
double ldexp_bits(double d, int e) {                                   /* for normal results */
    uint64_t u = dbits(d);
    return from_bits(u + ((uint64_t)(int64_t)e << 52));
}

int main(void) {
    double vals[] = {0.0, -0.0, 1.0, -2.0, 0.1, 3.141592653589793, 1e-310, 1e300, 65536.5};
    for (int i = 0; i < 9; i++) {
        uint64_t b = dbits(vals[i]);
        printf("%-22.17g bits=%016lx sign=%lu exp=%d mant=%013lx\n", vals[i], (unsigned long)b,
               (unsigned long)(b >> 63), exponent_of(vals[i]), (unsigned long)(b & 0xFFFFFFFFFFFFFUL));
    }
    printf("float bits: 1.0f=%08x -0.5f=%08x 0.1f=%08x\n", (unsigned)fbits(1.0f), (unsigned)fbits(-0.5f),
           (unsigned)fbits(0.1f));
    printf("next_up(1)=%.17g neg(2.5)=%g ldexp(3,10)=%g ldexp(1,-3)=%g\n", next_up(1.0), negate_bits(2.5),
           ldexp_bits(3.0, 10), ldexp_bits(1.0, -3));
    printf("inf=%g -inf=%g max=%.17g min_normal=%.17g\n", from_bits(0x7FF0000000000000UL),
           from_bits(0xFFF0000000000000UL), from_bits(0x7FEFFFFFFFFFFFFFUL), from_bits(0x0010000000000000UL));
    double nan = from_bits(0x7FF8000000000000UL);
    printf("nan!=nan=%d nan<1=%d nan>1=%d\n", nan != nan, nan < 1.0, nan > 1.0);
    uint64_t acc = 0;
    double x = 1.0;
    for (int i = 0; i < 100; i++) { x = (x + 0.25) * 1.5; acc ^= dbits(x) >> (i % 13); }
    printf("acc=%016lx\n", (unsigned long)acc);
    return 0;
}
