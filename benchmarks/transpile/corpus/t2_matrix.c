/* Tier 2: two-dimensional arrays: matrix product, transpose, trace, and matrix powers mod m. */
#include <stdio.h>

#define N 5

void matmul(long (*c)[N], long (*a)[N], long (*b)[N], long m) {
    long t[N][N];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            long s = 0;
            for (int k = 0; k < N; k++) s += a[i][k] * b[k][j] % m;
            t[i][j] = s % m;
        }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) c[i][j] = t[i][j];
}

void transpose(long (*a)[N]) {
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++) {
            long t = a[i][j]; a[i][j] = a[j][i]; a[j][i] = t;
        }
}

long trace(long (*a)[N]) {
    long s = 0;
    for (int i = 0; i < N; i++) s += a[i][i];
    return s;
}

void matpow(long (*r)[N], long (*a)[N], int e, long m) {
    long base[N][N];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) { r[i][j] = (i == j); base[i][j] = a[i][j]; }
    while (e > 0) {
        if (e & 1) matmul(r, r, base, m);
        matmul(base, base, base, m);
        e >>= 1;
    }
}

int main(void) {
    long a[N][N], p[N][N];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) a[i][j] = (i * 7 + j * 3 + 1) % 10;
    printf("trace(a)=%ld\n", trace(a));
    matpow(p, a, 10, 1000003);
    for (int i = 0; i < N; i++)
        printf("%ld %ld %ld %ld %ld\n", p[i][0], p[i][1], p[i][2], p[i][3], p[i][4]);
    transpose(p);
    printf("p^T[0][4]=%ld trace(p)=%ld\n", p[0][4], trace(p));
    matpow(p, a, 123456789, 1000000007);
    printf("trace(a^123456789 mod 1e9+7)=%ld\n", trace(p));
    return 0;
}
