/* Tier 3: double arithmetic and conversions to and from int, long, unsigned and float; printf formats. */
#include <stdio.h>

long dtol(double d) { return (long)d; }
unsigned long dtoul(double d) { return (unsigned long)d; }
int dtoi(double d) { return (int)d; }
double ltod(long l) { return (double)l; }
double ultod(unsigned long u) { return (double)u; }
float dtof(double d) { return (float)d; }
long round_half_away(double d) { return d < 0 ? -(long)(-d + 0.5) : (long)(d + 0.5); }

int main(void) {
    double vals[] = {0.0, -0.0, 0.5, -0.5, 1.5, 2.5, -2.5, 1e15 + 0.75, -123456.789, 3.999999999, 4294967295.9,
                     9007199254740993.0};
    int n = (int)(sizeof vals / sizeof vals[0]);
    for (int i = 0; i < n; i++) {
        double d = vals[i];
        printf("%.17g: l=%ld r=%ld f=%.9g e=%e g=%g\n", d, dtol(d), round_half_away(d), (double)dtof(d), d, d);
    }
    printf("ul(1.8e19)=%lu ul(2^63)=%lu i(-2147483648.5)=%d\n", dtoul(1.8e19), dtoul(9223372036854775808.0),
           dtoi(-2147483648.5));
    printf("ltod(2^53+1)=%.17g ultod(2^64-1)=%.17g ltod(-1)=%.1f\n", ltod(9007199254740993L),
           ultod(18446744073709551615UL), ltod(-1));
    double x = 1.0;
    long acc = 0;
    for (int i = 0; i < 200; i++) {
        x = (x - (double)i / 8.0) * 1.25;   /* no multiply-add, so no FMA contraction */
        if (x > 1e12 || x < -1e12) x /= 1024.0;
        acc += dtol(x) % 1000;
    }
    printf("x=%.17g acc=%ld\n", x, acc);
    printf("%.3f %10.4f %-10.2f| %+.0f %.0f %.0f %g %g %g\n", 3.14159265358979, -2.5, 1e3, 2.5, 3.5, -0.4,
           1e-5, 123456789.0, 0.0001);
    return 0;
}
