/* Tier 3: global variables: initialised and zero-initialised globals, static arrays, static locals, a global struct. */
#include <stdio.h>

int counter;                       /* zero-initialised (bss) */
long scale = 7;                    /* initialised (data) */
static int history[32];
static unsigned hist_pos = 0;
struct config { int width, height; long seed; const char *label; } cfg = {16, 9, 12345, "default"};
double weights[4] = {0.5, 0.25, 0.125, 2.0};

void record(int v) {
    history[hist_pos % 32] = v;
    hist_pos++;
    counter += v;
}

int next_id(void) {
    static int id = 100;           /* static local keeps its value between calls */
    return id++;
}

long weighted_history(void) {
    long s = 0;
    for (int i = 0; i < 32; i++) s += (long)history[i] * (i + 1);
    return s;
}

void reconfigure(int w, int h) {
    cfg.width = w;
    cfg.height = h;
    cfg.seed = cfg.seed * scale % 1000003;
    cfg.label = (w * h > 600) ? "large" : "small";
}

int main(void) {
    for (int i = 0; i < 50; i++) record((i * 13) % 17 - 8 + next_id() % 3);
    printf("counter=%d pos=%u weighted=%ld next_id=%d\n", counter, hist_pos, weighted_history(), next_id());
    for (int i = 1; i <= 5; i++) {
        scale += i;
        reconfigure(cfg.width + i, cfg.height * 2 - i);
        printf("cfg %dx%d seed=%ld label=%s\n", cfg.width, cfg.height, cfg.seed, cfg.label);
    }
    double w = 0.0;
    for (int i = 0; i < 4; i++) { weights[i] *= 2.0; w += weights[i]; }
    printf("weights sum=%g scale=%ld\n", w, scale);
    return 0;
}
