/* Tier 3: double-precision loops: partial sums for pi and e, Newton square roots, geometric sums, ranges. */
#include <stdio.h>

double leibniz_pi(int terms) {
    double s = 0.0;
    for (int k = 0; k < terms; k++) s += (k % 2 ? -4.0 : 4.0) / (2 * k + 1);
    return s;
}

double e_series(int terms) {
    double s = 1.0, t = 1.0;
    for (int n = 1; n < terms; n++) { t /= n; s += t; }
    return s;
}

double newton_sqrt(double a) {
    if (a == 0.0) return 0.0;
    double x = a > 1.0 ? a : 1.0;
    for (int i = 0; i < 1100; i++) {
        double nx = 0.5 * (x + a / x);
        if (nx == x) break;
        x = nx;
    }
    return x;
}

double wallis(int terms) {
    double p = 2.0;
    for (int k = 1; k <= terms; k++) {
        double f = 4.0 * k * k;      /* exact: small integers */
        p *= f / (f - 1.0);
    }
    return p;
}

double harmonic(int n) { double s = 0.0; for (int i = n; i >= 1; i--) s += 1.0 / i; return s; }

int main(void) {
    printf("leibniz(1000)=%.17g leibniz(100000)=%.10f\n", leibniz_pi(1000), leibniz_pi(100000));
    printf("e(5)=%.17g e(20)=%.17g\n", e_series(5), e_series(20));
    double roots[] = {0.0, 1.0, 2.0, 3.0, 0.25, 1e-6, 12345.678, 1e300};
    for (int i = 0; i < 8; i++) printf("sqrt(%g)=%.17g\n", roots[i], newton_sqrt(roots[i]));
    printf("wallis(500)=%.17g harmonic(1000)=%.17g\n", wallis(500), harmonic(1000));
    double lo = 1e308, hi = -1e308, total = 0.0;
    for (int i = 0; i < 1000; i++) {
        double v = (double)((i * 7919) % 1000) / 16.0 - 20.0;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
        total += v;
    }
    printf("lo=%g hi=%g total=%.17g mean=%.17g\n", lo, hi, total, total / 1000.0);
    printf("inf=%f -inf=%f 1e308*10>1e308=%d\n", hi * 1e308 * 10.0, lo * 1e308 * 10.0, 1e308 * 10.0 > 1e308);
    return 0;
}
