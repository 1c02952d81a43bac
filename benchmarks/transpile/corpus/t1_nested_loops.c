/* Tier 1: nested loops: multiplication-table checksums, lattice points in a circle, triangles. */
#include <stdio.h>

long table_checksum(int n) {
    long s = 0;
    for (int i = 1; i <= n; i++)
        for (int j = 1; j <= n; j++)
            s += (long)(i * j) * ((i + j) % 3 - 1);
    return s;
}

int lattice_points(int r) {
    int c = 0;
    for (int x = -r; x <= r; x++)
        for (int y = -r; y <= r; y++)
            if (x * x + y * y <= r * r) c++;
    return c;
}

int integer_triangles(int perimeter) {
    int c = 0;
    for (int a = 1; a <= perimeter / 3; a++)
        for (int b = a; b <= (perimeter - a) / 2; b++) {
            int cc = perimeter - a - b;
            if (a + b > cc) c++;
        }
    return c;
}

int main(void) {
    for (int n = 1; n <= 30; n += 7)
        printf("table(%d)=%ld\n", n, table_checksum(n));
    for (int r = 0; r <= 50; r += 10)
        printf("lattice(%d)=%d\n", r, lattice_points(r));
    long t = 0;
    for (int p = 3; p <= 120; p++) t += (long)integer_triangles(p) * p;
    printf("triangles(12)=%d triangles(100)=%d weighted=%ld\n", integer_triangles(12), integer_triangles(100), t);
    return 0;
}
