// libFuzzer target: the bytes as a guard over data fields and event parameters of every type;
// when it compiles, the machine is stepped with a few parameter sets, so the evaluator sees every
// expression the checker accepts. Evaluation is total: errors are results, never crashes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "dsl/compiler.hpp"
#include "engine/step.hpp"

namespace {

using namespace vflow;

constexpr const char* head = R"(stream D2C
workflow Fuzz {
  data {
    n: int = 3
    s: string = "text"
    b: bool = true
    t: time = 2026-01-01T00:00:00Z
    d: duration = 4h
    o: string?
    m: int?
  }
  event go(x: int, y: string, z: bool?, w: time?, v: duration?)
  initial state A {
    on go -> B when )";
constexpr const char* tail = R"( { n = n + 1 }
  }
  state B {
    on go -> A
  }
}
)";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string guard(reinterpret_cast<const char*>(data), size);
  if (guard.find('\n') != std::string::npos) return 0;  // one guard, on its line
  const auto r = dsl::compile(head + guard + tail, "fuzz.flow");
  if (!r.ok() || r.machines.empty()) return 0;
  const engine::machine& m = r.machines.front();
  const auto go = m.find_event("go");
  if (!go) return 0;
  using engine::value;
  const std::vector<std::vector<value>> calls{
      {value::of_int(0), value::of_string(""), value::null(), value::null(), value::null()},
      {value::of_int(INT64_MAX), value::of_string("x\xff"), value::of_bool(true),
       value::of_time(INT64_MIN / 2), value::of_duration(-1)},
      {value::of_int(INT64_MIN), value::of_string(std::string(300, 'a')), value::of_bool(false),
       value::of_time(0), value::of_duration(INT64_MAX)}};
  for (const auto& params : calls) {
    engine::instance_state state = engine::initial_state(m, engine::initial_data(m));
    engine::step_result out;
    engine::start(m, state, value::of_string("fuzzer"), 0, out, engine::step_options{true});
    engine::event_call call{*go, params, 1000, value::null()};
    engine::step(m, state, call, out, engine::step_options{true});
  }
  return 0;
}
