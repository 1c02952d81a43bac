/* Tier 2: function pointers: dispatch tables, callbacks for map/fold, pointers returned and stored in structs. */
#include <stdio.h>

typedef long (*binop)(long, long);

long add(long a, long b) { return a + b; }
long sub(long a, long b) { return a - b; }
long mul(long a, long b) { return a * b; }
long maxl(long a, long b) { return a > b ? a : b; }

static binop table[4] = {add, sub, mul, maxl};

long fold(const long *xs, int n, long init, binop f) {
    long acc = init;
    for (int i = 0; i < n; i++) acc = f(acc, xs[i]);
    return acc;
}

void map(long *xs, int n, long (*f)(long)) {
    for (int i = 0; i < n; i++) xs[i] = f(xs[i]);
}

long square(long x) { return x * x; }
long negate_odd(long x) { return x % 2 ? -x : x; }

binop choose(int code) { return table[code & 3]; }

struct op { const char *name; binop fn; long unit; };

int main(void) {
    long xs[8] = {3, -1, 4, 1, -5, 9, 2, -6};
    struct op ops[4] = {{"sum", add, 0}, {"alt", sub, 0}, {"prod", mul, 1}, {"max", maxl, -1000}};
    for (int i = 0; i < 4; i++)
        printf("%s=%ld\n", ops[i].name, fold(xs, 8, ops[i].unit, ops[i].fn));
    map(xs, 8, negate_odd);
    printf("after negate_odd: sum=%ld\n", fold(xs, 8, 0, add));
    map(xs, 8, square);
    printf("after square: sum=%ld max=%ld\n", fold(xs, 8, 0, table[0]), fold(xs, 8, 0, table[3]));
    long acc = 1;
    for (int i = 0; i < 40; i++) acc = choose(i * 7 + 1)(acc, i + 2) % 1000003;
    printf("chain=%ld\n", acc);
    return 0;
}
