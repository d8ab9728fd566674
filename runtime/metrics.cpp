// Metrics from the journal (runtime/metrics.hpp).
#include "runtime/metrics.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <set>

namespace vflow::runtime {

namespace {

using json = nlohmann::json;

// The atomic (leaf) states of a configuration as the journal stores it.
std::set<std::string> leaves(const engine::machine& m, const std::string& configuration) {
  std::set<std::string> out;
  for (const auto& s : json::parse(configuration)) {
    const auto id = m.find_state(s.get<std::string>());
    if (id && m.state(*id).kind == engine::state_kind::atomic) out.insert(s.get<std::string>());
  }
  return out;
}

}  // namespace

duration_summary summarise(std::vector<std::int64_t>& d) {
  duration_summary s;
  s.count = d.size();
  if (d.empty()) return s;
  std::sort(d.begin(), d.end());
  s.mean =
      std::accumulate(d.begin(), d.end(), std::int64_t{0}) / static_cast<std::int64_t>(d.size());
  // Nearest rank: the smallest value with at least p% of the values at or below it.
  const auto rank = [&](std::size_t p) { return d[(p * d.size() + 99) / 100 - 1]; };
  s.median = rank(50);
  s.p90 = rank(90);
  return s;
}

metrics_report compute_metrics(engine_runtime& rt, const metrics_request& r) {
  metrics_report out;
  const auto in_window = [&](std::int64_t at) {
    return (!r.since || at >= *r.since) && (!r.until || at < *r.until);
  };
  std::map<std::pair<std::string, std::string>, std::vector<std::int64_t>> visits;
  std::map<std::string, std::vector<std::int64_t>> leads;
  std::map<std::tuple<std::string, std::string, std::string>, std::size_t> breaches;
  std::vector<std::int64_t> release_leads, restores;
  find_request all;
  all.filter.workflow = r.workflow;
  all.filter.limit = 0;
  for (const auto& v : rt.find(all).instances) {
    const auto m = rt.machine_of(v.id);
    const auto history = rt.history(v.id);
    if (!m || !history) continue;
    ++out.instances;
    out.records += history->size();
    std::map<std::string, std::int64_t> entered;  // the leaf states active, since when
    bool completed = false, deployed = false, restored = false, finished = false;
    for (const auto& rec : *history) {
      const auto now = leaves(*m, rec.to_config);
      for (auto it = entered.begin(); it != entered.end();) {
        if (now.count(it->first)) {
          ++it;
          continue;
        }
        if (in_window(rec.at)) visits[{v.workflow, it->first}].push_back(rec.at - it->second);
        it = entered.erase(it);
      }
      for (const auto& s : now) entered.emplace(s, rec.at);
      if (rec.kind == record_kind::timer && rec.outcome == record_outcome::taken &&
          in_window(rec.at)) {
        const json timer = json::parse(rec.detail).value("timer", json::object());
        ++breaches[{v.workflow, timer.value("state", std::string()),
                    timer.value("after", std::string())}];
      }
      const bool first_completion = !completed && rec.lifecycle == lifecycle::completed;
      completed = completed || rec.lifecycle == lifecycle::completed;
      if (first_completion && in_window(rec.at)) leads[v.workflow].push_back(rec.at - v.created_at);
      // The DORA keys: the first time each instance reaches the state that counts.
      const auto reaches = [&](const std::string& workflow, const std::string& state, bool& done) {
        if (done || v.workflow != workflow || !now.count(state)) return false;
        done = true;
        return in_window(rec.at);
      };
      if (reaches(r.release_workflow, r.deployed_state, deployed)) {
        ++out.dora.deployments;
        release_leads.push_back(rec.at - v.created_at);
      }
      if (reaches(r.incident_workflow, r.restored_state, restored)) {
        restores.push_back(rec.at - v.created_at);
      }
      bool failed_seen = finished;
      if (reaches(r.change_workflow, r.completed_state, finished)) ++out.dora.changes_finished;
      if (reaches(r.change_workflow, r.failed_state, failed_seen)) {
        finished = true;
        ++out.dora.changes_finished;
        ++out.dora.changes_failed;
      }
    }
  }
  for (auto& [key, d] : visits) out.states.push_back({key.first, key.second, summarise(d)});
  for (auto& [workflow, d] : leads) out.lead_times.push_back({workflow, summarise(d)});
  for (const auto& [key, n] : breaches) {
    out.breaches.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), n});
  }
  if (r.since && r.until) out.dora.window_ms = *r.until - *r.since;
  out.dora.lead_time_for_changes = summarise(release_leads);
  out.dora.time_to_restore = summarise(restores);
  return out;
}

}  // namespace vflow::runtime
