/* Tier 3: string library calls: strlen, strcmp, strncmp, strcpy, strcat, strchr, strrchr, strstr, strspn. */
#include <stdio.h>
#include <string.h>

int sign(int v) { return (v > 0) - (v < 0); }

long index_of(const char *base, const char *p) { return p ? (long)(p - base) : -1L; }

int main(void) {
    const char *words[] = {"apple", "apricot", "banana", "band", "bandana", "", "zebra", "Zebra", "apple"};
    int n = (int)(sizeof words / sizeof words[0]);
    for (int i = 0; i + 1 < n; i++)
        printf("%s/%s: len=%zu,%zu cmp=%d ncmp3=%d\n", words[i], words[i + 1], strlen(words[i]),
               strlen(words[i + 1]), sign(strcmp(words[i], words[i + 1])), sign(strncmp(words[i], words[i + 1], 3)));
    char buf[128];
    strcpy(buf, "synth");
    strcat(buf, " transpiles ");
    strcat(buf, "aarch64 <-> riscv64");
    strncat(buf, " (both ways)", 40);
    printf("buf=\"%s\" len=%zu\n", buf, strlen(buf));
    printf("strchr(a)=%ld strrchr(a)=%ld strchr(q)=%ld strchr(nul)=%ld\n", index_of(buf, strchr(buf, 'a')),
           index_of(buf, strrchr(buf, 'a')), index_of(buf, strchr(buf, 'q')), index_of(buf, strchr(buf, '\0')));
    printf("strstr(riscv)=%ld strstr(x86)=%ld spn=%zu cspn=%zu\n", index_of(buf, strstr(buf, "riscv")),
           index_of(buf, strstr(buf, "x86")), strspn(buf, "shnty"), strcspn(buf, "<>"));
    char copy[32];
    strncpy(copy, buf + 6, sizeof copy - 1);
    copy[sizeof copy - 1] = '\0';
    printf("copy=\"%s\" cmp=%d\n", copy, sign(strcmp(copy, buf)));
    int total = 0;
    for (const char *p = buf; (p = strchr(p, ' ')) != NULL; p++) total++;
    printf("spaces=%d\n", total);
    return 0;
}
