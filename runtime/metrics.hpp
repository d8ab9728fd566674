// Process metrics from the journal: time in state, lead time, SLA breaches, and the DORA four
// keys read from the library's Release, Change and Incident workflows. Computed through the
// embedding API only (find, history, machine_of).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/runtime.hpp"

namespace vflow::runtime {

/// What to measure: the instances of a workflow (default: all) and the window [since, until) in
/// which a visit, a completion, a breach or a deployment must end to count.
struct metrics_request {
  std::optional<std::string> workflow;
  std::optional<std::int64_t> since, until;
  /// Which workflows and states the DORA keys read.
  std::string release_workflow = "Release", deployed_state = "Deployed";
  std::string change_workflow = "Change", completed_state = "Completed", failed_state = "Failed";
  std::string incident_workflow = "Incident", restored_state = "Resolved";
};

/// Durations in ms: how many, mean, median and 90th percentile (nearest rank).
struct duration_summary {
  std::size_t count = 0;
  std::int64_t mean = 0, median = 0, p90 = 0;
};

/// Summarises `durations` (which it sorts).
duration_summary summarise(std::vector<std::int64_t>& durations);

struct state_time {
  std::string workflow, state;
  duration_summary time;  ///< completed visits: entered and left
};

struct lead_time {
  std::string workflow;
  duration_summary time;  ///< start to completion (lifecycle `completed`)
};

struct breach_count {
  std::string workflow, state, timer;
  std::size_t breaches = 0;  ///< timers that fired (taken); lapsed ones do not count
};

/// The DORA four keys.
struct dora_keys {
  std::size_t deployments = 0;             ///< releases that reached the deployed state
  std::optional<std::int64_t> window_ms;   ///< the window, when bounded on both sides
  duration_summary lead_time_for_changes;  ///< release created to deployed
  std::size_t changes_finished = 0,
              changes_failed = 0;    ///< change failure rate = failed / finished
  duration_summary time_to_restore;  ///< incident created to the restored state
};

struct metrics_report {
  std::vector<state_time> states;
  std::vector<lead_time> lead_times;
  std::vector<breach_count> breaches;
  dora_keys dora;
  std::size_t instances = 0, records = 0;
};

/// Reads every matching instance's journal and measures it.
metrics_report compute_metrics(engine_runtime& rt, const metrics_request& r);

}  // namespace vflow::runtime
