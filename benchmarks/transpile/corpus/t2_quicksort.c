/* Tier 2: recursive divide and conquer: quicksort (Lomuto partition) and merge sort with a buffer. */
#include <stdio.h>

void swap(long *a, long *b) { long t = *a; *a = *b; *b = t; }

int partition(long *a, int lo, int hi) {
    long pivot = a[hi];
    int i = lo;
    for (int j = lo; j < hi; j++)
        if (a[j] < pivot) swap(&a[i++], &a[j]);
    swap(&a[i], &a[hi]);
    return i;
}

void quicksort(long *a, int lo, int hi) {
    if (lo >= hi) return;
    int p = partition(a, lo, hi);
    quicksort(a, lo, p - 1);
    quicksort(a, p + 1, hi);
}

void merge_sort(long *a, long *tmp, int n) {
    if (n < 2) return;
    int h = n / 2;
    merge_sort(a, tmp, h);
    merge_sort(a + h, tmp, n - h);
    int i = 0, j = h, k = 0;
    while (i < h && j < n) tmp[k++] = a[i] <= a[j] ? a[i++] : a[j++];
    while (i < h) tmp[k++] = a[i++];
    while (j < n) tmp[k++] = a[j++];
    for (k = 0; k < n; k++) a[k] = tmp[k];
}

int main(void) {
    long a[300], b[300], tmp[300];
    unsigned long x = 88172645463325252UL;
    for (int i = 0; i < 300; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        a[i] = b[i] = (long)(x % 100000UL) - 50000;
    }
    quicksort(a, 0, 299);
    merge_sort(b, tmp, 300);
    int same = 1;
    unsigned long h = 0;
    for (int i = 0; i < 300; i++) {
        if (a[i] != b[i]) same = 0;
        h = h * 1099511628211UL ^ (unsigned long)a[i];
    }
    printf("same=%d hash=%lu min=%ld max=%ld a[150]=%ld\n", same, h, a[0], a[299], a[150]);
    return 0;
}
