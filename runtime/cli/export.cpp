// `vflow export`: the journal for other tools. OCEL 2.0 (the object-centric event log JSON that
// process-mining tools read: instances as objects with their data over time and their links as
// object-to-object relations, journal records as events related to their instance), or one
// record per line as CSV or JSON Lines.
#include <CLI/CLI.hpp>
#include <iostream>
#include <map>
#include <set>

#include "runtime/cli/cli.hpp"
#include "runtime/cli/output.hpp"
#include "runtime/value_json.hpp"

namespace vflow::cli {

namespace {

struct export_args {
  std::string format = "ocel2";
  std::string workflow, stream, state, since, until;
};

// The OCEL 2.0 attribute type of a declared .flow type.
const char* ocel_type(engine::type t) {
  switch (t.base) {
    case engine::base_type::int_type: return "integer";
    case engine::base_type::bool_type: return "boolean";
    case engine::base_type::time_type: return "time";
    default: return "string";  // strings, and durations as their literal (`4h`)
  }
}

// The OCEL 2.0 attribute type of a JSON value as vflow writes it.
const char* ocel_type(const json& v) {
  if (v.is_boolean()) return "boolean";
  if (v.is_number_integer()) return "integer";
  if (v.is_number()) return "float";
  return "string";
}

// The activity a record stands for: the event, the timer, or what happened to the instance.
std::string activity(const runtime::journal_row& r) {
  if (r.kind == runtime::record_kind::timer) {
    const json after = json::parse(r.detail).value("timer", json::object()).value("after", json());
    return after.is_string() ? "after " + after.get<std::string>() : std::string("timer");
  }
  if (r.kind == runtime::record_kind::start) return "start";
  if (r.kind == runtime::record_kind::gate) return "gate";
  return r.event.value_or(std::string(to_string(r.kind)));
}

// The leaf (atomic) states of a JSON configuration, joined by commas.
std::string leaves(const engine::machine& m, const std::string& configuration) {
  std::string out;
  for (const auto& s : json::parse(configuration)) {
    const auto id = m.find_state(s.get<std::string>());
    if (id && m.state(*id).kind == engine::state_kind::atomic) {
      out += (out.empty() ? "" : ",") + s.get<std::string>();
    }
  }
  return out;
}

// Declares `name` of `type` on an OCEL type's attribute list (once).
void declare(std::map<std::string, std::map<std::string, std::string>>& types,
             const std::string& type, const std::string& name, const std::string& kind) {
  types[type].emplace(name, kind);
}

json types_json(const std::map<std::string, std::map<std::string, std::string>>& types) {
  json out = json::array();
  for (const auto& [name, attributes] : types) {
    json a = json::array();
    for (const auto& [attribute, kind] : attributes)
      a.push_back({{"name", attribute}, {"type", kind}});
    out.push_back({{"name", name}, {"attributes", a}});
  }
  return out;
}

std::string ocel_time(std::int64_t ms) { return engine::format_time(ms); }

int run_export(const export_args& a, const global_options& g) {
  runtime::find_request req;
  const auto given = [](const std::string& s) {
    return s.empty() ? std::nullopt : std::optional(s);
  };
  req.filter.workflow = given(a.workflow);
  req.filter.stream = given(a.stream);
  req.filter.state = given(a.state);
  req.filter.limit = 0;
  const auto since = time_or_date(a.since, "--since");
  const auto until = time_or_date(a.until, "--until");
  auto rt = open_runtime(g, db_access::read);
  const auto found = rt.find(req);
  const auto in_range = [&](const runtime::journal_row& r) {
    return (!since || r.at >= *since) && (!until || r.at < *until);
  };
  if (a.format != "ocel2") {
    if (a.format == "csv") {
      std::cout << "gseq,instance,workflow,seq,kind,activity,actor,outcome,reason,at,recorded_at,"
                   "params,changes,hash\r\n";
    }
    // Records of all the instances, in journal order.
    std::vector<std::pair<runtime::journal_row, std::string>> records;
    for (const auto& v : found.instances) {
      auto history = rt.history(v.id);
      if (!history) continue;
      for (auto& r : *history) {
        if (in_range(r)) records.emplace_back(std::move(r), v.workflow);
      }
    }
    std::sort(records.begin(), records.end(),
              [](const auto& x, const auto& y) { return x.first.gseq < y.first.gseq; });
    for (const auto& [r, workflow] : records) {
      if (a.format == "jsonl") {
        json j = to_json(r);
        j["instance"] = r.instance;
        j["workflow"] = workflow;
        std::cout << j.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
      } else {
        std::cout << r.gseq << ',' << csv_field(r.instance) << ',' << csv_field(workflow) << ','
                  << r.seq << ',' << to_string(r.kind) << ',' << csv_field(activity(r)) << ','
                  << csv_field(r.actor.value_or("")) << ',' << to_string(r.outcome) << ','
                  << csv_field(r.reason.value_or("")) << ',' << ocel_time(r.at) << ','
                  << ocel_time(r.recorded_at) << ',' << csv_field(r.params) << ','
                  << csv_field(r.changes) << ',' << r.hash << "\r\n";
      }
    }
    return exit_ok;
  }

  std::map<std::string, std::map<std::string, std::string>> object_types, event_types;
  std::set<std::string> exported;
  for (const auto& v : found.instances) exported.insert(v.id);
  json objects = json::array();
  std::vector<json> events;
  for (const auto& found_instance : found.instances) {
    const auto status = rt.status(found_instance.id);  // with its links
    const auto m = rt.machine_of(found_instance.id);
    const auto history = rt.history(found_instance.id);
    if (!status || !m || !history) continue;
    const runtime::instance_view& v = *status;
    const std::string type = v.workflow;
    declare(object_types, type, "vflow:state", "string");
    declare(object_types, type, "vflow:lifecycle", "string");
    for (const auto& f : m->fields) declare(object_types, type, f.name, ocel_type(f.declared));
    // Each field's value over time: its first value when the instance was created, then every
    // change the journal records; the state and lifecycle likewise.
    json attributes = json::array();
    std::set<std::string> seen;
    std::string state;
    std::optional<runtime::lifecycle> lifecycle;
    for (const auto& r : *history) {
      for (const auto& c : json::parse(r.changes)) {
        const json name = c.value("field", json());
        const auto f = name.is_string() ? m->find_field(name.get<std::string>()) : std::nullopt;
        if (!f) continue;
        const auto declared = m->field(*f).declared;
        const auto value_of = [&](const char* key) {  // as the declared type, e.g. bools as such
          const json x = c.value(key, json());
          if (declared.base == engine::base_type::bool_type && x.is_number()) return json(x != 0);
          return x;
        };
        if (seen.insert(name).second && r.kind != runtime::record_kind::start &&
            !value_of("before").is_null()) {
          attributes.push_back(
              {{"name", name}, {"time", ocel_time(v.created_at)}, {"value", value_of("before")}});
        }
        if (!value_of("after").is_null()) {
          attributes.push_back(
              {{"name", name}, {"time", ocel_time(r.at)}, {"value", value_of("after")}});
        }
      }
      const std::string now = leaves(*m, r.to_config);
      if (now != state) {
        attributes.push_back({{"name", "vflow:state"}, {"time", ocel_time(r.at)}, {"value", now}});
        state = now;
      }
      if (r.lifecycle != lifecycle) {
        attributes.push_back({{"name", "vflow:lifecycle"},
                              {"time", ocel_time(r.at)},
                              {"value", to_string(r.lifecycle)}});
        lifecycle = r.lifecycle;
      }
      if (!in_range(r)) continue;
      const std::string event_type = type + " " + activity(r);
      json ea = json::array();
      const auto add = [&](const std::string& name, const json& value) {
        if (value.is_null()) return;
        declare(event_types, event_type, name, ocel_type(value));
        ea.push_back({{"name", name}, {"value", value}});
      };
      add("vflow:gseq", r.gseq);
      add("vflow:outcome", std::string(to_string(r.outcome)));
      add("vflow:actor", r.actor ? json(*r.actor) : json());
      add("vflow:reason", r.reason ? json(*r.reason) : json());
      const json params = json::parse(r.params);
      json relationships = json::array({{{"objectId", v.id}, {"qualifier", "instance"}}});
      if (r.kind == runtime::record_kind::link) {
        const json other = params.value("other", json());
        if (other.is_string() && exported.count(other.get<std::string>())) {
          const json link = params.value("link", json());
          const json via = params.value("via", json());
          relationships.push_back({{"objectId", other},
                                   {"qualifier", link.is_string()  ? link
                                                 : via.is_string() ? via
                                                                   : json("link")}});
        }
      } else {
        for (const auto& [name, value] : params.items()) {
          if (!value.is_array()) {
            add(name, value);
            continue;
          }
          // Links given at start: the instances the event relates to, qualified by the link.
          for (const auto& id : value) {
            if (id.is_string() && exported.count(id.get<std::string>())) {
              relationships.push_back({{"objectId", id}, {"qualifier", name}});
            }
          }
        }
      }
      events.push_back({{"id", "e" + std::to_string(r.gseq)},
                        {"type", event_type},
                        {"time", ocel_time(r.at)},
                        {"attributes", ea},
                        {"relationships", relationships},
                        {"gseq", r.gseq}});
    }
    // Fields never changed keep the value they have now, since the instance was created.
    for (const auto& [name, value] : v.data) {
      if (!seen.count(name) && !value.is_null()) {
        attributes.push_back({{"name", name},
                              {"time", ocel_time(v.created_at)},
                              {"value", runtime::shown_json(value)}});
      }
    }
    json relationships = json::array();
    for (const auto& [link, targets] : v.links) {
      for (const auto& target : targets) {
        if (exported.count(target)) {
          relationships.push_back({{"objectId", target}, {"qualifier", link}});
        }
      }
    }
    objects.push_back({{"id", v.id},
                       {"type", type},
                       {"attributes", attributes},
                       {"relationships", relationships}});
  }
  std::sort(events.begin(), events.end(),
            [](const json& x, const json& y) { return x["gseq"] < y["gseq"]; });
  json event_list = json::array();
  for (auto& e : events) {
    e.erase("gseq");
    event_list.push_back(std::move(e));
  }
  print_json(json{{"objectTypes", types_json(object_types)},
                  {"eventTypes", types_json(event_types)},
                  {"objects", objects},
                  {"events", event_list}});
  return exit_ok;
}

}  // namespace

void add_export_command(CLI::App& app, global_options& g, command_runner& run) {
  auto args = std::make_shared<export_args>();
  CLI::App* cmd = app.add_subcommand(
      "export", "Export the journal: OCEL 2.0 for process mining, or CSV / JSON Lines records");
  cmd->add_option("--format", args->format, "ocel2 (default), csv or jsonl")
      ->check(CLI::IsMember({"ocel2", "csv", "jsonl"}));
  cmd->add_option("--workflow", args->workflow, "Only instances of this workflow");
  cmd->add_option("--stream", args->stream, "Only instances of this value stream");
  cmd->add_option("--state", args->state, "Only instances in this state now");
  cmd->add_option("--since", args->since, "Only records at or after this time");
  cmd->add_option("--until", args->until, "Only records before this time");
  cmd->footer(
      "OCEL 2.0: each instance is an object of its workflow's type, with its fields, state and\n"
      "lifecycle over time and its links as object-to-object relations; each journal record is\n"
      "an event of type 'WORKFLOW ACTIVITY' related to its instance (and, for a link, the other).\n"
      "Example: vflow export --stream D2C > d2c.ocel.json");
  CLI::App* scxml = add_export_scxml_command(*cmd, g, run);
  cmd->callback([&run, &g, args, scxml] {
    if (scxml->parsed()) return;  // `export scxml FILE`: a workflow, not the journal
    run = [&g, args] { return run_export(*args, g); };
  });
}

}  // namespace vflow::cli
