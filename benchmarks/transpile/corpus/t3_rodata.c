/* Tier 3: read-only data: const string tables, const lookup arrays and const struct tables. */
#include <stdio.h>
#include <string.h>

static const char *const month_names[12] = {"January", "February", "March", "April", "May", "June", "July",
                                            "August", "September", "October", "November", "December"};
static const unsigned char days_in_month[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
static const struct { const char *symbol; int value; } numerals[] = {
    {"M", 1000}, {"CM", 900}, {"D", 500}, {"CD", 400}, {"C", 100}, {"XC", 90},
    {"L", 50}, {"XL", 40}, {"X", 10}, {"IX", 9}, {"V", 5}, {"IV", 4}, {"I", 1}};
static const char hex_digits[] = "0123456789abcdef";

int is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int day_of_year(int y, int m, int d) {
    int n = d;
    for (int i = 0; i < m - 1; i++) n += days_in_month[i] + (i == 1 && is_leap(y));
    return n;
}

void roman(int v, char *out) {
    out[0] = '\0';
    for (int i = 0; i < 13; i++)
        while (v >= numerals[i].value) { strcat(out, numerals[i].symbol); v -= numerals[i].value; }
}

void to_hex(unsigned long v, char *out) {
    char tmp[17];
    int n = 0;
    do { tmp[n++] = hex_digits[v & 15]; v >>= 4; } while (v);
    for (int i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
    out[n] = '\0';
}

int main(void) {
    char buf[64];
    int years[] = {1900, 2000, 2023, 2024};
    for (int i = 0; i < 4; i++)
        printf("%d: leap=%d doy(Dec 31)=%d doy(Mar 1)=%d\n", years[i], is_leap(years[i]),
               day_of_year(years[i], 12, 31), day_of_year(years[i], 3, 1));
    for (int m = 0; m < 12; m += 5) printf("%s has %u days, %zu letters\n", month_names[m], days_in_month[m], strlen(month_names[m]));
    int values[] = {1, 4, 9, 14, 40, 90, 400, 1994, 2024, 3999};
    for (int i = 0; i < 10; i++) { roman(values[i], buf); printf("%d=%s ", values[i], buf); }
    printf("\n");
    to_hex(0xC0FFEE0DDF00DUL, buf);
    printf("hex=%s ", buf);
    to_hex(0, buf);
    printf("zero=%s\n", buf);
    return 0;
}
