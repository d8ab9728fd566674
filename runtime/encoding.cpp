// The JSON shapes of instance rows and journal records (see encoding.hpp).
#include "runtime/encoding.hpp"

#include <charconv>

#include "runtime/value_json.hpp"

namespace vflow::runtime {

namespace {

// An object with its members in the order given. nlohmann's initializer lists build a temporary
// array per member and copy every value on the way (a journal record's explanation cost several
// thousand instructions per object that way); this appends each member once.
void add_members(json&) {}
template <typename V, typename... Rest>
void add_members(json& o, const char* key, V&& value, Rest&&... rest) {
  o.emplace(key, std::forward<V>(value));
  add_members(o, std::forward<Rest>(rest)...);
}
template <typename... Members>
json object_of(Members&&... members) {
  json o = json::object();
  add_members(o, std::forward<Members>(members)...);
  return o;
}

// Values as the journal's explanations show them (a secret as `***`); data_json keeps digests.
json to_json(const engine::value& v) { return shown_json(v); }

engine::value from_json(const json& j, engine::type t) { return value_from_json(j, t); }

json reads_json(const std::vector<std::pair<std::string, engine::value>>& reads) {
  json o = json::object();
  for (const auto& [name, v] : reads) o[name] = to_json(v);
  return o;
}

json parts_json(const std::vector<engine::part_result>& parts) {
  json a = json::array();
  for (const auto& p : parts) {
    json e = object_of("text", p.text, "result", p.result ? json(*p.result) : json(), "reads",
                       reads_json(p.reads));
    if (!p.error.empty()) e["error"] = p.error;
    a.push_back(std::move(e));
  }
  return a;
}

// Writes `text` as a JSON string; false (leaving `out` unfinished) at its first byte beyond
// ASCII.
bool write_ascii_string(std::string_view text, std::string& out) {
  out += '"';
  std::size_t run = 0;  // where the bytes not yet copied begin
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) return false;
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text, run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: {  // another control character, as nlohmann writes it: \u00XX in lower case
        static constexpr char hex[] = "0123456789abcdef";
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 0xf];
      }
    }
  }
  out.append(text, run, text.size() - run);
  out += '"';
  return true;
}

template <typename Integer>
void write_integer(Integer v, std::string& out) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

// Writes `j` compactly; false at the first thing left to nlohmann (see to_text).
bool write_compact(const json& j, std::string& out) {
  switch (j.type()) {
    case json::value_t::null: out += "null"; return true;
    case json::value_t::boolean: out += j.get<bool>() ? "true" : "false"; return true;
    case json::value_t::number_integer: write_integer(j.get<std::int64_t>(), out); return true;
    case json::value_t::number_unsigned: write_integer(j.get<std::uint64_t>(), out); return true;
    case json::value_t::string: return write_ascii_string(j.get_ref<const std::string&>(), out);
    case json::value_t::array: {
      out += '[';
      bool first = true;
      for (const json& e : j) {
        if (!first) out += ',';
        first = false;
        if (!write_compact(e, out)) return false;
      }
      out += ']';
      return true;
    }
    case json::value_t::object: {
      out += '{';
      bool first = true;
      for (auto it = j.begin(); it != j.end(); ++it) {
        if (!first) out += ',';
        first = false;
        if (!write_ascii_string(it.key(), out)) return false;
        out += ':';
        if (!write_compact(it.value(), out)) return false;
      }
      out += '}';
      return true;
    }
    default: return false;  // floating point, binary
  }
}

}  // namespace

std::string to_text(const json& j) {
  std::string out;
  out.reserve(256);
  if (write_compact(j, out)) return out;
  return j.dump();
}

json config_json(const engine::machine& m, const std::vector<engine::state_id>& config) {
  json a = json::array();
  for (const auto s : config) a.push_back(m.state(s).name);
  return a;
}

std::vector<engine::state_id> config_from_json(const engine::machine& m, const std::string& text) {
  std::vector<engine::state_id> out;
  for (const auto& name : json::parse(text)) {
    if (const auto s = m.find_state(name.get<std::string>())) out.push_back(*s);
  }
  return out;
}

json data_json(const engine::machine& m, const std::vector<engine::value>& data) {
  json o = json::object();
  for (std::size_t i = 0; i < data.size(); ++i) o[m.fields[i].name] = value_to_json(data[i]);
  return o;
}

