// Test helper: fires `bump by=1` events into one instance in a loop, printing "ack ID" after
// each acknowledged (committed) event. The crash and concurrency tests run it as a child.
#include <cstdio>
#include <exception>
#include <string>

#include "runtime/runtime.hpp"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: vflow_fire_loop DB INSTANCE PREFIX COUNT\n");
    return 2;
  }
  try {
    auto rt = vflow::runtime::engine_runtime::open(argv[1]);
    const long count = std::stol(argv[4]);
    for (long i = 0; i < count; ++i) {
      const std::string id = std::string(argv[3]) + "-" + std::to_string(i);
      const auto o =
          rt.fire({argv[2], "bump", {{"by", "1"}}, "fire_loop", id, std::nullopt, std::nullopt});
      if (o.status != vflow::runtime::status::ok) {
        std::fprintf(stderr, "%s: %s\n", id.c_str(), o.message.c_str());
        return 1;
      }
      std::printf("ack %s\n", id.c_str());
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 3;
  }
  return 0;
}
