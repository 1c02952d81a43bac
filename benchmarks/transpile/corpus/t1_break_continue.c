/* Tier 1: loop control: break, continue, early return from nested loops, and goto. */
#include <stdio.h>

long pythagorean_product(int sum) {
    for (int a = 1; a < sum / 3; a++)
        for (int b = a + 1; b < sum / 2; b++) {
            int c = sum - a - b;
            if (a * a + b * b == c * c) return (long)a * b * c;
        }
    return -1;
}

int sum_skipping(int n) {
    int s = 0;
    for (int i = 0; i < n; i++) {
        if (i % 3 == 0) continue;
        if (i > 500) break;
        s += i;
    }
    return s;
}

int first_repeat(unsigned seed) {
    unsigned x = seed;
    int steps = 0;
    for (;;) {
        x = (x * x + 1) % 1009;
        steps++;
        if (x == seed || steps > 5000) goto done;
    }
done:
    return steps;
}

int main(void) {
    printf("pyth(1000)=%ld pyth(12)=%ld pyth(7)=%ld\n", pythagorean_product(1000), pythagorean_product(12), pythagorean_product(7));
    printf("skip(100)=%d skip(10000)=%d\n", sum_skipping(100), sum_skipping(10000));
    long acc = 0;
    for (unsigned s = 1; s < 60; s++) acc += first_repeat(s) * (long)s;
    printf("repeat acc=%ld r(2)=%d\n", acc, first_repeat(2));
    int found = -1;
    for (int i = 2; i < 100 && found < 0; i++) {
        int j;
        for (j = 2; j < i; j++)
            if (i % j == 0) break;
        if (j == i && i > 50) found = i;
    }
    printf("first prime > 50: %d\n", found);
    return 0;
}
