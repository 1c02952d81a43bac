/* Tier 2: mutual recursion: a recursive-descent parser and evaluator for integer expressions. */
#include <stdio.h>

static const char *cur;

long expr(void);

void skip(void) { while (*cur == ' ') cur++; }

long factor(void) {
    skip();
    if (*cur == '(') {
        cur++;
        long v = expr();
        skip();
        if (*cur == ')') cur++;
        return v;
    }
    if (*cur == '-') { cur++; return -factor(); }
    long v = 0;
    while (*cur >= '0' && *cur <= '9') v = v * 10 + (*cur++ - '0');
    return v;
}

long term(void) {
    long v = factor();
    for (;;) {
        skip();
        if (*cur == '*') { cur++; v *= factor(); }
        else if (*cur == '/') { cur++; long d = factor(); v = d ? v / d : 0; }
        else if (*cur == '%') { cur++; long d = factor(); v = d ? v % d : 0; }
        else return v;
    }
}

long expr(void) {
    long v = term();
    for (;;) {
        skip();
        if (*cur == '+') { cur++; v += term(); }
        else if (*cur == '-') { cur++; v -= term(); }
        else return v;
    }
}

long eval(const char *s) { cur = s; return expr(); }

int main(void) {
    const char *tests[] = {
        "1 + 2 * 3", "(1 + 2) * 3", "100 / 7 % 5", "-(4 - 10) * -3", "2*(3+(4*(5+6)))-7",
        "123456789 * 1000 / 3", "((((((1))))))+-1", "17 % -5 + -17 / 5", "9 - 3 - 2 - 1", "8 / 0 + 1",
    };
    long total = 0;
    for (int i = 0; i < 10; i++) {
        long v = eval(tests[i]);
        total = total * 3 + v;
        printf("%-24s = %ld\n", tests[i], v);
    }
    printf("total=%ld\n", total);
    return 0;
}