std::vector<engine::value> data_from_json(const engine::machine& m, const std::string& text) {
  const json o = json::parse(text);
  std::vector<engine::value> data = engine::initial_data(m);
  for (std::size_t i = 0; i < m.fields.size(); ++i) {
    const auto it = o.find(m.fields[i].name);
    if (it != o.end()) data[i] = from_json(*it, m.fields[i].declared);
  }
  return data;
}

json params_json(const engine::event_def& ev, const std::vector<engine::value>& params) {
  json o = json::object();
  for (std::size_t i = 0; i < params.size() && i < ev.params.size(); ++i)
    o[ev.params[i].name] = value_to_json(params[i]);
  return o;
}

json memory_json(const engine::machine& m, const engine::instance_state& s) {
  json rules = json::object();
  for (std::size_t r = 0; r < m.rules.size(); ++r) rules[m.rules[r].name] = s.rule_memory[r] != 0;
  json timers = json::array();
  for (const auto& t : s.timers) {
    const auto& def = m.timers[t.timer];
    timers.push_back(object_of("timer", t.timer, "state", m.state(def.source).name, "line",
                               def.pos.line, "after", def.delay_text, "due",
                               engine::format_time(t.due), "due_ms", t.due));
  }
  json history = json::object();
  for (const auto& [h, states] : s.history) history[m.state(h).name] = config_json(m, states);
  json out = object_of("rules", std::move(rules), "timers", std::move(timers), "history",
                       std::move(history));
  if (!s.sends.empty()) {  // delayed sends waiting for their tick
    json sends = json::array();
    for (const auto& p : s.sends) {
      json o = object_of("event", m.event(p.event).name, "params",
                         params_json(m.event(p.event), p.params), "due", engine::format_time(p.due),
                         "due_ms", p.due);
      if (!p.name.empty()) o["name"] = p.name;
      sends.push_back(std::move(o));
    }
    out["sends"] = std::move(sends);
  }
  return out;
}

engine::instance_state state_of(const engine::machine& m, const instance_row& row, bool with_data) {
  engine::instance_state s{config_from_json(m, row.configuration),
                           with_data ? data_from_json(m, row.data) : std::vector<engine::value>{},
                           std::vector<std::uint8_t>(m.rules.size(), 0),
                           {},
                           {},
                           {}};
  const json memory = json::parse(row.memory);
  if (const auto history = memory.find("history"); history != memory.end()) {
    for (const auto& [name, states] : history->items()) {
      if (const auto h = m.find_state(name))
        s.history.emplace_back(*h, config_from_json(m, states.dump()));
    }
  }
  if (const auto rules = memory.find("rules"); rules != memory.end()) {
    for (std::size_t r = 0; r < m.rules.size(); ++r) {
      const auto it = rules->find(m.rules[r].name);
      if (it != rules->end() && it->get<bool>()) s.rule_memory[r] = 1;
    }
  }
  if (const auto timers = memory.find("timers"); timers != memory.end()) {
    for (const auto& t : *timers) {
      const auto index = t["timer"].get<std::uint32_t>();
      if (index < m.timers.size()) s.timers.push_back({index, t["due_ms"].get<std::int64_t>()});
    }
  }
  if (const auto sends = memory.find("sends"); sends != memory.end()) {
    for (const auto& p : *sends) {
      const auto ev = m.find_event(p.at("event").get<std::string>());
      if (!ev) continue;
      engine::pending_send sent{*ev, {}, p.at("due_ms").get<std::int64_t>(), p.value("name", "")};
      const json& params = p.at("params");
      for (const auto& param : m.event(*ev).params)
        sent.params.push_back(from_json(params.value(param.name, json()), param.declared));
      s.sends.push_back(std::move(sent));
    }
  }
  return s;
}

// Writes the engine state into an instance row: configuration, data, memory and next due time.
void store_state(const engine::machine& m, const engine::instance_state& s, instance_row& row) {
  row.configuration = to_text(config_json(m, s.configuration));
  row.data = to_text(data_json(m, s.data));
  row.memory = to_text(memory_json(m, s));
  row.next_due = engine::next_due(s);
}

