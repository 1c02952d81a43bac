/* Tier 2: a binary search tree in a node pool: recursive insert, search, height, and in-order walk. */
#include <stdio.h>

struct tree {
    int key;
    int count;
    struct tree *left, *right;
};

static struct tree nodes[256];
static int n_nodes = 0;

struct tree *insert(struct tree *t, int key) {
    if (t == NULL) {
        t = &nodes[n_nodes++];
        t->key = key;
        t->count = 1;
        t->left = t->right = NULL;
        return t;
    }
    if (key < t->key) t->left = insert(t->left, key);
    else if (key > t->key) t->right = insert(t->right, key);
    else t->count++;
    return t;
}

int height(const struct tree *t) {
    if (!t) return 0;
    int l = height(t->left), r = height(t->right);
    return 1 + (l > r ? l : r);
}

int contains(const struct tree *t, int key) {
    while (t && t->key != key) t = key < t->key ? t->left : t->right;
    return t != NULL;
}

int in_order(const struct tree *t, int *out, int n) {
    if (!t) return n;
    n = in_order(t->left, out, n);
    out[n++] = t->key;
    return in_order(t->right, out, n);
}

long weighted(const struct tree *t, int depth) {
    return t ? (long)t->key * t->count * depth + weighted(t->left, depth + 1) + weighted(t->right, depth + 1) : 0;
}

int main(void) {
    struct tree *root = NULL;
    unsigned x = 2024;
    for (int i = 0; i < 200; i++) {
        x = x * 1103515245u + 12345u;
        root = insert(root, (int)((x >> 16) % 500u));
    }
    int keys[256];
    int n = in_order(root, keys, 0);
    printf("distinct=%d height=%d weighted=%ld\n", n, height(root), weighted(root, 1));
    printf("first:");
    for (int i = 0; i < 8; i++) printf(" %d", keys[i]);
    printf(" last=%d\n", keys[n - 1]);
    int hits = 0;
    for (int k = 0; k < 500; k += 3) hits += contains(root, k);
    printf("hits=%d\n", hits);
    return 0;
}
