// Compile throughput (parse + check + lower) next to PEGTL's JSON grammar validating a JSON
// document of the same size, measured in the same run.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cstdlib>

#include <tao/pegtl.hpp>
#include <tao/pegtl/contrib/json.hpp>

#include "dsl/compiler.hpp"
#include "tests/dsl/test_util.hpp"

namespace {

// A JSON document describing the same kind of machine, grown to at least `bytes` bytes.
std::string json_of_size(std::size_t bytes) {
  std::string s = "{\"workflow\":\"Generated\",\"states\":[";
  for (std::size_t i = 0; s.size() < bytes; ++i) {
    if (i > 0) s += ",\n";
    const std::string n = std::to_string(i);
    s += "{\"name\":\"S" + n + "\",\"transitions\":[";
    s += "{\"event\":\"next\",\"target\":\"S" + n +
         "\",\"guard\":\"count < 1000000\",\"assign\":{\"count\":1}},";
    s += "{\"event\":\"back\",\"target\":\"S0\",\"guard\":null,\"weights\":[1,2,3.5,-4e2,true,"
         "false]}]}";
  }
  return s + "]}";
}

void compile_flow(benchmark::State& state) {
  const std::string text =
      vflow::test::generated_workflow(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    auto r = vflow::dsl::compile(text, "bench.flow");
    if (!r.ok()) state.SkipWithError("generated workflow did not compile");
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
  state.counters["bytes"] = static_cast<double>(text.size());
}

void parse_flow(benchmark::State& state) {
  const std::string text =
      vflow::test::generated_workflow(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    auto r = vflow::dsl::parse(text, "bench.flow");
    if (!r.file) state.SkipWithError("generated workflow did not parse");
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

void check_and_lower_flow(benchmark::State& state) {
  const std::string text =
      vflow::test::generated_workflow(static_cast<std::size_t>(state.range(0)));
  const auto parsed = vflow::dsl::parse(text, "bench.flow");
  for (auto _ : state) {
    auto r = vflow::dsl::check_and_lower(*parsed.file, text, "bench.flow");
    if (!r.ok()) state.SkipWithError("generated workflow did not check");
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

void validate_json(benchmark::State& state) {
  const std::size_t size =
      vflow::test::generated_workflow(static_cast<std::size_t>(state.range(0))).size();
  const std::string text = json_of_size(size);
  namespace pegtl = tao::pegtl;
  for (auto _ : state) {
    pegtl::memory_input in(text, "bench.json");
    const bool ok = pegtl::parse<pegtl::seq<pegtl::json::text, pegtl::eof>>(in);
    if (!ok) state.SkipWithError("generated JSON did not validate");
    benchmark::DoNotOptimize(ok);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
  state.counters["bytes"] = static_cast<double>(text.size());
}

}  // namespace

BENCHMARK(compile_flow)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(parse_flow)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(check_and_lower_flow)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(validate_json)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

int main(int argc, char** argv) {
  // Repeated compiles free and re-allocate tens of megabytes per iteration; with glibc's default
  // thresholds that memory goes back to the kernel and is faulted in again every time, which
  // measures the host's page-fault path rather than the compiler (a one-shot `vflow check` pays
  // first-touch faults once). Keep freed memory in the process, as a long-running embedder
  // would; VFLOW_BENCH_DEFAULT_MALLOC=1 measures with the defaults.
  if (!std::getenv("VFLOW_BENCH_DEFAULT_MALLOC")) {
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
