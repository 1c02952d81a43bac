/* Tier 3: Q16.16 fixed-point arithmetic with 64-bit intermediates: multiply, divide, square root, series. */
#include <stdio.h>
#include <stdint.h>

typedef int32_t fix;
#define ONE 65536

fix fx_from_int(int v) { return (fix)(v * ONE); }
fix fx_mul(fix a, fix b) { return (fix)(((int64_t)a * b) / ONE); }
fix fx_div(fix a, fix b) { return (fix)(((int64_t)a * ONE) / b); }
double fx_to_double(fix a) { return a / 65536.0; }   /* exact: a has at most 31 significant bits */

fix fx_sqrt(fix a) {
    if (a <= 0) return 0;
    fix x = a > ONE ? a / 2 : ONE;
    for (int i = 0; i < 30; i++) {
        fix nx = (x + fx_div(a, x)) / 2;
        if (nx == x) break;
        x = nx;
    }
    return x;
}

fix fx_exp(fix x) {             /* 1 + x + x^2/2! + ... */
    fix sum = ONE, term = ONE;
    for (int n = 1; n < 20; n++) {
        term = fx_div(fx_mul(term, x), fx_from_int(n));
        sum += term;
    }
    return sum;
}

int main(void) {
    int vals[] = {0, 1, 2, 3, 10, 100, 1000, 20000};
    for (int i = 0; i < 8; i++) {
        fix v = fx_from_int(vals[i]);
        printf("sqrt(%d)=%.6f raw=%d\n", vals[i], fx_to_double(fx_sqrt(v)), (int)fx_sqrt(v));
    }
    fix half = ONE / 2, third = fx_div(ONE, fx_from_int(3));
    printf("1/3=%.8f raw=%d 1/3*3=%d -7/2=%.4f\n", fx_to_double(third), (int)third, (int)fx_mul(third, fx_from_int(3)),
           fx_to_double(fx_div(fx_from_int(-7), fx_from_int(2))));
    printf("exp(1)=%.6f exp(0.5)=%.6f exp(-1)=%.6f\n", fx_to_double(fx_exp(ONE)), fx_to_double(fx_exp(half)),
           fx_to_double(fx_exp(-ONE)));
    fix x = fx_from_int(5);
    int64_t acc = 0;
    for (int i = 0; i < 100; i++) {
        x = fx_mul(x, ONE + ONE / 16) - fx_div(fx_from_int(i % 7), fx_from_int(3));
        if (x > fx_from_int(10000) || x < -fx_from_int(10000)) x /= 8;
        acc += x;
    }
    printf("x=%.6f acc=%ld\n", fx_to_double(x), (long)acc);
    return 0;
}
