#include "kernel/console.h"
#include "scenarios/scenarios.h"

/* hello: the smallest boot test. */
void scenario_hello(void) { kprintf("Hello from the svmm test kernel\n"); }
