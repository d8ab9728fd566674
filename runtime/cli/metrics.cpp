// `vflow metrics`: time in state, lead time, SLA breaches and the DORA four keys, from the
// journal, as text or JSON.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "runtime/cli/cli.hpp"
#include "runtime/cli/output.hpp"
#include "runtime/metrics.hpp"

namespace vflow::cli {

namespace {

struct metrics_args {
  std::string workflow, since, until;
};

json summary_json(const runtime::duration_summary& s) {
  if (s.count == 0) return {{"count", 0}, {"mean", nullptr}, {"median", nullptr}, {"p90", nullptr}};
  return {{"count", s.count},
          {"mean", engine::format_duration(s.mean)},
          {"median", engine::format_duration(s.median)},
          {"p90", engine::format_duration(s.p90)},
          {"mean_ms", s.mean},
          {"median_ms", s.median},
          {"p90_ms", s.p90}};
}

std::string summary_text(const runtime::duration_summary& s) {
  if (s.count == 0) return "-";
  return "n " + std::to_string(s.count) + ", mean " + engine::format_duration(s.mean) +
         ", median " + engine::format_duration(s.median) + ", p90 " +
         engine::format_duration(s.p90);
}

std::string percent(std::size_t part, std::size_t whole) {
  if (whole == 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%",
                100.0 * static_cast<double>(part) / static_cast<double>(whole));
  return buf;
}

int run_metrics(const metrics_args& a, const global_options& g) {
  runtime::metrics_request req;
  if (!a.workflow.empty()) req.workflow = a.workflow;
  req.since = time_or_date(a.since, "--since");
  req.until = time_or_date(a.until, "--until");
  auto rt = open_runtime(g, db_access::read);
  const auto m = runtime::compute_metrics(rt, req);
  const auto& d = m.dora;
  const double weeks = d.window_ms ? static_cast<double>(*d.window_ms) / (7 * 86400000.0) : 0;
  if (g.json) {
    json states = json::array(), leads = json::array(), breaches = json::array();
    for (const auto& s : m.states) {
      states.push_back(
          {{"workflow", s.workflow}, {"state", s.state}, {"time", summary_json(s.time)}});
    }
    for (const auto& l : m.lead_times) {
      leads.push_back({{"workflow", l.workflow}, {"time", summary_json(l.time)}});
    }
    for (const auto& b : m.breaches) {
      breaches.push_back({{"workflow", b.workflow},
                          {"state", b.state},
                          {"timer", b.timer},
                          {"breaches", b.breaches}});
    }
    print_json(json{
        {"format_version", format_version},
        {"instances", m.instances},
        {"records", m.records},
        {"since", req.since ? json(engine::format_time(*req.since)) : json()},
        {"until", req.until ? json(engine::format_time(*req.until)) : json()},
        {"time_in_state", states},
        {"lead_time", leads},
        {"sla_breaches", breaches},
        {"dora",
         {{"deployments", d.deployments},
          {"deployments_per_week",
           weeks > 0 ? json(static_cast<double>(d.deployments) / weeks) : json()},
          {"lead_time_for_changes", summary_json(d.lead_time_for_changes)},
          {"changes_finished", d.changes_finished},
          {"changes_failed", d.changes_failed},
          {"change_failure_rate", d.changes_finished ? json(static_cast<double>(d.changes_failed) /
                                                            static_cast<double>(d.changes_finished))
                                                     : json()},
          {"time_to_restore", summary_json(d.time_to_restore)}}}});
    return exit_ok;
  }
  std::cout << "metrics of " << m.instances << " instances (" << m.records << " journal records)";
  if (req.since || req.until) {
    std::cout << ", window " << (req.since ? engine::format_time(*req.since) : "-") << " to "
              << (req.until ? engine::format_time(*req.until) : "-");
  }
  std::cout << "\n\ntime in state (visits that ended)\n";
  for (const auto& s : m.states) {
    std::cout << "  " << safe(s.workflow) << ' ' << safe(s.state) << ": " << summary_text(s.time)
              << '\n';
  }
  std::cout << "\nlead time (start to completion)\n";
  for (const auto& l : m.lead_times) {
    std::cout << "  " << safe(l.workflow) << ": " << summary_text(l.time) << '\n';
  }
  std::cout << "\nSLA breaches (timers that fired)\n";
  for (const auto& b : m.breaches) {
    std::cout << "  " << safe(b.workflow) << ' ' << safe(b.state) << " after " << safe(b.timer)
              << ": " << b.breaches << '\n';
  }
  if (m.breaches.empty()) std::cout << "  none\n";
  std::cout << "\nDORA four keys\n"
            << "  deployment frequency:  " << d.deployments << " deployments";
  if (weeks > 0) {
    char buf[64];
    std::snprintf(buf, sizeof buf, " (%.2f per week)", static_cast<double>(d.deployments) / weeks);
    std::cout << buf;
  }
  std::cout << "\n  lead time for changes: " << summary_text(d.lead_time_for_changes) << '\n'
            << "  change failure rate:   " << percent(d.changes_failed, d.changes_finished) << " ("
            << d.changes_failed << " of " << d.changes_finished << " changes failed)\n"
            << "  time to restore:       " << summary_text(d.time_to_restore) << '\n';
  return exit_ok;
}

}  // namespace

void add_metrics_command(CLI::App& app, global_options& g, command_runner& run) {
  auto args = std::make_shared<metrics_args>();
  CLI::App* cmd = app.add_subcommand(
      "metrics", "Time in state, lead time, SLA breaches and the DORA four keys, from the journal");
  cmd->add_option("--workflow", args->workflow, "Only instances of this workflow");
  cmd->add_option("--since", args->since, "Count what ended at or after this time");
  cmd->add_option("--until", args->until, "Count what ended before this time");
  cmd->footer(
      "DORA keys: deployments = Releases reaching Deployed; lead time for changes = Release\n"
      "created to Deployed; change failure rate = Changes reaching Failed over those reaching\n"
      "Completed or Failed; time to restore = Incident created to Resolved (docs/audit.md).\n"
      "Example: vflow metrics --since 2026-11-01 --until 2026-12-01");
  cmd->callback([&run, &g, args] { run = [&g, args] { return run_metrics(*args, g); }; });
}

}  // namespace vflow::cli
