/* Tier 3: single-precision float arithmetic, comparisons, float/int conversions, float versus double. */
#include <stdio.h>

float sum_f(const float *a, int n) { float s = 0.0f; for (int i = 0; i < n; i++) s += a[i]; return s; }
double sum_d(const float *a, int n) { double s = 0.0; for (int i = 0; i < n; i++) s += a[i]; return s; }
float div_f(float a, float b) { return a / b; }
float max_f(float a, float b) { return a > b ? a : b; }
int f2i(float f) { return (int)f; }
float i2f(int i) { return (float)i; }
float halve_until(float x, float limit) { int n = 0; while (x > limit) { x /= 2.0f; n++; } return x + (float)n; }

int main(void) {
    float a[100];
    for (int i = 0; i < 100; i++) a[i] = div_f((float)(i + 1), 10.0f);
    printf("sum_f=%.9g sum_d=%.17g\n", (double)sum_f(a, 100), sum_d(a, 100));
    float m = -1e30f;
    int trunc_sum = 0;
    for (int i = 0; i < 100; i++) {
        m = max_f(m, div_f(a[i] - 5.0f, a[i]));
        trunc_sum += f2i(a[i] * -3.0f);
    }
    printf("max=%.9g trunc_sum=%d\n", (double)m, trunc_sum);
    printf("i2f(16777217)=%.1f i2f(-33554431)=%.1f f2i(-2.75)=%d f2i(2.999)=%d\n",
           (double)i2f(16777217), (double)i2f(-33554431), f2i(-2.75f), f2i(2.999f));
    printf("0.1f=%.17g 0.1=%.17g 1/3f=%.9g\n", (double)0.1f, 0.1, (double)div_f(1.0f, 3.0f));
    printf("halve=%.9g %.9g\n", (double)halve_until(1e20f, 1.0f), (double)halve_until(3.0f, 10.0f));
    float big = 1e38f, tiny = 1e-38f;
    printf("big*10>big=%d tiny/1e3>0=%d tiny/1e3 (subnormal)=%.9g\n", big * 10.0f > big, tiny / 1e3f > 0.0f,
           (double)(tiny / 1e3f));
    return 0;
}
