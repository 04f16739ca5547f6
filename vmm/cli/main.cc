#include <cstdio>

int main() {
  std::puts("svmm " SVMM_VERSION);
  return 0;
}
