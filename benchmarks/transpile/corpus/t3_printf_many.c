/* Tier 3: calls with more than eight integer and floating-point arguments, so that some go on the stack. */
#include <stdio.h>

long many_ints(int a, int b, int c, int d, int e, int f, int g, int h, int i, int j, long k, long l) {
    return a - b + c * 2 - d + e * 3 - f + g * 4 - h + i * 5 - j + k * 6 - l;
}

double many_doubles(double a, double b, double c, double d, double e, double f, double g, double h,
                    double i, double j, double k) {
    return (a + b + c + d) - (e + f + g + h) + (i - j) / k;
}

double mixed(int n1, double d1, long n2, double d2, char c, float f, short s, double d3, int n3,
             double d4, double d5, double d6, double d7, double d8, int n4, double d9, unsigned n5) {
    return n1 + d1 - (double)n2 + d2 + c + f - s + d3 + n3 + d4 + d5 + d6 + d7 + d8 + n4 + d9 + n5;
}

int main(void) {
    printf("%d %d %d %d %d %d %d %d %d %d %d %d\n", 1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12);
    printf("%.2f %.2f %.2f %.2f %.2f %.2f %.2f %.2f %.2f %.2f %.2f\n", 0.5, 1.5, 2.25, -3.75, 4.0, 5.125,
           -6.5, 7.75, 8.0, 9.25, 10.5);
    printf("%d %.3f %ld %.3f %c %.3f %d %.3f %u %.3f %s %.3f %lu %.3f %x %.3f %d %.3f\n", 1, 1.25, 2L, 2.5, 'x',
           3.75, -4, 5.0, 6u, 6.25, "seven", 7.5, 8UL, 8.75, 255, 9.125, -10, 10.5);
    long acc = 0;
    for (int t = 0; t < 20; t++)
        acc += many_ints(t, t + 1, t * 2, 3, -t, 5, t % 3, 7, 8 - t, 9, 10L * t, -11L);
    printf("many_ints acc=%ld one=%ld\n", acc, many_ints(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12));
    double s = 0.0;
    for (int t = 1; t <= 10; t++)
        s += many_doubles(t, 0.5, 0.25, -t, 2.0, 1.5, t * 0.5, -0.125, 16.0, t, 4.0);
    printf("many_doubles sum=%.17g\n", s);
    printf("mixed=%.17g\n", mixed(1, 0.5, 2, 0.25, 'A', 1.5f, -3, 4.125, 5, 6.0, 7.0, 8.0, 9.0, 10.0, 11, 12.5, 13u));
    printf("%s|%5s|%-5s|%c%c%c|%5.1f|%-8.3e|%08.3f|%+d|%%|%lx|%o\n", "a", "bc", "de", 'f', 'g', 'h', 3.14159,
           12345.678, -3.5, 42, 0xDEADBEEFCAFEUL, 511);
    return 0;
}