// The decision trace of a step as the journal stores it: every policy clause, guard and rule
// evaluated, with its source line, its parts, the values they read and the result.
json trace_json(const engine::machine& m, const engine::step_result& r) {
  json out = json::array();
  for (const auto& t : r.trace) {
    json e;
    switch (t.kind) {
      case engine::trace_kind::deny: {
        const auto& d = m.denies[t.index];
        const auto& p = m.policies[d.policy];
        e = object_of("kind", "deny", "policy", p.name, "description", p.description, "event",
                      m.event(d.event).name, "line", d.pos.line, "condition", d.condition_text,
                      "result", t.result);
        if (!d.because.empty()) e["because"] = d.because;
        break;
      }
      case engine::trace_kind::guard: {
        const auto& tr = m.transitions[t.index];
        e = object_of("kind", "guard", "event", m.event(tr.event).name, "from",
                      m.state(tr.source).name, "to",
                      m.state(tr.target == engine::no_state ? tr.source : tr.target).name, "line",
                      tr.pos.line, "condition", tr.guard_text, "result", t.result);
        break;
      }
      case engine::trace_kind::rule: {
        const auto& rule = m.rules[t.index];
        e = object_of("kind", "rule", "rule", rule.name, "line", rule.pos.line, "condition",
                      rule.condition_text, "fired", t.result);
        break;
      }
      case engine::trace_kind::raise:
        e = object_of("kind", "raise", "event", m.events[t.index].name, "rule",
                      m.rules[t.rule].name);
        break;
      case engine::trace_kind::timer: {
        const auto& timer = m.timers[t.index];
        e = object_of("kind", "timer", "from", m.state(timer.source).name, "to",
                      m.state(timer.target).name, "line", timer.pos.line, "after", timer.delay_text,
                      "result", t.result);
        if (!timer.guard_text.empty()) e["condition"] = timer.guard_text;
        break;
      }
      case engine::trace_kind::done:
      case engine::trace_kind::always: {
        const bool done = t.kind == engine::trace_kind::done;
        const auto& tr = done ? m.done[t.index] : m.always[t.index];
        e = object_of("kind", done ? "done" : "always", "from", m.state(tr.source).name, "to",
                      m.state(tr.target).name, "line", tr.pos.line, "result", t.result);
        if (!tr.guard_text.empty()) e["condition"] = tr.guard_text;
        break;
      }
      case engine::trace_kind::internal:
        e = object_of("kind", "internal", "event", m.events[t.index].name, "taken", t.result);
        if (!t.note.empty()) e["note"] = t.note;
        break;
    }
    if (t.depth > 0) e["depth"] = t.depth;
    if (!t.error.empty()) e["error"] = t.error;
    if (!t.parts.empty()) e["parts"] = parts_json(t.parts);
    out.push_back(std::move(e));
  }
  return out;
}

// The transitions a step took, in order, as the journal keeps them: which table and index (the
// record's definition fixes what they mean), with source line and states for people.
json path_json(const engine::machine& m, const std::vector<engine::taken_edge>& path) {
  static constexpr const char* kinds[] = {"event", "done", "always", "timer"};
  json a = json::array();
  for (const auto& e : path) {
    engine::state_id from{}, to{};
    std::uint32_t line = 0;
    if (e.kind == engine::edge_kind::timer) {
      const auto& t = m.timers[e.index];
      from = t.source, to = t.target, line = t.pos.line;
    } else {
      const auto& t = e.kind == engine::edge_kind::event  ? m.transitions[e.index]
                      : e.kind == engine::edge_kind::done ? m.done[e.index]
                                                          : m.always[e.index];
      from = t.source, to = t.target == engine::no_state ? t.source : t.target, line = t.pos.line;
    }
    a.push_back(object_of("kind", kinds[static_cast<int>(e.kind)], "index", e.index, "from",
                          m.state(from).name, "to", m.state(to).name, "line", line));
  }
  return a;
}

json changes_json(const engine::machine& m, const std::vector<engine::field_change>& changes) {
  json a = json::array();
  for (const auto& ch : changes) {
    a.push_back(object_of("field", m.field(ch.field).name, "before", to_json(ch.before), "after",
                          to_json(ch.after)));
  }
  return a;
}

