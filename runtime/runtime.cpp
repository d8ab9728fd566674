// The runtime: requests in, one store transaction each, outcomes out. Instance data is a typed
// vector inside; JSON only at the store boundary.
#include "runtime/runtime.hpp"

#include <spdlog/spdlog.h>
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>

#include "dsl/compiler.hpp"
#include "dsl/printer.hpp"
#include "dsl/suggest.hpp"
#include "engine/step.hpp"
#include "engine/text.hpp"
#include "runtime/encoding.hpp"
#include "runtime/sha256.hpp"
#include "runtime/value_json.hpp"

namespace vflow::runtime {

using json = nlohmann::ordered_json;

std::string_view to_string(status s) {
  switch (s) {
    case status::ok: return "ok";
    case status::rejected: return "rejected";
    case status::not_found: return "not_found";
    case status::conflict: return "conflict";
    case status::invalid: return "invalid";
  }
  return "?";
}

std::int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

std::string names_list(const std::vector<std::string_view>& names) {
  std::string out;
  for (const auto n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

template <typename Defs>
std::vector<std::string_view> names_of(const Defs& defs) {
  std::vector<std::string_view> out;
  for (const auto& d : defs) out.emplace_back(d.name);
  return out;
}

// A deployed definition together with its compiled machine.
struct compiled {
  definition_row row;
  engine::machine machine;
};

std::string generate_id(const std::string& workflow) {
  static std::mt19937_64 rng(std::random_device{}() ^ static_cast<std::uint64_t>(wall_clock_ms()));
  static constexpr char hex[] = "0123456789abcdef";
  std::string id;
  for (const char c : workflow)
    id += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  id += '-';
  std::uint64_t bits = rng();
  for (int i = 0; i < 12; ++i, bits >>= 4) id += hex[bits & 0xf];
  return id;
}

// Text from outside must be UTF-8: the journal is JSON and append-only, so one bad byte would
// break every later read of it. Ids must be safe identifiers: they are printed to terminals and
// logs and used in file names. A message naming the first problem, or nothing.
std::optional<std::string> bad_id(const char* what, const std::optional<std::string>& id) {
  if (!id || engine::is_safe_id(*id)) return std::nullopt;
  return std::string(what) + " '" + engine::escape_for_terminal(*id) +
         "' is not a valid id: use 1 to " + std::to_string(engine::max_id_length) +
         " letters, digits and . _ : @ / + - starting with a letter or digit";
}

std::optional<std::string> bad_text(const std::optional<std::string>& actor,
                                    const named_values& values,
                                    const std::optional<std::string>& reason = std::nullopt) {
  if (actor && !engine::is_utf8(*actor)) return "the actor is not valid UTF-8";
  if (reason && !engine::is_utf8(*reason)) return "the reason is not valid UTF-8";
  for (const auto& [name, text] : values) {
    if (!engine::is_utf8(name) || !engine::is_utf8(text)) {
      return "the value of '" + engine::escape_for_terminal(name) + "' is not valid UTF-8";
    }
  }
  return std::nullopt;
}

// An outcome refusing bad input: nothing was read or written.
step_outcome invalid_input(std::string message) {
  step_outcome out;
  out.status = status::invalid;
  out.message = std::move(message);
  return out;
}

engine::value actor_value(const std::optional<std::string>& actor) {
  return actor ? engine::value::of_string(*actor) : engine::value::null();
}

}  // namespace

struct engine_runtime::impl {
  std::unique_ptr<store> db;
  std::mutex cache_mutex;
  std::map<std::string, std::shared_ptr<const compiled>> cache;  // by definition hash

  // The store's transactions. A record that is not the JSON vflow wrote (a database someone
  // else wrote or altered) is a store error with a message of ours, not the JSON library's.
  void write(const std::function<void(store_transaction&)>& work) {
    readable([&] { db->write(work); });
  }
  void read(const std::function<void(store_transaction&)>& work) {
    readable([&] { db->read(work); });
  }
  template <typename F>
  static void readable(F&& body) {
    try {
      body();
    } catch (const nlohmann::json::exception& e) {
      spdlog::debug("malformed record: {}", e.what());
      throw store_error(-1,
                        "the database holds a record this vflow cannot read (malformed JSON): it "
                        "was not written by vflow, or has been altered");
    }
  }

  // The compiled machine of a stored definition, compiled once per process.
  std::shared_ptr<const compiled> load(store_transaction& t, const std::string& hash) {
    {
      std::lock_guard lock(cache_mutex);
      const auto it = cache.find(hash);
      if (it != cache.end()) return it->second;
    }
    auto row = t.definition(hash);
    if (!row) throw store_error(-1, "the store has no definition " + hash);
    auto r = dsl::compile(row->source, row->source_name);
    const auto m = std::find_if(r.machines.begin(), r.machines.end(),
                                [&](const engine::machine& x) { return x.name == row->name; });
    if (!r.ok() || m == r.machines.end()) {
      throw store_error(-1, "stored definition " + row->name + " v" + std::to_string(row->version) +
                                " no longer compiles");
    }
    auto c = std::make_shared<const compiled>(compiled{std::move(*row), std::move(*m)});
    std::lock_guard lock(cache_mutex);
    return cache.emplace(hash, std::move(c)).first->second;
  }

  instance_view view(const compiled& c, const instance_row& row, bool with_data = true) {
    instance_view v;
    v.id = row.id;
    v.workflow = row.workflow;
    v.version = c.row.version;
    v.stream = c.row.stream;
    v.definition = row.definition;
    v.lifecycle = parse_lifecycle(row.lifecycle).value_or(lifecycle::active);
    for (const auto& s : json::parse(row.configuration)) {
      const std::string name = s.get<std::string>();
      v.configuration.push_back(name);
      const auto id = c.machine.find_state(name);
      if (id && c.machine.state(*id).kind == engine::state_kind::atomic) v.state.push_back(name);
    }
    if (with_data) {
      const auto data = data_from_json(c.machine, row.data);
      for (std::size_t i = 0; i < data.size(); ++i)
        v.data.emplace_back(c.machine.fields[i].name, data[i]);
    }
    const json memory = json::parse(row.memory);
    const json history = memory.value("history", json::object());
    for (const auto& [h, states] : history.items()) {
      v.history.emplace_back(h, states.get<std::vector<std::string>>());
    }
    const json timers = memory.value("timers", json::array());
    for (const auto& t : timers) {
      v.timers.push_back({t["state"].get<std::string>(), t["after"].get<std::string>(),
                          t["line"].get<std::uint32_t>(), t["due_ms"].get<std::int64_t>()});
    }
    v.seq = row.seq;
    v.created_at = row.created_at;
    v.updated_at = row.updated_at;
    return v;
  }

  // Parses `name=value` event parameters by their declared types; a message when they are wrong.
  static std::optional<std::string> parse_params(const engine::event_def& ev,
                                                 const named_values& given,
                                                 engine::event_call& call, json& params) {
    call.params.assign(ev.params.size(), engine::value::null());
    std::vector<bool> seen(ev.params.size(), false);
    for (const auto& [name, text] : given) {
      std::size_t p = 0;
      while (p < ev.params.size() && ev.params[p].name != name) ++p;
      if (p == ev.params.size()) {
        std::string message = "event '" + ev.name + "' has no parameter '" + name + "'";
        const std::string help = dsl::did_you_mean(name, names_of(ev.params));
        message += !help.empty()       ? "; " + help
                   : ev.params.empty() ? std::string(" (it takes none)")
                                       : " (parameters: " + names_list(names_of(ev.params)) + ")";
        return message;
      }
      if (seen[p]) return "parameter '" + name + "' of event '" + ev.name + "' is given twice";
      const auto v = engine::parse_value(ev.params[p].declared, text);
      if (!v) {
        return "parameter '" + name + "' of event '" + ev.name + "' must be " +
               engine::to_string(ev.params[p].declared) + ", got '" + text + "'";
      }
      call.params[p] = *v;
      seen[p] = true;
    }
    for (std::size_t p = 0; p < ev.params.size(); ++p) {
      if (!seen[p] && !ev.params[p].declared.nullable) {
        return "missing parameter '" + ev.params[p].name + "' of event '" + ev.name + "' (" +
               engine::to_string(ev.params[p].declared) + ")";
      }
      params[ev.params[p].name] = value_to_json(call.params[p]);
    }
    return std::nullopt;
  }

  // Resolves an event by name; a message (with a suggestion) when the workflow has no such event.
  static std::optional<engine::event_id> find_event(const engine::machine& m,
                                                    const std::string& name, std::string& message) {
    const auto event = m.find_event(name);
    if (!event) {
      message = "unknown event '" + name + "' of workflow " + m.name;
      const std::string help = dsl::did_you_mean(name, names_of(m.events));
      message += help.empty() ? " (events: " + names_list(names_of(m.events)) + ")" : "; " + help;
    }
    return event;
  }

  // The instance `id`, or nothing with `out` saying it is unknown.
  static std::optional<instance_row> find_instance(store_transaction& t, const std::string& id,
                                                   step_outcome& out) {
    auto row = t.instance(id);
    if (!row) {
      out.status = status::not_found;
      out.message = "unknown instance '" + id + "'";
    }
    return row;
  }

  // Runs `body(t, row, compiled, out)` on instance `id` inside one write transaction; an unknown
  // instance is reported in the outcome without calling `body`.
  template <typename Body>
  step_outcome on_instance(const std::string& id, Body&& body) {
    step_outcome out;
    write([&](store_transaction& t) {
      out = step_outcome{};
      auto row = find_instance(t, id, out);
      if (!row) return;
      body(t, row, load(t, row->definition), out);
    });
    return out;
  }

  // The next journal record of an instance, before anything is decided: nothing changes yet.
  static journal_row next_record(const instance_row& row, std::string kind,
                                 const std::optional<std::string>& actor, std::int64_t at) {
    journal_row j;
    j.instance = row.id;
    j.seq = row.seq + 1;
    j.definition = row.definition;
    j.kind = std::move(kind);
    j.actor = actor;
    j.at = at;
    j.recorded_at = wall_clock_ms();
    j.from_config = row.configuration;
    j.to_config = row.configuration;
    j.lifecycle = row.lifecycle;
    return j;
  }

  // Appends `j` and advances the instance to it; `out` reports the record and the instance.
  void commit(store_transaction& t, const compiled& c, instance_row& row, journal_row j,
              step_outcome& out) {
    row.seq = j.seq;
    if (j.kind != "gate") row.updated_at = j.at;  // a question does not change the instance
    t.update_instance(row);
    t.append_journal(j);
    out.status = j.outcome == "taken" ? status::ok : status::rejected;
    out.message = j.reason.value_or("");
    out.instance = view(c, row);
    out.record = std::move(j);
  }

  // The event call for `name` with `given` parameters at `at`, or nothing with `out` saying what
  // is wrong (unknown event, bad parameters). `params` receives the parameters as JSON.
  static std::optional<engine::event_call> make_call(const engine::machine& m,
                                                     const std::string& name,
                                                     const named_values& given, std::int64_t at,
                                                     const std::optional<std::string>& actor,
                                                     json& params, step_outcome& out) {
    const auto event = find_event(m, name, out.message);
    if (!event) {
      out.status = status::invalid;
      return std::nullopt;
    }
    engine::event_call call{*event, {}, at, actor_value(actor)};
    if (auto problem = parse_params(m.event(*event), given, call, params)) {
      out.status = status::invalid;
      out.message = std::move(*problem);
      return std::nullopt;
    }
    return call;
  }

  // What would happen if `call` were delivered now: the step's result on a copy of the state.
  struct decision {
    engine::step_result result;
    engine::instance_state after;
    lifecycle next = lifecycle::active;
    json detail;
  };

  static decision decide(const compiled& c, const instance_row& row, const engine::event_call& call,
                         const std::string& instance_id) {
    const engine::machine& m = c.machine;
    decision d;
    d.after = state_of(m, row);
    const lifecycle lc = parse_lifecycle(row.lifecycle).value_or(lifecycle::active);
    d.next = lc;
    d.detail = json{{"source", c.row.source_name}};
    if (lc != lifecycle::active) {
      d.result.outcome = engine::outcome::rejected;
      d.result.message =
          "instance '" + instance_id + "' is " + std::string(to_string(lc)) + ", not active";
      d.detail["reason_code"] = "not_active";
      return d;
    }
    engine::step(m, d.after, call, d.result, engine::step_options{true});
    d.detail["reason_code"] = std::string(engine::to_string(d.result.reason));
    if (d.result.taken) {
      const auto& tr = m.transition(*d.result.taken);
      d.detail["transition"] = {
          {"line", tr.pos.line},
          {"to", m.state(tr.target == engine::no_state ? tr.source : tr.target).name}};
      if (tr.target == engine::no_state) d.detail["transition"]["targetless"] = true;
    }
    d.detail["trace"] = trace_json(m, d.result);
    if (d.result.is_taken()) d.detail["path"] = path_json(m, d.result.path);
    if (d.result.is_taken() && engine::is_complete(m, d.after)) {
      d.next = next_lifecycle(lc, lifecycle_event::complete).value_or(lc);
    }
    return d;
  }
};

engine_runtime::engine_runtime(std::unique_ptr<store> s) : impl_(std::make_unique<impl>()) {
  impl_->db = std::move(s);
}
engine_runtime::~engine_runtime() = default;
engine_runtime::engine_runtime(engine_runtime&&) noexcept = default;

engine_runtime engine_runtime::open(const std::string& path, const sqlite_options& options) {
  engine_runtime rt(open_sqlite_store(path, options));
  spdlog::debug("opened {} ({})", path, rt.backend());
  return rt;
}

std::string engine_runtime::backend() const { return impl_->db->backend(); }

deploy_outcome engine_runtime::deploy(const std::vector<source_file>& files) {
  deploy_outcome out;
  struct candidate {
    std::string source_name, source, name, stream, hash;
  };
  std::vector<candidate> candidates;
  std::map<std::string, std::string> defined_in;
  for (const source_file& f : files) {
    if (!engine::is_utf8(f.name)) {
      out.diagnostics.push_back({"F0001",
                                 dsl::severity::error,
                                 engine::escape_for_terminal(f.name),
                                 {},
                                 "the file name is not valid UTF-8; rename the file",
                                 {}});
      continue;
    }
    auto r = dsl::compile(f.text, f.name);
    out.diagnostics.insert(out.diagnostics.end(), r.diagnostics.begin(), r.diagnostics.end());
    if (!r.ok()) continue;
    for (std::size_t i = 0; i < r.ast->workflows.size(); ++i) {
      const auto& w = r.ast->workflows[i];
      if (const auto [it, fresh] = defined_in.emplace(w.name, f.name); !fresh) {
        out.diagnostics.push_back({"F0101", dsl::severity::error, f.name, w.name_span,
                                   "duplicate workflow '" + w.name + "'",
                                   "it is also defined in " + it->second});
        continue;
      }
      // The hash is of the canonical text, so comments and layout do not make a new version;
      // the file itself is stored, so explanations point at the lines its author wrote.
      candidates.push_back({f.name, f.text, w.name, r.ast->stream.value_or(""),
                            sha256_hex(dsl::print_workflow(*r.ast, i))});
    }
  }
  if (!out.ok()) return out;
  const std::int64_t now = wall_clock_ms();
  impl_->write([&](store_transaction& t) {
    out.workflows.clear();
    for (const candidate& c : candidates) {
      deployed_workflow d{c.source_name, c.name, 0, c.hash, false, false};
      if (const auto existing = t.definition(c.hash)) {
        d.version = existing->version;
        // An older source deployed again is what new instances should run: make it current.
        const auto current = t.current_definition(c.name);
        d.made_current = !current || current->hash != c.hash;
      } else {
        const auto latest = t.latest_definition(c.name);
        d.version = latest ? latest->version + 1 : 1;
        d.created = true;
        d.made_current = true;
        t.insert_definition({c.hash, c.name, d.version, c.stream, c.source, c.source_name, now});
      }
      if (d.made_current) t.set_current(c.name, c.hash, now);
      out.workflows.push_back(std::move(d));
    }
  });
  for (const auto& d : out.workflows) {
    spdlog::debug("deploy {} v{} {} ({})", d.name, d.version, d.hash.substr(0, 12),
                  d.created        ? "new"
                  : d.made_current ? "current again"
                                   : "unchanged");
  }
  return out;
}

step_outcome engine_runtime::start(const start_request& req) {
  if (auto problem = bad_id("instance id", req.id)) return invalid_input(std::move(*problem));
  if (auto problem = bad_text(req.actor, req.fields)) return invalid_input(std::move(*problem));
  step_outcome out;
  const std::int64_t at = req.at.value_or(wall_clock_ms());
  impl_->write([&](store_transaction& t) {
    out = step_outcome{};
    const auto def = req.version ? t.definition_version(req.workflow, *req.version)
                                 : t.current_definition(req.workflow);
    if (!def) {
      out.status = status::not_found;
      const auto current = req.version ? t.current_definition(req.workflow) : std::nullopt;
      out.message =
          current ? "workflow " + req.workflow + " has no version " + std::to_string(*req.version) +
                        " (the current one is v" + std::to_string(current->version) + ")"
                  : "unknown workflow '" + req.workflow + "' (deploy it first: vflow deploy FILE)";
      return;
    }
    const auto c = impl_->load(t, def->hash);
    const engine::machine& m = c->machine;
    const std::string id = req.id.value_or(generate_id(req.workflow));
    if (t.instance(id)) {
      out.status = status::conflict;
      out.message = "instance '" + id + "' already exists";
      return;
    }
    std::vector<engine::value> data = engine::initial_data(m);
    std::vector<bool> given(m.fields.size(), false);
    json inputs = json::object();
    for (const auto& [name, text] : req.fields) {
      const auto f = m.find_field(name);
      if (!f) {
        out.status = status::invalid;
        out.message = "unknown field '" + name + "' of workflow " + m.name;
        const std::string help = dsl::did_you_mean(name, names_of(m.fields));
        out.message +=
            help.empty() ? " (fields: " + names_list(names_of(m.fields)) + ")" : "; " + help;
        return;
      }
      if (given[engine::index(*f)]) {
        out.status = status::invalid;
        out.message = "field '" + name + "' is given twice";
        return;
      }
      const auto& fd = m.field(*f);
      const auto v = engine::parse_value(fd.declared, text);
      if (!v) {
        out.status = status::invalid;
        out.message = "field '" + name + "' must be " + engine::to_string(fd.declared) + ", got '" +
                      text + "'";
        return;
      }
      data[engine::index(*f)] = *v;
      given[engine::index(*f)] = true;
      inputs[name] = value_to_json(*v);
    }
    for (std::size_t i = 0; i < m.fields.size(); ++i) {
      if (m.fields[i].required && !given[i]) {
        out.status = status::invalid;
        out.message = "missing required field '" + m.fields[i].name + "' (" +
                      engine::to_string(m.fields[i].declared) + ")";
        return;
      }
    }
    engine::instance_state state = engine::initial_state(m, data);
    engine::step_result r;
    engine::start(m, state, actor_value(req.actor), at, r, engine::step_options{true});
    if (!r.is_taken()) {  // a rule cycle or failure on start: nothing is created
      out.status = status::rejected;
      out.message = r.message;
      return;
    }
    const lifecycle lc = engine::is_complete(m, state) ? lifecycle::completed : lifecycle::active;
    instance_row row;
    row.id = id;
    row.definition = def->hash;
    row.workflow = m.name;
    row.lifecycle = std::string(to_string(lc));
    store_state(m, state, row);
    row.seq = 1;
    row.created_at = at;
    row.updated_at = at;
    t.insert_instance(row);
    json changes = json::array();
    for (std::size_t i = 0; i < state.data.size(); ++i) {
      changes.push_back({{"field", m.fields[i].name},
                         {"before", nullptr},
                         {"after", value_to_json(state.data[i])}});
    }
    journal_row j;
    j.instance = id;
    j.seq = 1;
    j.definition = def->hash;
    j.kind = "start";
    j.params = inputs.dump();  // the fields given: replaying start from them reproduces the rules
    j.actor = req.actor;
    j.at = at;
    j.recorded_at = wall_clock_ms();
    j.to_config = row.configuration;
    j.changes = changes.dump();
    j.outcome = "taken";
    j.detail = json{{"source", def->source_name},
                    {"workflow", m.name},
                    {"version", def->version},
                    {"trace", trace_json(m, r)},
                    {"path", path_json(m, r.path)}}
                   .dump();
    j.lifecycle = row.lifecycle;
    t.append_journal(j);
    out.instance = impl_->view(*c, row);
    out.record = std::move(j);
  });
  return out;
}

step_outcome engine_runtime::fire(const fire_request& req) {
  if (auto problem = bad_id("event id", req.event_id)) return invalid_input(std::move(*problem));
  if (auto problem = bad_text(req.actor, req.params)) return invalid_input(std::move(*problem));
  step_outcome out;
  const std::int64_t at = req.at.value_or(wall_clock_ms());
  const auto work = [&](store_transaction& t) {
    out = step_outcome{};
    auto row = impl::find_instance(t, req.id, out);
    if (!row) return;
    const auto c = impl_->load(t, row->definition);
    const engine::machine& m = c->machine;
    json params = json::object();
    const auto made = impl::make_call(m, req.event, req.params, at, req.actor, params, out);
    if (!made) return;
    const engine::event_call& call = *made;
    if (req.event_id && !req.dry_run) {
      if (auto first = t.journal_by_event_id(req.id, *req.event_id)) {
        if (first->event != req.event || json::parse(first->params) != params) {
          out.status = status::conflict;
          out.message = "event id '" + *req.event_id + "' was already used for event '" +
                        first->event.value_or("?") + "' with other parameters (journal seq " +
                        std::to_string(first->seq) + ")";
          return;
        }
        out.duplicate = true;
        out.status = first->outcome == "taken" ? status::ok : status::rejected;
        out.message = first->reason.value_or("");
        out.instance = impl_->view(*c, *row);
        out.record = std::move(first);
        return;
      }
    }
    if (req.expect_seq && *req.expect_seq != row->seq) {
      out.status = status::conflict;
      out.message = "instance '" + req.id + "' is at seq " + std::to_string(row->seq) +
                    ", not the expected " + std::to_string(*req.expect_seq);
      return;
    }
    impl::decision d = impl::decide(*c, *row, call, req.id);
    journal_row j = impl::next_record(*row, "event", req.actor, at);
    j.event = req.event;
    j.params = params.dump();
    j.event_id = req.event_id;
    j.detail = d.detail.dump();
    if (d.result.is_taken()) {
      j.outcome = "taken";
      j.to_config = config_json(m, d.after.configuration).dump();
      j.changes = changes_json(m, d.result.changes).dump();
      store_state(m, d.after, *row);
    } else {
      j.outcome = "rejected";
      j.reason = d.result.message;
    }
    j.lifecycle = std::string(to_string(d.next));
    if (req.dry_run) {  // the same decision, nothing written
      out.status = j.outcome == "taken" ? status::ok : status::rejected;
      out.message = j.reason.value_or("");
      out.instance = impl_->view(*c, *row);
      out.record = std::move(j);
      return;
    }
    row->lifecycle = j.lifecycle;
    impl_->commit(t, *c, *row, std::move(j), out);
  };
  if (req.dry_run) {
    impl_->read(work);
  } else {
    impl_->write(work);
  }
  if (out.record && !out.duplicate) {
    spdlog::debug("fire {} {} -> {} (seq {}){}{}", req.id, req.event, out.record->outcome,
                  out.record->seq, out.message.empty() ? "" : ": " + out.message,
                  req.dry_run ? " [dry run]" : "");
  }
  return out;
}

step_outcome engine_runtime::gate(const gate_request& req) {
  if (auto problem = bad_text(req.actor, req.params)) return invalid_input(std::move(*problem));
  const std::int64_t at = req.at.value_or(wall_clock_ms());
  return impl_->on_instance(req.id, [&](store_transaction& t, std::optional<instance_row>& row,
                                        const std::shared_ptr<const compiled>& c,
                                        step_outcome& out) {
    const engine::machine& m = c->machine;
    journal_row j = impl::next_record(*row, "gate", req.actor, at);
    json detail;
    bool yes = false;
    if (req.can) {
      json params = json::object();
      const auto made = impl::make_call(m, *req.can, req.params, at, req.actor, params, out);
      if (!made) return;
      const engine::event_call& call = *made;
      impl::decision d = impl::decide(*c, *row, call, req.id);
      yes = d.result.is_taken();
      j.event = *req.can;
      j.params = params.dump();
      detail = std::move(d.detail);
      detail["question"] = "can " + *req.can;
      if (!yes) j.reason = d.result.message;
    } else {
      std::string wanted;
      for (const auto& s : req.in) {
        if (!m.find_state(s)) {
          out.status = status::invalid;
          out.message = "unknown state '" + s + "' of workflow " + m.name;
          const std::string help = dsl::did_you_mean(s, names_of(m.states));
          if (!help.empty()) out.message += "; " + help;
          return;
        }
        wanted += (wanted.empty() ? "" : ",") + s;
      }
      const json active = json::parse(row->configuration);
      for (const auto& s : req.in) {
        for (const auto& a : active) yes = yes || a.get<std::string>() == s;
      }
      detail =
          json{{"source", c->row.source_name}, {"question", "in " + wanted}, {"active", active}};
    }
    if (!yes && !req.can) {
      std::string states;
      for (const auto& a : json::parse(row->configuration))
        states += (states.empty() ? "" : ", ") + a.get<std::string>();
      std::string wanted;
      for (const auto& s : req.in) wanted += (wanted.empty() ? "" : ", ") + s;
      j.reason = "instance '" + req.id + "' is in " + states + ", not in " + wanted;
    }
    j.outcome = yes ? "taken" : "rejected";
    j.detail = detail.dump();
    impl_->commit(t, *c, *row, std::move(j), out);
  });
}

tick_outcome engine_runtime::tick(std::optional<std::int64_t> now_opt) {
  tick_outcome out;
  out.now = now_opt.value_or(wall_clock_ms());
  const std::int64_t now = out.now;
  std::vector<std::string> ids;
  impl_->read([&](store_transaction& t) { ids = t.due_instances(now, 100000); });
  for (const std::string& id : ids) {
    std::vector<journal_row> fired;
    // One transaction per instance: the due timers are read again under the write lock, so two
    // ticks running at once never fire a timer twice.
    impl_->write([&](store_transaction& t) {
      fired.clear();
      auto row = t.instance(id);
      if (!row || row->lifecycle != "active") return;
      const auto c = impl_->load(t, row->definition);
      const engine::machine& m = c->machine;
      engine::instance_state state = state_of(m, *row);
      for (;;) {
        const engine::armed_timer* next = nullptr;
        for (const auto& a : state.timers) {
          if (a.due <= now && (!next || a.due < next->due)) next = &a;
        }
        if (!next || row->lifecycle != "active") break;
        const engine::armed_timer timer = *next;
        const engine::timer_def& def = m.timers[timer.timer];
        journal_row j = impl::next_record(*row, "timer", std::nullopt, now);
        j.event = "after " + def.delay_text;
        engine::step_result r;
        engine::fire_timer(m, state, timer.timer, now, r, engine::step_options{true});
        if (!r.is_taken() && r.reason != engine::reject_reason::guards_false) {
          // It could not fire (an evaluation failed): consume it, so a tick never loops.
          state.timers.erase(std::remove(state.timers.begin(), state.timers.end(), timer),
                             state.timers.end());
        }
        json detail{{"source", c->row.source_name},
                    {"reason_code", std::string(engine::to_string(r.reason))},
                    {"timer",
                     {{"index", timer.timer},
                      {"state", m.state(def.source).name},
                      {"line", def.pos.line},
                      {"after", def.delay_text},
                      {"due", engine::format_time(timer.due)}}},
                    {"trace", trace_json(m, r)}};
        if (r.is_taken()) detail["path"] = path_json(m, r.path);
        j.detail = detail.dump();
        if (r.is_taken()) {
          j.outcome = "taken";
          j.to_config = config_json(m, state.configuration).dump();
          j.changes = changes_json(m, r.changes).dump();
          if (engine::is_complete(m, state)) {
            row->lifecycle =
                std::string(to_string(next_lifecycle(lifecycle::active, lifecycle_event::complete)
                                          .value_or(lifecycle::active)));
          }
        } else {
          j.outcome = "rejected";
          j.reason = r.message;
        }
        j.lifecycle = row->lifecycle;
        store_state(m, state, *row);
        row->seq = j.seq;
        row->updated_at = now;
        t.append_journal(j);
        fired.push_back(std::move(j));
      }
      if (!fired.empty()) t.update_instance(*row);
    });
    for (auto& j : fired) {
      spdlog::debug("tick {} {} due {} -> {}", j.instance, j.event.value_or(""),
                    json::parse(j.detail)["timer"]["due"].get<std::string>(), j.outcome);
      out.fired.push_back(std::move(j));
    }
  }
  return out;
}

step_outcome engine_runtime::change_lifecycle(const lifecycle_request& req) {
  if (auto problem = bad_text(req.actor, {}, req.reason)) return invalid_input(std::move(*problem));
  const std::int64_t at = req.at.value_or(wall_clock_ms());
  return impl_->on_instance(
      req.id, [&](store_transaction& t, std::optional<instance_row>& row,
                  const std::shared_ptr<const compiled>& c, step_outcome& out) {
        const lifecycle from = parse_lifecycle(row->lifecycle).value_or(lifecycle::active);
        const auto to = next_lifecycle(from, req.action);
        journal_row j = impl::next_record(*row, "lifecycle", req.actor, at);
        j.event = std::string(to_string(req.action));
        json detail{{"from", to_string(from)}};
        if (req.reason) detail["reason"] = *req.reason;
        if (to) {
          j.outcome = "taken";
          detail["to"] = to_string(*to);
          row->lifecycle = std::string(to_string(*to));
        } else {
          j.outcome = "rejected";
          j.reason = "cannot " + std::string(to_string(req.action)) + " instance '" + req.id +
                     "': it is " + std::string(to_string(from));
        }
        j.detail = detail.dump();
        j.lifecycle = row->lifecycle;
        impl_->commit(t, *c, *row, std::move(j), out);
      });
}

std::optional<instance_view> engine_runtime::status(const std::string& id) {
  std::optional<instance_view> out;
  impl_->read([&](store_transaction& t) {
    out.reset();
    if (const auto row = t.instance(id)) out = impl_->view(*impl_->load(t, row->definition), *row);
  });
  return out;
}

std::optional<definition_row> engine_runtime::definition_of(const std::string& id) {
  std::optional<definition_row> out;
  impl_->read([&](store_transaction& t) {
    out.reset();
    if (const auto row = t.instance(id)) out = t.definition(row->definition);
  });
  return out;
}

std::optional<std::vector<journal_row>> engine_runtime::history(const std::string& id) {
  std::optional<std::vector<journal_row>> out;
  impl_->read([&](store_transaction& t) {
    out.reset();
    if (t.instance(id)) out = t.history(id);
  });
  return out;
}

std::vector<instance_view> engine_runtime::list(const instance_filter& f) {
  std::vector<instance_view> out;
  impl_->read([&](store_transaction& t) {
    out.clear();
    for (const auto& row : t.list(f))
      out.push_back(impl_->view(*impl_->load(t, row.definition), row, false));
  });
  return out;
}

verify_outcome engine_runtime::verify(const std::string& id) {
  verify_outcome out;
  impl_->read([&](store_transaction& t) {
    out = verify_outcome{};
    const auto row = t.instance(id);
    if (!row) {
      out.status = status::not_found;
      out.message = "unknown instance '" + id + "'";
      return;
    }
    const auto c = impl_->load(t, row->definition);
    const engine::machine& m = c->machine;
    const auto records = t.history(id);
    out.records = records.size();
    engine::instance_state state;
    std::string lc;
    for (const journal_row& r : records) {
      if (r.kind == "start") {
        std::vector<engine::value> data = engine::initial_data(m);
        const json inputs = json::parse(r.params);
        for (const auto& [name, v] : inputs.items()) {
          if (const auto f = m.find_field(name))
            data[engine::index(*f)] = value_from_json(v, m.field(*f).declared);
        }
        state = engine::initial_state(m, std::move(data));
        engine::step_result sr;
        engine::start(m, state, actor_value(r.actor), r.at, sr);
      } else if (r.kind == "timer") {
        const json detail = json::parse(r.detail);
        const auto index = detail["timer"]["index"].get<std::uint32_t>();
        engine::step_result sr;
        engine::fire_timer(m, state, index, r.at, sr);
        if ((r.outcome == "taken") != sr.is_taken()) {
          out.message =
              "record " + std::to_string(r.seq) + ": the timer's replay decided differently";
          return;
        }
        if (!sr.is_taken() && sr.reason != engine::reject_reason::guards_false) {
          state.timers.erase(std::remove_if(state.timers.begin(), state.timers.end(),
                                            [&](const auto& a) { return a.timer == index; }),
                             state.timers.end());
        }
      } else if (r.kind == "event" && r.outcome == "taken") {
        const auto ev = m.find_event(r.event.value_or(""));
        if (!ev) {
          out.message = "record " + std::to_string(r.seq) + " names an unknown event";
          return;
        }
        engine::event_call call{*ev, {}, r.at, actor_value(r.actor)};
        const json params = json::parse(r.params);
        for (const auto& p : m.event(*ev).params)
          call.params.push_back(value_from_json(params.value(p.name, json()), p.declared));
        if (!engine::step(m, state, call).is_taken()) {
          out.message =
              "record " + std::to_string(r.seq) + " was taken, but its replay is rejected";
          return;
        }
      }
      if (config_json(m, state.configuration).dump() != r.to_config) {
        out.message =
            "record " + std::to_string(r.seq) + ": replayed state differs from the journal";
        return;
      }
      lc = r.lifecycle;
    }
    const bool same = config_json(m, state.configuration).dump() == row->configuration &&
                      data_json(m, state.data).dump() == row->data &&
                      memory_json(m, state).dump() == row->memory && lc == row->lifecycle &&
                      static_cast<std::int64_t>(records.size()) == row->seq;
    out.consistent = same;
    out.message = same ? "the instance equals the replay of its " + std::to_string(records.size()) +
                             " journal records"
                       : "the stored instance differs from the replay of its journal";
  });
  return out;
}

}  // namespace vflow::runtime
