// Text and JSON renderings of instances, journal records and outcomes.
#include "runtime/cli/output.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "engine/text.hpp"
#include "runtime/cli/cli.hpp"
#include "runtime/secret.hpp"
#include "runtime/value_json.hpp"

namespace vflow::cli {

namespace {

json optional_json(const std::optional<std::string>& s) { return s ? json(*s) : json(); }

std::string join(const json& names, const char* separator = ", ") {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : separator) + n.get<std::string>();
  return out.empty() ? "-" : out;
}

std::string literal_of(const json& v) {
  if (v.is_string()) return engine::to_literal(engine::value::of_string(v.get<std::string>()));
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

json to_json(const dsl::diagnostic& d) {
  return {{"code", d.code},
          {"severity", dsl::to_string(d.severity)},
          {"message", d.message},
          {"file", d.file},
          {"line", d.span.line},
          {"column", d.span.column},
          {"end_line", d.span.end_line},
          {"end_column", d.span.end_column},
          {"help", d.help.empty() ? json() : json(d.help)}};
}

std::string safe(std::string_view text) { return engine::escape_for_terminal(text); }

void print_json(const json& j) {
  std::cout << j.dump(2, ' ', false, json::error_handler_t::replace) << '\n';
}

runtime::engine_runtime open_runtime(const global_options& g, db_access access) {
  runtime::sqlite_options o;
  o.create = access == db_access::create;
  o.read_only = access == db_access::read;
  o.busy_timeout_ms = g.busy_timeout_ms;
  auto rt = runtime::engine_runtime::open(g.db_path, o);
  if (auto key = secret_key_from_environment()) rt.set_secret_key(std::move(*key));
  return rt;
}

std::optional<std::string> secret_key_from_environment() {
  const char* text = std::getenv("VFLOW_SECRET_KEY");
  const char* file = std::getenv("VFLOW_SECRET_KEY_FILE");
  if (text && file) throw usage_error{"set VFLOW_SECRET_KEY or VFLOW_SECRET_KEY_FILE, not both"};
  std::optional<std::string> key;
  if (text) key = text;
  if (file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream content;
    if (!in || !(content << in.rdbuf())) {
      throw usage_error{"cannot read the secret key file '" + safe(file) +
                        "' (VFLOW_SECRET_KEY_FILE)"};
    }
    key = content.str();
    while (!key->empty() && (key->back() == '\n' || key->back() == '\r')) key->pop_back();
  }
  if (key && key->size() < runtime::secret_key::min_size) {
    throw usage_error{"the secret key (" +
                      std::string(text ? "VFLOW_SECRET_KEY" : "VFLOW_SECRET_KEY_FILE") + ") is " +
                      std::to_string(key->size()) + " bytes long; it must have at least " +
                      std::to_string(runtime::secret_key::min_size)};
  }
  return key;
}

bool use_colour(int fd) {
  if (std::getenv("NO_COLOR") && *std::getenv("NO_COLOR")) return false;  // no-color.org
  if (const char* force = std::getenv("CLICOLOR_FORCE"); force && std::string(force) != "0") {
    return true;
  }
  const char* term = std::getenv("TERM");
  return ::isatty(fd) && !(term && std::string(term) == "dumb");
}

std::string coloured(const std::string& rendered) {
  static constexpr const char* bold_red = "\x1b[1;31m";
  static constexpr const char* bold_yellow = "\x1b[1;33m";
  static constexpr const char* green = "\x1b[32m";
  static constexpr const char* cyan = "\x1b[36m";
  static constexpr const char* bold = "\x1b[1m";
  static constexpr const char* reset = "\x1b[0m";
  std::string out;
  std::size_t start = 0;
  bool first = true;
  while (start < rendered.size()) {
    const std::size_t end = std::min(rendered.find('\n', start), rendered.size());
    std::string line = rendered.substr(start, end - start);
    start = end + 1;
    if (first) {  // file:line:col: error[CODE]: message
      first = false;
      for (const auto& [word, colour] :
           {std::pair{": error[", bold_red}, std::pair{": warning[", bold_yellow}}) {
        const std::size_t at = line.find(word);
        if (at == std::string::npos) continue;
        const std::size_t close = line.find("]:", at);
        if (close == std::string::npos) break;
        line = bold + line.substr(0, at + 2) + reset + colour +
               line.substr(at + 2, close + 1 - (at + 2)) + reset + bold + line.substr(close + 1) +
               reset;
        break;
      }
    } else if (const std::size_t caret = line.find('^');
               caret != std::string::npos &&
               line.find_first_not_of(" |^~", 0) == std::string::npos) {
      line = line.substr(0, caret) + green + line.substr(caret) + reset;
    } else if (const std::size_t help = line.find("help:");
               help != std::string::npos && line.find_first_not_of(' ') == help) {
      line = line.substr(0, help) + cyan + "help:" + reset + line.substr(help + 5);
    }
    out += line;
    out += '\n';
  }
  return out;
}

void diagnostic_printer::show(const std::vector<dsl::diagnostic>& diags, std::string_view source) {
  std::optional<dsl::source_lines> lines;  // indexed only when something of it is printed
  for (const auto& d : diags) {
    if (limit_ != 0 && shown_ >= limit_) {
      ++(d.severity == dsl::severity::error ? hidden_errors_ : hidden_warnings_);
      continue;
    }
    ++shown_;
    if (json_) {
      collected_.push_back(to_json(d));
      continue;
    }
    if (!lines) lines.emplace(source);
    std::cerr << (colour_ ? coloured(dsl::render_text(d, *lines)) : dsl::render_text(d, *lines));
  }
}

json diagnostic_printer::finish() {
  if (!json_ && not_shown() > 0) {
    const auto plural = [](std::size_t n, const char* one, const char* many) {
      return std::to_string(n) + ' ' + (n == 1 ? one : many);
    };
    std::string what;
    if (hidden_errors_ > 0) what = plural(hidden_errors_, "more error", "more errors");
    if (hidden_warnings_ > 0) {
      what +=
          (what.empty() ? "" : " and ") + plural(hidden_warnings_, "more warning", "more warnings");
    }
    std::cerr << "vflow: " << what << " not shown (--error-limit 0 shows all)\n";
  }
  return collected_;
}

json to_json(const runtime::instance_view& v) {
  json data = json::object();
  for (const auto& [name, value] : v.data) data[name] = runtime::shown_json(value);
  json history = json::object();
  for (const auto& [h, states] : v.history) history[h] = states;
  json links = json::object();
  for (const auto& [name, ids] : v.links) links[name] = ids;
  json timers = json::array();
  for (const auto& t : v.timers) {
    timers.push_back({{"state", t.state},
                      {"after", t.after},
                      {"line", t.line},
                      {"due", engine::format_time(t.due)}});
  }
  json sends = json::array();
  for (const auto& s : v.sends) {
    json o{{"event", s.event}, {"due", engine::format_time(s.due)}};
    if (!s.name.empty()) o["name"] = s.name;
    sends.push_back(std::move(o));
  }
  return {{"id", v.id},
          {"workflow", v.workflow},
          {"version", v.version},
          {"stream", v.stream},
          {"definition", v.definition},
          {"lifecycle", runtime::to_string(v.lifecycle)},
          {"state", v.state},
          {"configuration", v.configuration},
          {"seq", v.seq},
          {"data", data},
          {"timers", timers},
          {"sends", sends},
          {"links", links},
          {"history", history},
          {"created_at", engine::format_time(v.created_at)},
          {"updated_at", engine::format_time(v.updated_at)}};
}

json to_json(const runtime::journal_row& r) {
  return {{"seq", r.seq},
          {"gseq", r.gseq},
          {"kind", to_string(r.kind)},
          {"event", optional_json(r.event)},
          {"params", json::parse(r.params)},
          {"outcome", to_string(r.outcome)},
          {"reason", optional_json(r.reason)},
          {"from", json::parse(r.from_config)},
          {"to", json::parse(r.to_config)},
          {"actor", optional_json(r.actor)},
          {"event_id", optional_json(r.event_id)},
          {"at", engine::format_time(r.at)},
          {"recorded_at", engine::format_time(r.recorded_at)},
          {"changes", json::parse(r.changes)},
          {"lifecycle", to_string(r.lifecycle)},
          {"definition", r.definition},
          {"cause", r.cause ? json(*r.cause) : json()},
          {"detail", json::parse(r.detail)},
          {"hash", r.hash}};
}

json to_json(const runtime::step_outcome& o) {
  return {{"format_version", format_version},
          {"status", runtime::to_string(o.status)},
          {"message", o.message.empty() ? json() : json(o.message)},
          {"duplicate", o.duplicate},
          {"instance", o.instance ? to_json(*o.instance) : json()},
          {"record", o.record ? to_json(*o.record) : json()},
          {"blockers", o.blockers},
          {"timers", [&] {
             json a = json::array();
             for (const auto& r : o.timers) a.push_back(to_json(r));
             return a;
           }()}};
}

std::string status_text(const runtime::instance_view& v) {
  std::ostringstream out;
  out << "instance   " << safe(v.id) << '\n'
      << "workflow   " << v.workflow << " v" << v.version << " (" << v.stream << ", definition "
      << v.definition.substr(0, 12) << ")\n"
      << "lifecycle  " << runtime::to_string(v.lifecycle) << '\n'
      << "state      " << join(json(v.state)) << '\n'
      << "seq        " << v.seq << '\n'
      << "updated    " << engine::format_time(v.updated_at) << '\n';
  if (v.configuration.size() != v.state.size())
    out << "active     " << join(json(v.configuration)) << '\n';
  for (std::size_t i = 0; i < v.history.size(); ++i) {
    out << (i == 0 ? "history    " : "           ") << v.history[i].first << " = "
        << join(json(v.history[i].second)) << '\n';
  }
  for (std::size_t i = 0; i < v.timers.size(); ++i) {
    const auto& t = v.timers[i];
    out << (i == 0 ? "timers     " : "           ") << "after " << t.after << " in " << t.state
        << " (line " << t.line << "), due " << engine::format_time(t.due) << '\n';
  }
  for (std::size_t i = 0; i < v.sends.size(); ++i) {
    const auto& s = v.sends[i];
    out << (i == 0 ? "sends      " : "           ") << safe(s.event)
        << (s.name.empty() ? "" : " as " + safe(s.name)) << ", due " << engine::format_time(s.due)
        << '\n';
  }
  std::size_t link_width = 0;
  for (const auto& [name, ids] : v.links) link_width = std::max(link_width, name.size());
  for (std::size_t i = 0; i < v.links.size(); ++i) {
    const auto& [name, ids] = v.links[i];
    out << (i == 0 ? "links      " : "           ") << name
        << std::string(link_width - name.size(), ' ') << " = "
        << (ids.empty() ? std::string("(none)") : safe(join(json(ids)))) << '\n';
  }
  std::size_t width = 0;
  for (const auto& [name, value] : v.data) width = std::max(width, name.size());
  bool first = true;
  for (const auto& [name, value] : v.data) {
    out << (first ? "data       " : "           ") << name << std::string(width - name.size(), ' ')
        << " = " << engine::to_literal(value) << '\n';
    first = false;
  }
  return out.str();
}

std::string history_text(const std::vector<runtime::journal_row>& records) {
  std::ostringstream out;
  for (const auto& r : records) {
    const json from = json::parse(r.from_config);
    const json to = json::parse(r.to_config);
    std::string what = r.kind == runtime::record_kind::start ? "(start)" : r.event.value_or("?");
    const json params = json::parse(r.params);
    if (!params.empty()) {
      std::string p;
      for (const auto& [k, v] : params.items())
        p += (p.empty() ? "" : ", ") + k + "=" + literal_of(v);
      what += "(" + p + ")";
    }
    if (r.kind == runtime::record_kind::gate) {
      what = "(gate) " + json::parse(r.detail).value("question", std::string("?"));
    }
    if (r.kind == runtime::record_kind::link) {  // link(problem=PRB-1), or unlink(...)
      const std::string link = params.value("link", json()).is_string()
                                   ? params["link"].get<std::string>()
                                   : "(" + params.value("via", std::string("?")) + " of)";
      what = r.event.value_or("link") + "(" + link + "=" + params.value("other", std::string("?")) +
             ")";
    }
    out << std::to_string(r.seq) << "  " << engine::format_time(r.at) << "  " << what << "  "
        << (r.kind == runtime::record_kind::gate
                ? (r.outcome == runtime::record_outcome::taken ? "yes" : "no")
                : to_string(r.outcome));
    if (r.outcome == runtime::record_outcome::taken && r.kind != runtime::record_kind::gate) {
      if (r.kind == runtime::record_kind::lifecycle) {
        out << "  lifecycle -> " << to_string(r.lifecycle);
      } else if (r.kind == runtime::record_kind::start) {
        out << "  -> " << join(to);
      } else {
        out << "  " << join(from) << " -> " << join(to);
      }
    }
    if (r.actor) out << "  by " << safe(*r.actor);
    if (r.event_id) out << "  [" << safe(*r.event_id) << "]";
    if (r.cause) {  // what made this record: a send, spawn or link of another instance
      const json detail = json::parse(r.detail);
      std::string by = detail.value("sent_by", detail.value("spawned_by", std::string()));
      if (by.empty() && r.kind == runtime::record_kind::link)
        by = params.value("other", std::string());
      out << "  <- #" << *r.cause << (by.empty() ? "" : " (" + safe(by) + ")");
    }
    out << "  #" << r.gseq << '\n';
    if (r.reason) out << "      reason: " << safe(*r.reason) << '\n';
    const json detail = json::parse(r.detail);
    for (const auto& e : detail.value("effects", json::array())) {
      const std::string kind = e.value("kind", std::string());
      out << "      " << kind << " ";
      if (kind == "log") {
        out << literal_of(e.value("value", json()));
      } else if (kind == "send") {
        out << e.value("event", std::string()) << " to " << e.value("link", std::string());
      } else if (kind == "spawn") {
        out << e.value("workflow", std::string()) << " into " << e.value("link", std::string());
      } else {
        out << e.value("link", std::string()) << " " << literal_of(e.value("other", json()));
      }
      if (e.value("line", 0) > 0) out << " (line " << e.value("line", 0) << ")";
      out << '\n';
    }
    if (r.kind != runtime::record_kind::start) {
      for (const auto& ch : json::parse(r.changes)) {
        out << "      " << ch["field"].get<std::string>() << ": " << literal_of(ch["before"])
            << " -> " << literal_of(ch["after"]) << '\n';
      }
    }
  }
  return out.str();
}

namespace {

std::string parts_text(const json& entry) {
  std::string out;
  for (const auto& p : entry.value("parts", json::array())) {
    if (!out.empty()) out += ", ";
    out += p["text"].get<std::string>() + " \u2192 ";
    if (p.contains("error")) {
      out += "error: " + p["error"].get<std::string>();
    } else {
      out += p["result"].is_null() ? "?" : (p["result"].get<bool>() ? "true" : "false");
    }
    std::string reads;
    for (const auto& [name, v] : p["reads"].items()) {
      reads += (reads.empty() ? "" : ", ") + name + " = " + literal_of(v);
    }
    if (!reads.empty()) out += " (" + reads + ")";
  }
  if (out.empty() && entry.contains("condition")) out = entry["condition"].get<std::string>();
  return out;
}

}  // namespace

std::string explain_text(const runtime::journal_row& r) {
  std::ostringstream out;
  const json detail = json::parse(r.detail);
  const std::string source = detail.value("source", std::string());
  const auto where = [&](const json& e) {
    return "(" + source + ":" + std::to_string(e.value("line", 0)) + ")";
  };
  const bool gate = r.kind == runtime::record_kind::gate;
  out << "seq " << r.seq << ": " << to_string(r.kind);
  if (gate) {
    out << ' ' << detail.value("question", std::string());
  } else if (r.event) {
    out << ' ' << *r.event;
  }
  if (r.actor) out << " by " << safe(*r.actor);
  out << " at " << engine::format_time(r.at) << ": "
      << (gate ? (r.outcome == runtime::record_outcome::taken ? "yes" : "no")
               : to_string(r.outcome))
      << '\n';
  for (const auto& e : detail.value("trace", json::array())) {
    const std::string kind = e["kind"];
    const std::string indent(2 + 2 * e.value("depth", 0u), ' ');
    out << indent;
    if (kind == "deny") {
      const std::string event = e["event"];
      if (e.value("result", false)) {
        out << event << " rejected by policy " << e["policy"].get<std::string>() << ' ' << where(e)
            << ": " << parts_text(e);
        if (e.contains("because")) out << " because " << e["because"].get<std::string>();
      } else {
        out << "policy " << e["policy"].get<std::string>() << ' ' << where(e) << " allows " << event
            << ": " << parts_text(e);
      }
    } else if (kind == "guard") {
      out << "guard of " << e["from"].get<std::string>() << " -> " << e["to"].get<std::string>()
          << ' ' << where(e) << (e.value("result", false) ? " holds: " : " is false: ")
          << parts_text(e);
    } else if (kind == "rule") {
      out << "rule " << e["rule"].get<std::string>() << ' ' << where(e)
          << " fired: " << parts_text(e);
    } else if (kind == "raise") {
      out << "rule " << e["rule"].get<std::string>() << " raised " << e["event"].get<std::string>();
    } else if (kind == "timer") {
      out << "timer after " << e["after"].get<std::string>() << " in "
          << e["from"].get<std::string>() << ' ' << where(e) << " came due";
      if (e.contains("condition")) {
        out << (e.value("result", false) ? "; its guard holds: " : "; its guard is false: ")
            << parts_text(e);
      }
    } else if (kind == "internal") {
      out << "internal event " << e["event"].get<std::string>() << ": "
          << (e.value("taken", false) ? "taken"
                                      : "ignored (" + e.value("note", std::string()) + ")");
    }
    if (e.contains("error")) out << " [error: " << e["error"].get<std::string>() << ']';
    out << '\n';
  }
  if (r.outcome == runtime::record_outcome::taken && r.kind == runtime::record_kind::event) {
    out << "  taken: " << join(json::parse(r.from_config)) << " -> "
        << join(json::parse(r.to_config)) << '\n';
    for (const auto& ch : json::parse(r.changes)) {
      out << "    " << ch["field"].get<std::string>() << ": " << literal_of(ch["before"]) << " -> "
          << literal_of(ch["after"]) << '\n';
    }
  } else if (r.reason) {
    out << "  " << to_string(r.outcome) << ": " << safe(*r.reason) << '\n';
  }
  return out.str();
}

std::string outcome_text(const runtime::step_outcome& o, const std::string& verb) {
  std::ostringstream out;
  if (o.status == runtime::status::ok && o.instance) {
    out << verb << " " << safe(o.instance->id) << ": " << join(json(o.instance->state)) << " ("
        << runtime::to_string(o.instance->lifecycle) << ", seq " << o.instance->seq << ")";
    if (o.duplicate) out << " [duplicate event id: first outcome returned, nothing written]";
    out << '\n';
  }
  return out.str();
}

int exit_code_of(runtime::status s) { return s == runtime::status::ok ? exit_ok : exit_no; }

std::optional<std::int64_t> time_or_date(const std::string& text, const char* option) {
  if (text.empty()) return std::nullopt;
  auto t = engine::parse_time(text);
  if (!t && text.size() == 10) t = engine::parse_time(text + "T00:00:00Z");
  if (!t) {
    throw usage_error{std::string(option) + " expects an ISO-8601 UTC time or date such as " +
                      "2026-11-01 or 2026-11-01T12:00:00Z, got '" + safe(text) + "'"};
  }
  return t;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (const char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace vflow::cli
