/* Tier 2: a stack-machine bytecode interpreter: a dense opcode switch, arrays as stacks, jumps. */
#include <stdio.h>

enum { PUSH, LOAD, STORE, ADD, SUB, MUL, MOD, JNZ, JMP, DUP, PRINT, HALT };

long run(const int *code, long arg) {
    long stack[32], vars[4] = {arg, 0, 0, 0};
    int sp = 0, pc = 0, steps = 0;
    for (;;) {
        int op = code[pc++];
        steps++;
        switch (op) {
        case PUSH: stack[sp++] = code[pc++]; break;
        case LOAD: stack[sp++] = vars[code[pc++]]; break;
        case STORE: vars[code[pc++]] = stack[--sp]; break;
        case ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case MOD: sp--; stack[sp - 1] %= stack[sp]; break;
        case JNZ: { int target = code[pc++]; if (stack[--sp] != 0) pc = target; break; }
        case JMP: pc = code[pc]; break;
        case DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case PRINT: printf("  out %ld\n", stack[--sp]); break;
        case HALT: return sp > 0 ? stack[sp - 1] * 1000 + steps % 1000 : -1;
        default: return -2;
        }
    }
}

/* v1 = 1; while (v0) { v1 = v1 * v0 % 1000003; v0 = v0 - 1 } ; result v1 */
static const int factorial[] = {
    PUSH, 1, STORE, 1,
    LOAD, 0, JNZ, 10, JMP, 29,
    LOAD, 1, LOAD, 0, MUL, PUSH, 1000003, MOD, STORE, 1,
    LOAD, 0, PUSH, 1, SUB, STORE, 0, JMP, 4,
    LOAD, 1, HALT};

/* prints the first v0 Fibonacci numbers, result is the next one */
static const int fibs[] = {
    PUSH, 0, STORE, 1, PUSH, 1, STORE, 2,
    LOAD, 0, JNZ, 14, JMP, 40,
    LOAD, 1, PRINT, LOAD, 1, LOAD, 2, ADD, LOAD, 2, STORE, 1, STORE, 2,
    LOAD, 0, PUSH, 1, SUB, STORE, 0, JMP, 8, HALT, HALT, HALT,
    LOAD, 1, HALT};

int main(void) {
    for (long n = 0; n <= 20; n += 5) printf("fact(%ld) -> %ld\n", n, run(factorial, n));
    printf("fact(5000) -> %ld\n", run(factorial, 5000));
    printf("fibs(8) -> %ld\n", run(fibs, 8));
    return 0;
}