namespace {

std::string cardinality_text(engine::cardinality c) {
  switch (c) {
    case engine::cardinality::one: return "one";
    case engine::cardinality::optional: return "optional";
    case engine::cardinality::many: return "many";
  }
  return "one";
}

engine::cardinality cardinality_from(const std::string& s) {
  if (s == "optional") return engine::cardinality::optional;
  if (s == "many") return engine::cardinality::many;
  return engine::cardinality::one;
}

// `int?` -> int, nullable; a spelling this vflow does not know is the null type.
engine::type type_from(const std::string& text) {
  const bool nullable = !text.empty() && text.back() == '?';
  const std::string base = nullable ? text.substr(0, text.size() - 1) : text;
  for (const auto b : engine::declarable_types) {
    if (engine::to_string(b) == base) return engine::type{b, nullable};
  }
  return engine::type{engine::base_type::null_type, true};
}

json typed_json(const std::string& name, engine::type t, const std::string& ref) {
  json o{{"name", name}, {"type", engine::to_string(t)}};
  if (!ref.empty()) o["ref"] = ref;
  return o;
}

}  // namespace

json signatures_json(const std::vector<dsl::workflow_signature>& signatures) {
  json a = json::array();
  for (const auto& s : signatures) {
    json fields = json::array(), events = json::array(), links = json::array();
    for (const auto& f : s.fields) {
      json o = typed_json(f.name, f.declared, f.ref);
      o["required"] = f.required;
      fields.push_back(std::move(o));
    }
    for (const auto& e : s.events) {
      json params = json::array();
      for (const auto& p : e.params) params.push_back(typed_json(p.name, p.declared, p.ref));
      events.push_back({{"name", e.name}, {"params", std::move(params)}});
    }
    for (const auto& l : s.links) {
      json o{{"name", l.name},
             {"workflow", l.workflow},
             {"cardinality", cardinality_text(l.cardinality)}};
      if (!l.inverse.empty()) o["inverse"] = l.inverse;
      links.push_back(std::move(o));
    }
    a.push_back({{"name", s.name},
                 {"stream", s.stream},
                 {"states", s.states},
                 {"fields", std::move(fields)},
                 {"events", std::move(events)},
                 {"links", std::move(links)}});
  }
  return a;
}

std::vector<dsl::workflow_signature> signatures_from_json(const std::string& text) {
  std::vector<dsl::workflow_signature> out;
  for (const auto& o : json::parse(text)) {
    dsl::workflow_signature s;
    s.name = o.at("name").get<std::string>();
    s.stream = o.at("stream").get<std::string>();
    s.states = o.at("states").get<std::vector<std::string>>();
    for (const auto& f : o.at("fields")) {
      engine::field_def d;
      d.name = f.at("name").get<std::string>();
      d.declared = type_from(f.at("type").get<std::string>());
      d.ref = f.value("ref", "");
      d.required = f.value("required", false);
      s.fields.push_back(std::move(d));
    }
    for (const auto& e : o.at("events")) {
      engine::event_def d;
      d.name = e.at("name").get<std::string>();
      for (const auto& p : e.at("params")) {
        d.params.push_back({p.at("name").get<std::string>(),
                            type_from(p.at("type").get<std::string>()), p.value("ref", "")});
      }
      s.events.push_back(std::move(d));
    }
    for (const auto& l : o.at("links")) {
      s.links.push_back({l.at("name").get<std::string>(),
                         l.at("workflow").get<std::string>(),
                         cardinality_from(l.at("cardinality").get<std::string>()),
                         l.value("inverse", ""),
                         {}});
    }
    out.push_back(std::move(s));
  }
  return out;
}

json effects_json(const engine::machine& m, const std::vector<engine::effect>& effects) {
  json a = json::array();
  for (const auto& e : effects) {
    static constexpr const char* kinds[] = {"link",  "unlink",    "set_link", "spawn", "send",
                                            "raise", "send_self", "log",      "cancel"};
    json o{{"kind", kinds[static_cast<int>(e.kind)]}, {"line", e.line}};
    if (e.kind == engine::effect_kind::log) {
      o["value"] = e.args.empty() ? json() : to_json(e.args.front().second);
      a.push_back(std::move(o));
      continue;
    }
    o["link"] = m.links[e.link].name;
    if (e.kind == engine::effect_kind::spawn || e.kind == engine::effect_kind::send) {
      o[e.kind == engine::effect_kind::spawn ? "workflow" : "event"] = e.name;
      json args = json::object();
      for (const auto& [name, v] : e.args) args[name] = to_json(v);
      o["args"] = std::move(args);
      if (e.must) o["must"] = true;
    } else {
      o["other"] = to_json(e.target);
    }
    a.push_back(std::move(o));
  }
  return a;
}

}  // namespace vflow::runtime
