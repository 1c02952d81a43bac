/* Tier 2: structs with pointers: a singly linked list in a static pool: sorted insert, reverse, remove. */
#include <stdio.h>

struct node {
    int value;
    struct node *next;
};

static struct node pool[64];
static int used = 0;

struct node *insert_sorted(struct node *head, int v) {
    struct node *n = &pool[used++];
    n->value = v;
    if (head == NULL || v < head->value) { n->next = head; return n; }
    struct node *p = head;
    while (p->next != NULL && p->next->value <= v) p = p->next;
    n->next = p->next;
    p->next = n;
    return head;
}

struct node *reverse(struct node *head) {
    struct node *prev = NULL;
    while (head) {
        struct node *next = head->next;
        head->next = prev;
        prev = head;
        head = next;
    }
    return prev;
}

struct node *remove_if(struct node *head, int (*pred)(int)) {
    struct node **pp = &head;
    while (*pp) {
        if (pred((*pp)->value)) *pp = (*pp)->next;
        else pp = &(*pp)->next;
    }
    return head;
}

int is_multiple_of_3(int v) { return v % 3 == 0; }

void print_list(const char *label, const struct node *p) {
    int n = 0;
    long s = 0;
    printf("%s:", label);
    for (; p; p = p->next, n++) { printf(" %d", p->value); s += (long)p->value * (n + 1); }
    printf(" (len=%d weighted=%ld)\n", n, s);
}

int main(void) {
    struct node *head = NULL;
    unsigned x = 99;
    for (int i = 0; i < 20; i++) {
        x = x * 1103515245u + 12345u;
        head = insert_sorted(head, (int)((x >> 16) % 100u) - 20);
    }
    print_list("sorted", head);
    head = reverse(head);
    print_list("reversed", head);
    head = remove_if(head, is_multiple_of_3);
    print_list("filtered", head);
    return 0;
}
