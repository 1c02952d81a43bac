/* Tier 2: arrays passed by pointer: bubble sort and insertion sort, sortedness checks, checksums. */
#include <stdio.h>

#define N 64

void fill(int *a, int n, unsigned seed) {
    for (int i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        a[i] = (int)((seed >> 16) % 1000u) - 500;
    }
}

void bubble_sort(int *a, int n) {
    for (int i = 0; i < n - 1; i++) {
        int swapped = 0;
        for (int j = 0; j < n - 1 - i; j++)
            if (a[j] > a[j + 1]) {
                int t = a[j]; a[j] = a[j + 1]; a[j + 1] = t;
                swapped = 1;
            }
        if (!swapped) break;
    }
}

void insertion_sort(int *a, int n) {
    for (int i = 1; i < n; i++) {
        int key = a[i], j = i - 1;
        while (j >= 0 && a[j] > key) { a[j + 1] = a[j]; j--; }
        a[j + 1] = key;
    }
}

int is_sorted(const int *a, int n) {
    for (int i = 1; i < n; i++) if (a[i - 1] > a[i]) return 0;
    return 1;
}

unsigned long checksum(const int *a, int n) {
    unsigned long s = 0;
    for (int i = 0; i < n; i++) s = s * 31u + (unsigned long)(long)a[i];
    return s;
}

int main(void) {
    int a[N], b[N];
    for (unsigned seed = 1; seed <= 3; seed++) {
        fill(a, N, seed);
        for (int i = 0; i < N; i++) b[i] = a[i];
        unsigned long before = checksum(a, N);
        bubble_sort(a, N);
        insertion_sort(b, N);
        printf("seed=%u before=%lu after=%lu sorted=%d/%d same=%d\n", seed, before, checksum(a, N),
               is_sorted(a, N), is_sorted(b, N), checksum(a, N) == checksum(b, N));
        printf("  min=%d median=%d max=%d\n", a[0], a[N / 2], a[N - 1]);
    }
    return 0;
}
