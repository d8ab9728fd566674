// The peer of the in-memory step: the incident's hold/resume loop (a guard on the event's reason
// and an assignment of it; an assignment back to nothing) written by hand for Boost.MSM with the
// functor front-end, as a C++ programmer would without vflow. bench/peers.sh runs it next to
// `engine_step` of vflow_bench_runtime (the same events on the shipped incident.flow). Built as
// C++17: MSM 1.74 is not valid C++20.
#define BOOST_BIND_GLOBAL_PLACEHOLDERS
#include <benchmark/benchmark.h>

#include <boost/mpl/vector.hpp>
#include <boost/msm/back/state_machine.hpp>
#include <boost/msm/front/functor_row.hpp>
#include <boost/msm/front/state_machine_def.hpp>
#include <optional>
#include <string>

namespace {

namespace msm = boost::msm;
namespace mpl = boost::mpl;
using msm::front::none;
using msm::front::Row;

struct hold {
  std::string reason;
};
struct resume {};

struct incident_def : msm::front::state_machine_def<incident_def> {
  struct InProgress : msm::front::state<> {};
  struct OnHold : msm::front::state<> {};
  using initial_state = InProgress;

  struct has_reason {
    template <class Event, class Fsm, class Source, class Target>
    bool operator()(const Event& e, Fsm&, Source&, Target&) const {
      return !e.reason.empty();
    }
  };
  struct keep_reason {
    template <class Event, class Fsm, class Source, class Target>
    void operator()(const Event& e, Fsm& m, Source&, Target&) const {
      m.hold_reason = e.reason;
    }
  };
  struct clear_reason {
    template <class Event, class Fsm, class Source, class Target>
    void operator()(const Event&, Fsm& m, Source&, Target&) const {
      m.hold_reason.reset();
    }
  };

  // clang-format off
  struct transition_table : mpl::vector<
    Row<InProgress, hold,   OnHold,     keep_reason,  has_reason>,
    Row<OnHold,     resume, InProgress, clear_reason, none>
  > {};
  // clang-format on

  template <class Fsm, class Event>
  void no_transition(const Event&, Fsm&, int) {
    ++refused;
  }

  std::optional<std::string> hold_reason;
  long refused = 0;
};

using incident = msm::back::state_machine<incident_def>;

void msm_step(benchmark::State& state) {
  incident m;
  m.start();
  const hold h{"vendor"};
  const resume r;
  for (auto _ : state) {
    m.process_event(h);
    m.process_event(r);
    benchmark::DoNotOptimize(m.hold_reason);
  }
  if (m.refused != 0) state.SkipWithError("an event was refused");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 2);
}

}  // namespace

BENCHMARK(msm_step);
BENCHMARK_MAIN();
