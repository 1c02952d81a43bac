/* Tier 2: character arrays handled by hand: length, reversal, case mapping, word counts, Caesar cipher. */
#include <stdio.h>

int my_strlen(const char *s) {
    const char *p = s;
    while (*p) p++;
    return (int)(p - s);
}

void reverse_in_place(char *s) {
    char *e = s + my_strlen(s) - 1;
    while (s < e) { char t = *s; *s++ = *e; *e-- = t; }
}

void to_upper(char *s) {
    for (; *s; s++) if (*s >= 'a' && *s <= 'z') *s = (char)(*s - 'a' + 'A');
}

int count_words(const char *s) {
    int n = 0, in_word = 0;
    for (; *s; s++) {
        int letter = (*s != ' ' && *s != ',' && *s != '.');
        if (letter && !in_word) n++;
        in_word = letter;
    }
    return n;
}

void caesar(char *s, int k) {
    for (; *s; s++) {
        if (*s >= 'a' && *s <= 'z') *s = (char)('a' + (*s - 'a' + k) % 26);
        else if (*s >= 'A' && *s <= 'Z') *s = (char)('A' + (*s - 'A' + k) % 26);
    }
}

unsigned hash(const char *s) {
    unsigned h = 5381;
    while (*s) h = h * 33u + (unsigned char)*s++;
    return h;
}

int main(void) {
    char buf[80] = "Sphinx of black quartz, judge my vow.";
    printf("len=%d words=%d hash=%u\n", my_strlen(buf), count_words(buf), hash(buf));
    caesar(buf, 13);
    printf("rot13: %s\n", buf);
    caesar(buf, 13);
    reverse_in_place(buf);
    printf("reversed: %s\n", buf);
    to_upper(buf);
    printf("upper: %s hash=%u\n", buf, hash(buf));
    char digits[16];
    int n = 0;
    for (unsigned v = 9081726u; v > 0; v /= 10) digits[n++] = (char)('0' + v % 10);
    digits[n] = '\0';
    reverse_in_place(digits);
    printf("digits=%s len=%d\n", digits, my_strlen(digits));
    return 0;
}
