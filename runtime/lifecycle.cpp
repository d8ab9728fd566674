// The instance lifecycle as a Boost.MSM state machine. This is the only translation unit that
// includes Boost.MSM (slow to compile); it is built as C++17 because MSM 1.74 is not valid C++20.
#define BOOST_BIND_GLOBAL_PLACEHOLDERS
#include "runtime/lifecycle.hpp"

#include <boost/mpl/vector.hpp>
#include <boost/msm/back/state_machine.hpp>
#include <boost/msm/front/state_machine_def.hpp>

namespace vflow::runtime {

namespace {

namespace msm = boost::msm;
namespace mpl = boost::mpl;

struct ev_complete {};
struct ev_suspend {};
struct ev_resume {};
struct ev_cancel {};

struct lifecycle_def : msm::front::state_machine_def<lifecycle_def> {
  struct Active : msm::front::state<> {};
  struct Suspended : msm::front::state<> {};
  struct Completed : msm::front::state<> {};
  struct Cancelled : msm::front::state<> {};

  using initial_state = Active;

  // clang-format off
  struct transition_table : mpl::vector<
    //      Start      Event        Next
    _row<Active,    ev_complete, Completed>,
    _row<Active,    ev_suspend,  Suspended>,
    _row<Active,    ev_cancel,   Cancelled>,
    _row<Suspended, ev_resume,   Active>,
    _row<Suspended, ev_cancel,   Cancelled>
  > {};
  // clang-format on

  template <class Fsm, class Event>
  void no_transition(const Event&, Fsm&, int) {
    refused = true;
  }

  bool refused = false;
};

using lifecycle_machine = msm::back::state_machine<lifecycle_def>;

// The lifecycle a machine state id stands for, asking MSM for each state's id.
template <typename State>
constexpr int id_of = msm::back::get_state_id<lifecycle_machine::stt, State>::value;

lifecycle from_state_id(int id) {
  if (id == id_of<lifecycle_def::Active>) return lifecycle::active;
  if (id == id_of<lifecycle_def::Suspended>) return lifecycle::suspended;
  if (id == id_of<lifecycle_def::Completed>) return lifecycle::completed;
  return lifecycle::cancelled;
}

template <typename Event>
void process(lifecycle_machine& m) {
  m.process_event(Event{});
}

void process(lifecycle_machine& m, lifecycle_event e) {
  switch (e) {
    case lifecycle_event::complete: process<ev_complete>(m); break;
    case lifecycle_event::suspend: process<ev_suspend>(m); break;
    case lifecycle_event::resume: process<ev_resume>(m); break;
    case lifecycle_event::cancel: process<ev_cancel>(m); break;
  }
}

}  // namespace

std::string_view to_string(lifecycle l) {
  switch (l) {
    case lifecycle::active: return "active";
    case lifecycle::suspended: return "suspended";
    case lifecycle::completed: return "completed";
    case lifecycle::cancelled: return "cancelled";
  }
  return "?";
}

std::optional<lifecycle> parse_lifecycle(std::string_view name) {
  for (const lifecycle l :
       {lifecycle::active, lifecycle::suspended, lifecycle::completed, lifecycle::cancelled}) {
    if (to_string(l) == name) return l;
  }
  return std::nullopt;
}

std::string_view to_string(lifecycle_event e) {
  switch (e) {
    case lifecycle_event::complete: return "complete";
    case lifecycle_event::suspend: return "suspend";
    case lifecycle_event::resume: return "resume";
    case lifecycle_event::cancel: return "cancel";
  }
  return "?";
}

std::optional<lifecycle> next_lifecycle(lifecycle from, lifecycle_event e) {
  lifecycle_machine m;
  m.start();
  // Bring the machine to `from` along the table, then ask it about `e`.
  switch (from) {
    case lifecycle::active: break;
    case lifecycle::suspended: process(m, lifecycle_event::suspend); break;
    case lifecycle::completed: process(m, lifecycle_event::complete); break;
    case lifecycle::cancelled: process(m, lifecycle_event::cancel); break;
  }
  process(m, e);
  if (m.refused) return std::nullopt;
  return from_state_id(m.current_state()[0]);
}

}  // namespace vflow::runtime
