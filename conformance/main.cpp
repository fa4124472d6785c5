// promconform: a conformance harness for Prometheus-compatible endpoints.
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "version") == 0) {
    std::printf("promconform 0.1.0\n");
    return 0;
  }
  std::fprintf(stderr, "usage: promconform version\n");
  return 2;
}
