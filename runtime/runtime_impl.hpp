// The runtime's inside, shared by its translation units: runtime.cpp (requests on one instance),
// links.cpp (links, spawn, send, trace). Private to runtime/.
#pragma once

#include <spdlog/spdlog.h>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>

#include "dsl/compiler.hpp"
#include "dsl/printer.hpp"
#include "dsl/suggest.hpp"
#include "engine/step.hpp"
#include "engine/text.hpp"
#include "runtime/chain.hpp"
#include "runtime/encoding.hpp"
#include "runtime/runtime.hpp"
#include "runtime/secret.hpp"
#include "runtime/value_json.hpp"

namespace vflow::runtime {

using json = nlohmann::ordered_json;

namespace detail {

inline std::string names_list(const std::vector<std::string_view>& names) {
  std::string out;
  for (const auto n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

template <typename Defs>
inline std::vector<std::string_view> names_of(const Defs& defs) {
  std::vector<std::string_view> out;
  for (const auto& d : defs) out.emplace_back(d.name);
  return out;
}

// Whether any field or event parameter of `m` is a secret.
inline bool has_secrets(const engine::machine& m) {
  const auto secret = [](const engine::type& t) {
    return t.base == engine::base_type::secret_type;
  };
  for (const auto& f : m.fields) {
    if (secret(f.declared)) return true;
  }
  for (const auto& e : m.events) {
    for (const auto& p : e.params) {
      if (secret(p.declared)) return true;
    }
  }
  return false;
}

// Whether a call carries a secret.
inline bool has_secret(const engine::event_call& call) {
  return std::any_of(call.params.begin(), call.params.end(), [](const engine::value& v) {
    return v.kind() == engine::base_type::secret_type;
  });
}

// The link of `target` that mirrors link `l` of `source`: the one `l` names as its inverse, or
// one of `target` that names `l` as its inverse. Null when the link is one-sided.
const engine::link_def* inverse_of(const engine::machine& source, const engine::link_def& l,
                                   const engine::machine& target);

// A question's answer says every reason in one message: "2 blockers: ...; ...".
inline void join_blockers(engine::step_result& r) {
  if (r.blockers.size() <= 1) return;
  std::string all = std::to_string(r.blockers.size()) + " blockers: ";
  for (std::size_t i = 0; i < r.blockers.size(); ++i) all += (i ? "; " : "") + r.blockers[i];
  r.message = std::move(all);
}

// A message when an instance in lifecycle `lc` cannot take events (it is not active).
inline std::optional<std::string> not_active(const std::string& id, lifecycle lc) {
  if (lc == lifecycle::active) return std::nullopt;
  return "instance '" + id + "' is " + std::string(to_string(lc)) + ", not active";
}

// A deployed definition together with its compiled machine.
struct compiled {
  definition_row row;
  engine::machine machine;
  bool secrets = false;  // it has a secret field or parameter
};

inline std::string generate_id(const std::string& workflow) {
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
inline std::optional<std::string> bad_id(const char* what, const std::optional<std::string>& id) {
  if (!id || engine::is_safe_id(*id)) return std::nullopt;
  return std::string(what) + " '" + engine::escape_for_terminal(*id) +
         "' is not a valid id: use 1 to " + std::to_string(engine::max_id_length) +
         " letters, digits and . _ : @ / + - starting with a letter or digit";
}

inline std::optional<std::string> bad_text(
    const std::optional<std::string>& actor, const named_values& values,
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
inline step_outcome invalid_input(std::string message) {
  step_outcome out;
  out.status = status::invalid;
  out.message = std::move(message);
  return out;
}

// The hash a definition is stored by: of the canonical text of workflow `name` of `f` (so that
// comments and layout do not make a new version); empty when `f` has no such workflow.
inline std::string canonical_hash(const dsl::flow_file& f, const std::string& name) {
  for (std::size_t i = 0; i < f.workflows.size(); ++i) {
    if (f.workflows[i].name == name) return sha256_hex(dsl::print_workflow(f, i));
  }
  return {};
}

inline engine::value actor_value(const std::optional<std::string>& actor) {
  return actor ? engine::value::of_string(*actor) : engine::value::null();
}

// What a tick fired: an armed timer, or a pending send (as it was, with its place in the list).
struct fired_due {
  std::optional<engine::armed_timer> timer;
  engine::pending_send send;
  std::size_t send_index = 0;
};

// Fires the earliest timer or pending send of `state` due at or before `now` into `r` (a timer
// first when both are due at once); what fired, or nothing when nothing is due. Either is
// consumed even when it could not fire (an evaluation failed), so that firing never loops.
inline std::optional<fired_due> fire_earliest_due(const engine::machine& m,
                                                  engine::instance_state& state, std::int64_t now,
                                                  engine::step_result& r,
                                                  const engine::step_options& options) {
  const engine::armed_timer* next = nullptr;
  for (const auto& a : state.timers) {
    if (a.due <= now && (!next || a.due < next->due)) next = &a;
  }
  std::optional<std::size_t> send;
  for (std::size_t i = 0; i < state.sends.size(); ++i) {
    if (state.sends[i].due <= now && (!send || state.sends[i].due < state.sends[*send].due))
      send = i;
  }
  if (send && (!next || state.sends[*send].due < next->due)) {
    fired_due f{std::nullopt, state.sends[*send], *send};
    engine::deliver_send(m, state, *send, now, r, options);
    return f;
  }
  if (!next) return std::nullopt;
  const engine::armed_timer timer = *next;
  engine::fire_timer(m, state, timer.timer, now, r, options);
  if (!r.is_taken() && r.reason != engine::reject_reason::guards_false) {
    state.timers.erase(std::remove(state.timers.begin(), state.timers.end(), timer),
                       state.timers.end());
  }
  return fired_due{timer, {}, 0};
}

}  // namespace detail

using namespace detail;

struct engine_runtime::impl {
  std::unique_ptr<store> db;
  std::mutex cache_mutex;
  std::map<std::string, std::shared_ptr<const compiled>> cache;  // by definition hash
  std::optional<secret_key> key;  // what secrets are hashed with (set_secret_key)

  // The instance row last decoded or written, with its engine state: the state is a function of
  // the definition and the JSON columns alone, so a row with the same texts has the same state,
  // and a loop of events on one instance decodes nothing.
  struct decoded_row {
    std::string definition, configuration, data, memory;
    engine::instance_state state;
  };
  std::mutex decoded_mutex;
  std::optional<decoded_row> decoded;

  engine::instance_state state_of_row(const compiled& c, const instance_row& row) {
    {
      std::lock_guard lock(decoded_mutex);
      if (decoded && decoded->definition == row.definition &&
          decoded->configuration == row.configuration && decoded->data == row.data &&
          decoded->memory == row.memory) {
        return decoded->state;
      }
    }
    engine::instance_state s = state_of(c.machine, row);
    remember_state(row, s);
    return s;
  }
  // `s` is the engine state of `row` (decoded from it, or what its columns were written from).
  void remember_state(const instance_row& row, const engine::instance_state& s) {
    std::lock_guard lock(decoded_mutex);
    if (!decoded) decoded.emplace();
    decoded->definition = row.definition;
    decoded->configuration = row.configuration;
    decoded->data = row.data;
    decoded->memory = row.memory;
    decoded->state = s;
  }

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
    const std::string what = "stored definition " + row->name + " v" +
                             std::to_string(row->version) + " (" + hash.substr(0, 12) + ")";
    // What it was checked against when deployed decides what its links and sends mean: it must
    // still be what was sealed with it, before anything is compiled against it.
    if (definition_seal(*row) != row->seal) {
      throw store_error(-1, what +
                                " has been altered: the signatures it was checked against when "
                                "deployed no longer match its seal; refusing to run it (see "
                                "`vflow verify --all`)");
    }
    // Compiled against the workflows it was checked against when deployed, which may have
    // changed since: the instance keeps the meaning it was started with.
    const auto imports = signatures_from_json(row->imports);
    auto r = dsl::compile(row->source, row->source_name, {},
                          [&](const std::string& name) -> std::optional<dsl::workflow_signature> {
                            for (const auto& s : imports) {
                              if (s.name == name) return s;
                            }
                            return std::nullopt;
                          });
    const auto m = std::find_if(r.machines.begin(), r.machines.end(),
                                [&](const engine::machine& x) { return x.name == row->name; });
    if (!r.ok() || m == r.machines.end()) throw store_error(-1, what + " no longer compiles");
    // Its source must still be what was deployed: an edited definition is never run.
    if (const auto now = canonical_hash(*r.ast, row->name); now != hash) {
      throw store_error(-1, what + " has been altered: its source now hashes to " +
                                now.substr(0, 12) + ", not " + hash.substr(0, 12) +
                                "; refusing to run it (see `vflow verify --all`)");
    }
    const bool secrets = has_secrets(*m);
    auto c = std::make_shared<const compiled>(compiled{std::move(*row), std::move(*m), secrets});
    std::lock_guard lock(cache_mutex);
    return cache.emplace(hash, std::move(c)).first->second;
  }

  // The instance as callers see it: `row`'s identity and times, and its engine state `s` (what
  // the step just decided, or the row's columns decoded) in names.
  static instance_view view(const compiled& c, const instance_row& row,
                            const engine::instance_state& s, bool with_data = true) {
    const engine::machine& m = c.machine;
    instance_view v;
    v.id = row.id;
    v.workflow = row.workflow;
    v.version = c.row.version;
    v.stream = c.row.stream;
    v.definition = row.definition;
    v.lifecycle = row.lifecycle;
    for (const engine::state_id id : s.configuration) {
      const engine::state_def& st = m.state(id);
      v.configuration.push_back(st.name);
      if (st.kind == engine::state_kind::atomic) v.state.push_back(st.name);
    }
    if (with_data) {
      for (std::size_t i = 0; i < s.data.size() && i < m.fields.size(); ++i)
        v.data.emplace_back(m.fields[i].name, s.data[i]);
    }
    for (const auto& [h, states] : s.history) {
      std::vector<std::string> names;
      for (const engine::state_id id : states) names.push_back(m.state(id).name);
      v.history.emplace_back(m.state(h).name, std::move(names));
    }
    for (const engine::armed_timer& t : s.timers) {
      const engine::timer_def& def = m.timers[t.timer];
      v.timers.push_back({m.state(def.source).name, def.delay_text, def.pos.line, t.due});
    }
    for (const engine::pending_send& p : s.sends)
      v.sends.push_back({m.event(p.event).name, p.name, p.due});
    v.seq = row.seq;
    v.created_at = row.created_at;
    v.updated_at = row.updated_at;
    return v;
  }
  instance_view view(const compiled& c, const instance_row& row, bool with_data = true) {
    return view(c, row, state_of(c.machine, row, with_data), with_data);
  }

  // A value of type `t` from the text a caller gave for `what` (a secret is hashed with the key);
  // nothing, with `problem` saying why, when it is not one.
  std::optional<engine::value> input_value(engine::type t, const std::string& text,
                                           const std::string& what, std::string& problem) const {
    if (t.base != engine::base_type::secret_type || (t.nullable && text == "null")) {
      auto v = engine::parse_value(t, text);
      if (!v) problem = what + " must be " + engine::to_string(t) + ", got '" + text + "'";
      return v;
    }
    if (!key) {
      problem = what +
                " is a secret, and no key to hash secrets with is set (the vflow command reads "
                "it from VFLOW_SECRET_KEY or the file VFLOW_SECRET_KEY_FILE names)";
      return std::nullopt;
    }
    return engine::value::of_secret(key->digest(text));
  }

  // A message when instance `row` holds a secret hashed with another key than this runtime's:
  // comparing it with a secret hashed now would silently be false.
  std::optional<std::string> foreign_secrets(const compiled& c, const instance_row& row) const {
    if (!c.secrets || !key) return std::nullopt;
    const auto data = data_from_json(c.machine, row.data);
    for (std::size_t i = 0; i < data.size(); ++i) {
      if (data[i].kind() != engine::base_type::secret_type) continue;
      const auto id = key_id_of(data[i].as_string());
      if (id != key->id()) {
        return "field '" + c.machine.fields[i].name + "' of instance '" + row.id +
               "' is a secret hashed with key " + std::string(id) + ", but the key set now is " +
               key->id() + ": secrets compare only under the key they were hashed with";
      }
    }
    return std::nullopt;
  }

  // Parses `name=value` event parameters by their declared types; a message when they are wrong.
  std::optional<std::string> parse_params(const engine::event_def& ev, const named_values& given,
                                          engine::event_call& call, json& params) const {
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
      std::string problem;
      const auto v = input_value(ev.params[p].declared, text,
                                 "parameter '" + name + "' of event '" + ev.name + "'", problem);
      if (!v) return problem;
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
    const auto event = m.match_event(name);
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

  // A record as callers see it: the secrets among its parameters (a start's fields, an event's
  // or a gate's parameters) as `***`. The store keeps their digests, which replay needs.
  void redact(journal_row& r);
  void redact(step_outcome& out) {
    if (out.record) redact(*out.record);
  }

  // The next journal record of an instance, before anything is decided: nothing changes yet.
  static journal_row next_record(const instance_row& row, record_kind kind,
                                 const std::optional<std::string>& actor, std::int64_t at) {
    journal_row j;
    j.instance = row.id;
    j.seq = row.seq + 1;
    j.definition = row.definition;
    j.kind = kind;
    j.actor = actor;
    j.at = at;
    j.recorded_at = wall_clock_ms();
    j.from_config = row.configuration;
    j.to_config = row.configuration;
    j.lifecycle = row.lifecycle;
    return j;
  }

  // The row of a new instance of `m` in `state`, before its first record (seq 0).
  static instance_row new_row(const std::string& id, const std::string& definition,
                              const engine::machine& m, const engine::instance_state& state,
                              std::int64_t at) {
    instance_row row;
    row.id = id;
    row.definition = definition;
    row.workflow = m.name;
    row.lifecycle = lifecycle::active;
    store_state(m, state, row);
    row.seq = 0;
    row.created_at = at;
    row.updated_at = at;
    return row;
  }

  // The one way an instance advances, for every kind of record: the row takes record `j`'s
  // sequence and lifecycle, and its time (never going back; a question, a gate, leaves the time
  // alone), and both are written in the transaction, the record getting its global sequence and
  // hash. The caller has put the instance's new state (configuration, data) in `row`.
  static void append(store_transaction& t, instance_row& row, journal_row& j) {
    if (j.instance != row.id || j.seq != row.seq + 1) {
      throw std::logic_error("record " + std::to_string(j.seq) + " of " + j.instance +
                             " does not follow " + row.id + " at seq " + std::to_string(row.seq));
    }
    row.seq = j.seq;
    row.lifecycle = j.lifecycle;
    if (j.kind != record_kind::gate) row.updated_at = std::max(row.updated_at, j.at);
    t.update_instance(row);
    t.append_journal(j);
  }

  // Appends `j` and advances the instance to it; `out` reports the record and the instance.
  // `state`: the instance's engine state after `j`, when the caller has it (else decoded from
  // `row`).
  void commit(store_transaction& t, const compiled& c, instance_row& row, journal_row j,
              step_outcome& out, const engine::instance_state* state = nullptr) {
    append(t, row, j);
    out.status = j.outcome == record_outcome::taken ? status::ok : status::rejected;
    out.message = j.reason.value_or("");
    out.instance = state ? view(c, row, *state) : view(c, row);
    out.record = std::move(j);
  }

  // The event call for `name` with `given` parameters at `at`, or nothing with `out` saying what
  // is wrong (unknown event, bad parameters). `params` receives the parameters as JSON.
  std::optional<engine::event_call> make_call(const engine::machine& m, const std::string& name,
                                              const named_values& given, std::int64_t at,
                                              const std::optional<std::string>& actor, json& params,
                                              step_outcome& out) const {
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

  // Writes decision `d` into record `j` and, when taken, the new state into `row`: outcome,
  // configuration, changes or reason, and the lifecycle after it.
  static void record_decision(const engine::machine& m, const decision& d, journal_row& j,
                              instance_row& row) {
    j.detail = to_text(d.detail);
    if (d.result.is_taken()) {
      j.outcome = record_outcome::taken;
      j.to_config = to_text(config_json(m, d.after.configuration));
      j.changes = to_text(changes_json(m, d.result.changes));
      store_state(m, d.after, row);
    } else {
      j.outcome = record_outcome::rejected;
      j.reason = d.result.message;
    }
    j.lifecycle = d.next;
  }

  // One event on its instance inside `t` (runtime.cpp: fire, and each event of a batch); the
  // outcome in `out`. Throws request_failure when a cascade it causes fails.
  void fire_in(store_transaction& t, const fire_request& req, std::int64_t clock,
               step_outcome& out);

  decision decide(const compiled& c, const instance_row& row, const engine::event_call& call,
                  const std::string& instance_id, const engine::link_snapshot* links = nullptr,
                  const json* links_read = nullptr, bool all_blockers = false) {
    const engine::machine& m = c.machine;
    decision d;
    d.after = state_of_row(c, row);
    const lifecycle lc = row.lifecycle;
    d.next = lc;
    d.detail = json{{"source", c.row.source_name}};
    if (auto inactive = not_active(instance_id, lc)) {
      d.result.outcome = engine::outcome::rejected;
      d.result.message = std::move(*inactive);
      d.detail["reason_code"] = "not_active";
      return d;
    }
    engine::step(m, d.after, call, d.result, engine::step_options{true, links, all_blockers});
    if (d.result.blockers.size() > 1) d.detail["blockers"] = d.result.blockers;
    join_blockers(d.result);
    if (links_read && !links_read->empty()) d.detail["links_read"] = *links_read;
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
    if (d.result.is_taken() && !d.result.effects.empty()) {
      d.detail["effects"] = effects_json(m, d.result.effects);
    }
    if (d.result.is_taken() && engine::is_complete(m, d.after)) {
      d.next = next_lifecycle(lc, lifecycle_event::complete).value_or(lc);
    }
    return d;
  }

  // Fires every timer of instance `id` due at or before `now`, earliest first, each journaled
  // as a timer record (its effects applied); the records written. Nothing for an instance that
  // is not active.
  std::vector<journal_row> fire_due(store_transaction& t, const std::string& id, std::int64_t now);
  // `row` as it would be once its timers due by `now` had fired, in memory: what a dry run or a
  // gate decides on. Nothing is written, and the timers' effects on other instances are not
  // followed.
  instance_row with_due_timers(store_transaction& t, const compiled& c, instance_row row,
                               std::int64_t now);

  // ---- links, spawn and send (links.cpp) ----

  // The effects of one request, followed inside its transaction. A cascade longer than
  // max_deliveries or deeper than max_depth, or one that comes back to an instance and event
  // already on its chain, fails the whole request: nothing is written.
  struct cascade {
    std::optional<std::string> actor;
    std::int64_t at = 0;
    std::size_t deliveries = 0;
    std::vector<std::string> chain;  // "PRB-1 accept_fix", "CHG-1 complete", ... for messages
  };
  static constexpr std::size_t max_depth = 16;
  static constexpr std::size_t max_deliveries = 256;

  // The instances `id`'s links hold, loaded for guards over links, and what they were, for the
  // journal (`reads`). Empty when the machine reads no link.
  engine::link_snapshot snapshot(store_transaction& t, const compiled& c,
                                 const std::vector<link_row>& rows, json& reads);
  engine::link_snapshot snapshot(store_transaction& t, const compiled& c, const std::string& id,
                                 json& reads) {
    if (!c.machine.reads_links) return {};
    return snapshot(t, c, t.links_from(id), reads);
  }
  // The ids link `name` of `id` holds.
  static std::vector<std::string> linked(store_transaction& t, const std::string& id,
                                         const std::string& name);
  // A message when `id` is not an instance of `workflow` (for `ref` values), else nothing.
  std::optional<std::string> bad_ref(store_transaction& t, const std::string& workflow,
                                     const std::string& id, const std::string& what);
  // A message when a `ref W` parameter of `call` does not name an instance of W.
  std::optional<std::string> bad_refs(store_transaction& t, const engine::machine& m,
                                      const engine::event_call& call) {
    for (std::size_t p = 0; p < call.params.size(); ++p) {
      const auto& pd = m.event(call.event).params[p];
      if (pd.ref.empty() || call.params[p].is_null()) continue;
      if (auto bad = bad_ref(t, pd.ref, std::string(call.params[p].as_string()),
                             "parameter '" + pd.name + "'"))
        return bad;
    }
    return std::nullopt;
  }
  // Adds `other` to (or removes it from) link `link` of instance `id` running `c`, and keeps the
  // inverse in step; checked: the instance exists, runs the linked workflow, the cardinality of
  // both sides holds. A "link" record is journaled on `other` (and on `id` when `journal_self`).
  // Throws request_failure when the link is wrong.
  void change_link(store_transaction& t, const compiled& c, const std::string& id,
                   std::uint32_t link, const std::string& other, bool add,
                   std::optional<std::int64_t> cause, cascade& k, bool journal_self,
                   bool replacing = false,
                   std::vector<std::pair<std::string, json>>* deferred = nullptr,
                   journal_row* self_record = nullptr);
  // Appends a record that changes nothing but links (kind "link") to instance `id`.
  journal_row append_link_record(store_transaction& t, const std::string& id, bool add,
                                 const json& params, std::optional<std::int64_t> cause, cascade& k);
  // Applies the effects of a taken step of `id`, caused by its record `cause`.
  void apply_effects(store_transaction& t, const compiled& c, const std::string& id,
                     std::int64_t cause, const std::vector<engine::effect>& effects, cascade& k);
  std::string spawn(store_transaction& t, const compiled& c, const std::string& parent,
                    const engine::effect& e, std::int64_t cause, cascade& k);
  void deliver(store_transaction& t, const std::string& parent, const std::string& target,
               const engine::effect& e, std::int64_t cause, cascade& k);
  // verify.cpp: the replay of instances' journals, a record at a time in journal order, each
  // record's replayed state compared with the state it records, and each instance's end with
  // its stored row.
  class replayer;
  // The links of an instance, in its workflow's link order, for status.
  static std::vector<std::pair<std::string, std::vector<std::string>>> links_of(
      store_transaction& t, const compiled& c, const std::string& id);
};

// A request that must fail as a whole: its transaction is rolled back, nothing is written.
class request_failure : public std::runtime_error {
 public:
  request_failure(runtime::status s, const std::string& message)
      : std::runtime_error(message), outcome_(s) {}
  runtime::status outcome() const { return outcome_; }

 private:
  runtime::status outcome_;
};

}  // namespace vflow::runtime
