/* Tier 3: integer conversions: sign and zero extension, truncation across char, short, int and long. */
#include <stdio.h>

long from_schar(signed char c) { return c; }
long from_uchar(unsigned char c) { return c; }
long from_char(char c) { return c; }                /* plain char is unsigned on AArch64 and RISC-V */
long from_short(short s) { return s; }
long from_ushort(unsigned short s) { return s; }
long from_int(int i) { return i; }
unsigned long from_uint(unsigned u) { return u; }
signed char to_schar(long v) { return (signed char)v; }  /* modulo 2^8, GCC's implementation-defined rule */
short to_short(long v) { return (short)v; }
int to_int(long v) { return (int)v; }
unsigned to_uint(long v) { return (unsigned)v; }

int main(void) {
    long vals[] = {0, 1, 127, 128, 255, 256, -1, -128, -129, 32767, 32768, 65535, 65536,
                   2147483647L, 2147483648L, -2147483648L, 4294967295L, 0x123456789ABCDEFL, -0x123456789ABCDEFL};
    int n = (int)(sizeof vals / sizeof vals[0]);
    for (int i = 0; i < n; i++) {
        long v = vals[i];
        printf("%ld: sc=%ld uc=%ld c=%ld s=%ld us=%ld i=%ld u=%lu\n", v,
               from_schar(to_schar(v)), from_uchar((unsigned char)v), from_char((char)v),
               from_short(to_short(v)), from_ushort((unsigned short)v), from_int(to_int(v)), from_uint(to_uint(v)));
    }
    long acc = 0;
    for (long v = -70000; v <= 70000; v += 333) {
        acc += from_schar(to_schar(v)) * 3 + from_short(to_short(v * 1000)) + from_uchar((unsigned char)(v >> 3));
        acc ^= (long)from_uint(to_uint(v * 40000));
    }
    signed char sc = -1;
    unsigned char uc = 200;
    printf("acc=%ld sc<uc=%d (unsigned)sc=%u sc+uc=%d\n", acc, sc < uc, (unsigned)sc, sc + uc);
    return 0;
}
