/* Tier 2: backtracking recursion over arrays: N-queens solution counts and the first solution. */
#include <stdio.h>

static int cols[16];
static int first[16];
static int have_first;

int safe(int row, int col) {
    for (int r = 0; r < row; r++) {
        int c = cols[r];
        if (c == col || c - col == r - row || c - col == row - r) return 0;
    }
    return 1;
}

long solve(int row, int n) {
    if (row == n) {
        if (!have_first) {
            for (int i = 0; i < n; i++) first[i] = cols[i];
            have_first = 1;
        }
        return 1;
    }
    long count = 0;
    for (int col = 0; col < n; col++) {
        if (safe(row, col)) {
            cols[row] = col;
            count += solve(row + 1, n);
        }
    }
    return count;
}

int main(void) {
    for (int n = 1; n <= 8; n++) {
        have_first = 0;
        long c = solve(0, n);
        printf("n=%d solutions=%ld", n, c);
        if (have_first) {
            printf(" first=");
            for (int i = 0; i < n; i++) printf("%d", first[i]);
        }
        printf("\n");
    }
    return 0;
}
