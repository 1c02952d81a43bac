/* Tier 2: binary search variants (exact, lower bound, upper bound) over sorted arrays. */
#include <stdio.h>

int find(const int *a, int n, int key) {
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (a[mid] == key) return mid;
        if (a[mid] < key) lo = mid + 1;
        else hi = mid - 1;
    }
    return -1;
}

int lower_bound(const int *a, int n, int key) {
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (a[mid] < key) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

int upper_bound(const int *a, int n, int key) {
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (a[mid] <= key) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

int main(void) {
    int sq[200], dup[100];
    for (int i = 0; i < 200; i++) sq[i] = i * i - 5000;
    for (int i = 0; i < 100; i++) dup[i] = i / 7 * 3;
    int found = 0;
    long pos = 0;
    for (int k = -6000; k < 40000; k += 13) {
        int p = find(sq, 200, k);
        if (p >= 0) { found++; pos += p; }
        pos += lower_bound(sq, 200, k);
    }
    printf("found=%d pos=%ld\n", found, pos);
    for (int k = -1; k <= 45; k += 4)
        printf("key=%d lb=%d ub=%d count=%d find=%d\n", k, lower_bound(dup, 100, k), upper_bound(dup, 100, k),
               upper_bound(dup, 100, k) - lower_bound(dup, 100, k), find(dup, 100, k) >= 0);
    return 0;
}
