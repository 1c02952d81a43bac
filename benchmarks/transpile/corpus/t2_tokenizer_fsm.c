/* Tier 2: an enum-driven finite state machine with switch: tokenizes text into numbers, words and symbols. */
#include <stdio.h>

enum state { START, IN_NUMBER, IN_WORD, IN_COMMENT };
enum cls { DIGIT, LETTER, SPACE, HASH, NEWLINE, OTHER };

enum cls classify(char c) {
    if (c >= '0' && c <= '9') return DIGIT;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return LETTER;
    if (c == ' ' || c == '\t') return SPACE;
    if (c == '#') return HASH;
    if (c == '\n') return NEWLINE;
    return OTHER;
}

int main(void) {
    const char *src = "x1 = 42 + foo_bar*7 # comment 99\nyy=(3-x1)/12;  # end\nz = 1000000 ;\n";
    enum state st = START;
    int numbers = 0, words = 0, symbols = 0, comments = 0, lines = 0;
    long num = 0, num_sum = 0;
    unsigned word_hash = 0;
    for (const char *p = src;; p++) {
        char c = *p;
        enum cls k = c ? classify(c) : NEWLINE;
        switch (st) {
        case IN_NUMBER:
            if (k == DIGIT) { num = num * 10 + (c - '0'); continue; }
            numbers++; num_sum += num; st = START;
            break;
        case IN_WORD:
            if (k == LETTER || k == DIGIT) { word_hash = word_hash * 31u + (unsigned char)c; continue; }
            words++; st = START;
            break;
        case IN_COMMENT:
            if (k != NEWLINE) continue;
            st = START;
            break;
        case START:
            break;
        }
        if (c == '\0') break;
        switch (k) {
        case DIGIT: st = IN_NUMBER; num = c - '0'; break;
        case LETTER: st = IN_WORD; word_hash = word_hash * 31u + (unsigned char)c; break;
        case HASH: st = IN_COMMENT; comments++; break;
        case NEWLINE: lines++; break;
        case OTHER: symbols++; break;
        case SPACE: break;
        }
    }
    printf("numbers=%d sum=%ld words=%d hash=%u symbols=%d comments=%d lines=%d\n",
           numbers, num_sum, words, word_hash, symbols, comments, lines);
    return 0;
}
