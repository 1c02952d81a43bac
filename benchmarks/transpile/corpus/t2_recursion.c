/* Tier 2: recursion: towers of Hanoi, Ackermann, naive Fibonacci, recursive power and digit sums. */
#include <stdio.h>

static long moves = 0;
static long move_hash = 0;

void hanoi(int n, int from, int to, int via) {
    if (n == 0) return;
    hanoi(n - 1, from, via, to);
    moves++;
    move_hash = (move_hash * 7 + from * 3 + to) % 1000003;
    hanoi(n - 1, via, to, from);
}

long ackermann(long m, long n) {
    if (m == 0) return n + 1;
    if (n == 0) return ackermann(m - 1, 1);
    return ackermann(m - 1, ackermann(m, n - 1));
}

int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

long power(long b, int e) {
    if (e == 0) return 1;
    long h = power(b, e / 2);
    return e % 2 ? h * h * b : h * h;
}

int digit_root(long n) { return n < 10 ? (int)n : digit_root(n / 10 + n % 10); }

int main(void) {
    hanoi(12, 1, 3, 2);
    printf("hanoi(12): moves=%ld hash=%ld\n", moves, move_hash);
    printf("ack(2,3)=%ld ack(3,3)=%ld ack(3,5)=%ld\n", ackermann(2, 3), ackermann(3, 3), ackermann(3, 5));
    printf("fib(20)=%d fib(24)=%d\n", fib(20), fib(24));
    printf("3^39=%ld 7^22=%ld (-2)^61=%ld\n", power(3, 39), power(7, 22), power(-2, 61));
    printf("droot(987654321987)=%d droot(5)=%d\n", digit_root(987654321987L), digit_root(5));
    return 0;
}
