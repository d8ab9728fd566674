// The SCXML importer: the translation of the element tree (dsl/scxml_xml.hpp reads it) into .flow
// text.
#include "dsl/scxml.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include "dsl/reserved.hpp"
#include "dsl/scxml_text.hpp"
#include "dsl/scxml_xml.hpp"

namespace vflow::dsl {

namespace {

// ---- translation ----

std::string local(const std::string& name) {
  const auto colon = name.find(':');
  return colon == std::string::npos ? name : name.substr(colon + 1);
}

class translator {
 public:
  translator(const std::string& file, std::vector<diagnostic>& diags)
      : file_(file), diags_(diags) {}

  std::string run(xml_element& root, const std::string& stream) {
    if (local(root.name) != "scxml") {
      report(root, "the root element is <" + root.name + ">, not <scxml>", severity::error);
      return {};
    }
    for (const auto& [k, v] : root.attributes) {
      if (k == "datamodel" && v == "vflow") {
        vflow_ = true;
      } else if (k == "datamodel" && v != "null" && v != "ecmascript") {
        report(root, "data model '" + v + "' is not supported");
      } else if (k.compare(0, 6, "xmlns:") == 0 && v == vflow_scxml_namespace) {
        prefix_ = k.substr(6) + ":";
      }
    }
    std::string name =
        root.attribute("name") ? identifier(*root.attribute("name"), root) : "Imported";
    // First pass: every state's name, so transitions and In() can refer to later states.
    for (const auto& c : root.children) collect(*c);
    for (const auto& c : root.children) name_anonymous(*c);
    std::string states;
    std::string initial = initial_of(root, "  ", states);
    for (const auto& c : root.children) {
      const std::string kind = local(c->name);
      if (kind == "datamodel") {
        data(*c);
      } else if (kind == "state" || kind == "parallel" || kind == "final") {
        state(*c, "  ", states, initial, false);
      } else if (kind == "initial") {
        // read by initial_of
      } else if (!declaration(*c)) {
        unsupported(*c);
      }
    }
    if (!vflow_) {
      std::string out = "# Imported from " + file_ + "\nstream " + stream + "\n\nworkflow " + name +
                        " {\n  first match wins\n";
      if (!data_.empty()) out += "  data {\n" + data_ + "  }\n";
      for (const auto& e : events_) out += "  event " + e + "\n";
      return out + states + "}\n";
    }
    // A document vflow wrote: the workflow's own declarations, in .flow's order.
    const std::string* own_stream = vattr(root, "stream");
    std::string out = "# Imported from " + file_ + "\nstream " +
                      (own_stream ? identifier(*own_stream, root) : stream) + "\n\n" + imports_ +
                      (imports_.empty() ? "" : "\n") + "workflow " + name + " {\n" + titles_;
    if (flag(root, "accept-late-events")) out += "  accept late events\n";
    if (flag(root, "first-match-wins")) out += "  first match wins\n";
    if (!data_.empty()) out += "  data {\n" + data_ + "  }\n";
    if (!links_.empty()) out += "  links {\n" + links_ + "  }\n";
    return out + declarations_ + states + "}\n";
  }

 private:
  // Something not imported as written: a warning at the element's start tag (an error when
  // nothing could be imported).
  void report(const xml_element& e, std::string message, dsl::severity level = severity::warning) {
    diagnostic d;
    d.code = level == severity::error ? "S0000" : "S0001";
    d.severity = level;
    d.file = file_;
    d.span.line = d.span.end_line = e.line;
    d.span.column = e.column;
    d.span.end_column = e.column + 1 + static_cast<std::uint32_t>(e.name.size());
    d.message = std::move(message);
    diags_.push_back(std::move(d));
  }

  void unsupported(const xml_element& e) {
    report(e, "<" + e.name + "> is not supported; it was not imported");
  }

  static std::string trim(const std::string& s) { return scxml_trim(s); }
  static std::string quote(const std::string& s) { return flow_string(s); }

  // A literal value and its type, or nothing (reported) when the expression is not a literal.
  std::optional<std::pair<std::string, std::string>> literal(const std::string& expr,
                                                             const xml_element& where) {
    auto lit = scxml_literal(expr);
    if (!lit)
      report(where, "expression '" + expr + "' is not a literal; only literal values are imported");
    return lit;
  }

  // A condition or value over the data, translated (see scxml_condition).
  std::optional<std::string> condition(const std::string& cond, const xml_element& where) {
    std::string problem;
    auto out = scxml_condition(
        cond, [&](const std::string& state) { return identifier(state, where); }, problem);
    if (!out) report(where, problem);
    return out;
  }

  // A condition or value: with datamodel="vflow" a .flow expression as written (once it is known
  // to stay in its place, see vflow_expression), else translated.
  std::optional<std::string> expression(const std::string& text, const xml_element& where) {
    if (!vflow_) return condition(text, where);
    auto out = vflow_expression(text);
    if (!out) report(where, "'" + text + "' is not a .flow expression; it was not imported");
    return out;
  }

  std::optional<std::string> type_of(const std::string& text, const xml_element& where) {
    auto out = vflow_type(text);
    if (!out) report(where, "'" + text + "' is not a .flow type; it was not imported");
    return out;
  }

  // ---- documents vflow wrote (datamodel="vflow") ----

  // The local name of an element of vflow's namespace, or nothing.
  std::string vflow_kind(const xml_element& e) const {
    if (!vflow_ || prefix_.empty() || e.name.compare(0, prefix_.size(), prefix_) != 0) return {};
    return e.name.substr(prefix_.size());
  }

  // An attribute of vflow's namespace.
  const std::string* vattr(const xml_element& e, const std::string& name) const {
    return vflow_ && !prefix_.empty() ? e.attribute(prefix_ + name) : nullptr;
  }

  bool flag(const xml_element& e, const std::string& name) const {
    const std::string* v = vattr(e, name);
    return v && *v == "true";
  }

  // A name list (`a b c`) as a .flow one (`a, b, c`).
  std::string names(const std::string& list, const xml_element& where) {
    std::string out;
    std::istringstream words(list);
    for (std::string w; words >> w;) out += (out.empty() ? "" : ", ") + identifier(w, where);
    return out;
  }

  // A declaration of vflow's namespace at the top of a document vflow wrote, added to the
  // workflow's parts; false when `e` is none.
  bool declaration(const xml_element& e) {
    const std::string kind = vflow_kind(e);
    const std::string* name = e.attribute("name");
    if (kind == "import" && e.attribute("src")) {
      imports_ += "import " + quote(*e.attribute("src")) + "\n";
    } else if (kind == "title" && e.attribute("text")) {
      titles_ += "  title " + quote(*e.attribute("text")) + "\n";
    } else if (kind == "link" && name && e.attribute("workflow")) {
      const std::string* many = e.attribute("cardinality");
      if (many && *many != "one" && *many != "optional" && *many != "many") {
        report(e, "cardinality '" + *many + "' is not one, optional or many; not imported");
        return true;
      }
      links_ += "    " + identifier(*name, e) + ": " + identifier(*e.attribute("workflow"), e) +
                (!many || *many == "one" ? ""
                 : *many == "optional"   ? "?"
                                         : "[]");
      if (const std::string* inverse = e.attribute("inverse"))
        links_ += " inverse " + identifier(*inverse, e);
      links_ += "\n";
    } else if (kind == "event" && name) {
      std::string params;
      for (const auto& c : e.children) {
        const auto type = vflow_kind(*c) == "param" && c->attribute("name") && c->attribute("type")
                              ? type_of(*c->attribute("type"), *c)
                              : std::nullopt;
        if (!type && vflow_kind(*c) != "param") unsupported(*c);
        if (type)
          params +=
              (params.empty() ? "" : ", ") + identifier(*c->attribute("name"), *c) + ": " + *type;
      }
      declarations_ +=
          "  event " + event_name(*name, e) + (params.empty() ? "" : "(" + params + ")") + "\n";
    } else if (kind == "policy" && name && e.attribute("description")) {
      std::string clauses;
      for (const auto& c : e.children) {
        const auto cond = vflow_kind(*c) == "deny" && c->attribute("event") && c->attribute("cond")
                              ? expression(*c->attribute("cond"), *c)
                              : std::nullopt;
        if (!cond && vflow_kind(*c) != "deny") unsupported(*c);
        if (!cond) continue;
        clauses += "    deny " + names(*c->attribute("event"), *c) + " when " + *cond;
        if (const std::string* because = c->attribute("because"))
          clauses += " because " + quote(*because);
        clauses += "\n";
      }
      declarations_ += "  policy " + identifier(*name, e) + " " +
                       quote(*e.attribute("description")) + " {\n" + clauses + "  }\n";
    } else if (kind == "rule" && name && e.attribute("cond")) {
      if (const auto cond = expression(*e.attribute("cond"), e)) {
        declarations_ += "  rule " + identifier(*name, e) + " when " + *cond + " {\n" +
                         actions(e, "    ") + "  }\n";
      }
    } else {
      return false;
    }
    return true;
  }

  // `<vflow:spawn location op workflow>` with `<vflow:arg name expr/>`: `L = spawn W(n: e)` or
  // `L += spawn W(n: e)`.
  std::optional<std::string> spawn(const xml_element& a) {
    const std::string* location = a.attribute("location");
    const std::string* workflow = a.attribute("workflow");
    const std::string* op = a.attribute("op");
    if (!location || !workflow || (op && *op != "set" && *op != "add")) {
      unsupported(a);
      return std::nullopt;
    }
    std::string args;
    for (const auto& c : a.children) {
      const auto value = vflow_kind(*c) == "arg" && c->attribute("name") && c->attribute("expr")
                             ? expression(*c->attribute("expr"), *c)
                             : std::nullopt;
      if (!value) {
        if (vflow_kind(*c) != "arg") unsupported(*c);
        return std::nullopt;
      }
      args += (args.empty() ? "" : ", ") + identifier(*c->attribute("name"), *c) + ": " + *value;
    }
    return identifier(*location, a) + (op && *op == "add" ? " += " : " = ") + "spawn " +
           identifier(*workflow, a) + "(" + args + ")";
  }

  // `<vflow:after delay cond target>`: a state's timer.
  void timer(const xml_element& t, const std::string& indent, std::string& out) {
    const std::string* delay = t.attribute("delay");
    const std::string* target = t.attribute("target");
    if (!delay || !target) {
      unsupported(t);
      return;
    }
    const auto d = expression(*delay, t);
    const auto guard = t.attribute("cond") ? expression(*t.attribute("cond"), t) : std::string();
    if (!d || !guard) return;
    out += indent + "after " + *d + (guard->empty() ? "" : " when " + *guard) + " -> " +
           identifier(trim(*target), t) + block(t) + "\n";
  }

  std::string identifier(const std::string& raw, const xml_element& where) {
    std::string out;
    for (const char c : raw)
      out += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
    if (out.empty() || std::isdigit(static_cast<unsigned char>(out.front()))) out = "s_" + out;
    if (is_reserved(out)) out += "_";
    if (out != raw) report(where, "'" + raw + "' is not a .flow name; imported as '" + out + "'");
    return out;
  }

  // An SCXML event name as a .flow one: its words, joined by dots.
  std::string event_name(const std::string& raw, const xml_element& where) {
    std::string out;
    std::size_t start = 0;
    for (;;) {
      const auto dot = raw.find('.', start);
      std::string word = raw.substr(start, dot == std::string::npos ? dot : dot - start);
      for (char& c : word) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
      }
      if (word.empty()) word = "_";
      if (out.empty() && std::isdigit(static_cast<unsigned char>(word.front()))) word = "e_" + word;
      out += (out.empty() ? "" : ".") + word;
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    if (out != raw)
      report(where, "'" + raw + "' is not a .flow event name; imported as '" + out + "'");
    events_.insert(out);
    return out;
  }

  // An event descriptor: `*`, or an event name (a trailing `.*` says the same as without it).
  std::string descriptor(const std::string& raw, const xml_element& where) {
    if (raw == "*") return raw;
    const bool dotstar = raw.size() > 2 && raw.compare(raw.size() - 2, 2, ".*") == 0;
    return event_name(dotstar ? raw.substr(0, raw.size() - 2) : raw, where);
  }

  static bool is_state(const xml_element& e) {
    const std::string kind = local(e.name);
    return kind == "state" || kind == "parallel" || kind == "final" || kind == "history";
  }

  void collect(const xml_element& e) {
    if (is_state(e) && e.attribute("id")) known_.insert(*e.attribute("id"));
    for (const auto& c : e.children) collect(*c);
  }

  // SCXML states need no id (nothing can target them then): each gets a name of its own, one
  // no state of the document has.
  void name_anonymous(xml_element& e) {
    if (is_state(e) && !e.attribute("id")) {
      std::string id;
      do {
        id = "anonymous_" + std::to_string(++anonymous_);
      } while (known_.count(id) > 0);
      known_.insert(id);
      e.attributes.emplace_back("id", id);
    }
    for (const auto& c : e.children) name_anonymous(*c);
  }

  // The child of `e` entered first. When the `initial` attribute or the <initial> element names
  // a deeper state, or several, no child is: `initial -> A, B` is written to `out` instead.
  std::string initial_of(const xml_element& e, const std::string& indent, std::string& out) {
    std::vector<std::string> targets;
    const xml_element* where = &e;
    const xml_element* content = nullptr;  // the initial transition, when it has content
    if (const std::string* attr = e.attribute("initial")) {
      std::istringstream list(*attr);
      for (std::string t; list >> t;) targets.push_back(t);
    }
    for (const auto& c : e.children) {
      if (local(c->name) != "initial") continue;
      for (const auto& t : c->children) {
        if (local(t->name) != "transition" || !t->attribute("target")) continue;
        where = t.get();
        targets.clear();
        std::istringstream list(*t->attribute("target"));
        for (std::string target; list >> target;) targets.push_back(target);
        content = t->children.empty() ? nullptr : t.get();
      }
    }
    if (targets.empty()) return first_state(e);
    if (targets.size() == 1 && !content) {
      for (const auto& c : e.children) {
        const std::string* id = c->attribute("id");
        if (id && *id == targets.front() && local(c->name) != "history") return *id;
      }
    }
    out += indent + "initial ->";
    for (std::size_t i = 0; i < targets.size(); ++i) {
      if (!known_.count(targets[i]))
        report(*where, "initial state '" + targets[i] + "' is not a state of this document");
      out += (i > 0 ? ", " : " ") + identifier(targets[i], *where);
    }
    out += (content ? block(*content) : std::string()) + "\n";
    return {};
  }

  // ` { statements }` of the executable content of `t`, on one line (nothing when none could
  // be imported).
  std::string block(const xml_element& t) {
    std::string body;
    for (const auto& a : t.children) {
      if (const auto s = statement(*a)) body += (body.empty() ? " { " : "; ") + *s;
    }
    return body.empty() ? body : body + " }";
  }

  static std::string first_state(const xml_element& e) {
    for (const auto& c : e.children) {
      const std::string kind = local(c->name);
      if ((kind == "state" || kind == "parallel" || kind == "final") && c->attribute("id"))
        return *c->attribute("id");
    }
    return {};
  }

  void data(const xml_element& model) {
    for (const auto& d : model.children) {
      if (local(d->name) != "data" || !d->attribute("id")) {
        unsupported(*d);
        continue;
      }
      const std::string id = identifier(*d->attribute("id"), *d);
      known_data_.insert(*d->attribute("id"));
      if (const std::string* written = vattr(*d, "type")) {  // a typed field vflow wrote
        const auto type = type_of(*written, *d);
        const auto value =
            d->attribute("expr") ? expression(*d->attribute("expr"), *d) : std::string();
        if (type && value)
          data_ += "    " + id + ": " + *type + (value->empty() ? "" : " = " + *value) + "\n";
        continue;
      }
      const auto lit = d->attribute("expr") ? literal(*d->attribute("expr"), *d) : std::nullopt;
      if (!lit) {
        data_ += "    " + id + ": string?\n";
        continue;
      }
      data_ += "    " + id + ": " + lit->second + " = " + lit->first + "\n";
      types_[id] = lit->second;
    }
  }

  // `<log label="L" expr="E"/>` as `log "L: E"` (E a literal), `log "L"` or `log E` (E a
  // condition); nothing (reported) when E is neither.
  std::optional<std::string> log(const xml_element& a) {
    const std::string label = a.attribute("label") ? *a.attribute("label") : std::string();
    if (!a.attribute("expr")) return "log " + quote(label);
    if (vflow_ && label.empty()) {
      const auto e = expression(*a.attribute("expr"), a);
      return e ? std::optional<std::string>("log " + *e) : std::nullopt;
    }
    const std::string expr = trim(*a.attribute("expr"));
    const bool quoted = expr.size() >= 2 && (expr.front() == '\'' || expr.front() == '"') &&
                        expr.back() == expr.front() &&
                        expr.find(expr.front(), 1) == expr.size() - 1;
    const bool plain = !expr.empty() && std::all_of(expr.begin(), expr.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
    });
    const bool named = plain && (known_data_.count(expr) > 0);
    if (quoted || (plain && !named)) {
      const std::string value = quoted ? expr.substr(1, expr.size() - 2) : expr;
      return "log " + quote(label.empty() ? value : label + ": " + value);
    }
    if (!label.empty()) {
      report(a, "the label of <log> is not imported with a value that is not a literal");
    }
    if (const auto c = condition(expr, a)) return "log " + *c;
    return std::nullopt;
  }

  // `<assign location="L" expr="E"/>`: E a literal, or an expression over the data (as in
  // conditions, with + - * / %); nothing (reported) otherwise.
  std::optional<std::string> assign(const xml_element& a) {
    const std::string* op = vattr(a, "op");
    if (op && *op != "add" && *op != "remove") {
      unsupported(a);
      return std::nullopt;
    }
    const std::string target = identifier(*a.attribute("location"), a) + (!op            ? " = "
                                                                          : *op == "add" ? " += "
                                                                                         : " -= ");
    if (vflow_) {
      const auto e = expression(*a.attribute("expr"), a);
      return e ? std::optional<std::string>(target + *e) : std::nullopt;
    }
    const std::string expr = trim(*a.attribute("expr"));
    if (expr.empty() || expr.front() == '\'' || expr.front() == '"') {
      if (const auto lit = literal(expr, a)) return target + lit->first;
      return std::nullopt;
    }
    if (const auto e = condition(expr, a)) return target + *e;
    return std::nullopt;
  }

  // The executable content of <onentry>/<onexit>, one statement a line.
  std::string actions(const xml_element& block, const std::string& indent) {
    std::string out;
    for (const auto& a : block.children) {
      if (const auto s = statement(*a)) out += indent + *s + "\n";
    }
    return out;
  }

  // One element of executable content as a .flow statement; nothing (reported) when it cannot
  // be imported.
  std::optional<std::string> statement(const xml_element& a) {
    const std::string kind = local(a.name);
    if (kind == "raise" && a.attribute("event"))
      return "raise " + event_name(*a.attribute("event"), a);
    if (kind == "log") return log(a);
    if (kind == "assign" && a.attribute("location") && a.attribute("expr")) return assign(a);
    if (kind == "if" && a.attribute("cond")) return if_statement(a);
    if (kind == "cancel" && a.attribute("sendid") && a.attributes.size() == 1)
      return "cancel " + identifier(*a.attribute("sendid"), a);
    if (kind == "send") return send(a);
    if (vflow_kind(a) == "spawn") return spawn(a);
    unsupported(a);
    return std::nullopt;
  }

  // `<if cond>...<elseif cond/>...<else/>...</if>` as `if C { ... } elif C { ... } else { ... }`.
  std::optional<std::string> if_statement(const xml_element& e) {
    const auto first = expression(*e.attribute("cond"), e);
    if (!first) return std::nullopt;
    std::string out = "if " + *first + " {";
    bool empty = true;
    for (const auto& c : e.children) {
      const std::string kind = local(c->name);
      if (kind == "elseif" || kind == "else") {
        out += empty ? "}" : " }";
        empty = true;
        if (kind == "else") {
          out += " else {";
          continue;
        }
        const auto cond =
            c->attribute("cond") ? expression(*c->attribute("cond"), *c) : std::nullopt;
        if (!cond) {
          if (!c->attribute("cond")) unsupported(*c);
          return std::nullopt;
        }
        out += " elif " + *cond + " {";
      } else if (const auto s = statement(*c)) {
        out += (empty ? " " : "; ") + *s;
        empty = false;
      }
    }
    return out + (empty ? "}" : " }");
  }

  // `<send event="E"/>` (to the session itself: its external queue), with `delay="D"` and `id="N"`
  // a pending send (`send E after D as N`), or `<send event="E" target="#_internal"/>` (its
  // internal queue, as `raise`); nothing (reported) for any other send.
  std::optional<std::string> send(const xml_element& a) {
    // What vflow writes besides: `delayexpr`, a link to send to, `send!`, and <param>s (the
    // event's arguments, in order).
    const std::string* link = vattr(a, "link");
    bool plain = a.attribute("event") != nullptr;
    for (const auto& [k, v] : a.attributes) {
      plain = plain &&
              (k == "event" || k == "target" || k == "delay" || k == "id" ||
               (vflow_ && (k == "delayexpr" || k == prefix_ + "link" || k == prefix_ + "must")));
    }
    std::string args;
    for (const auto& c : a.children) {
      const auto value = vflow_ && local(c->name) == "param" && c->attribute("expr")
                             ? expression(*c->attribute("expr"), *c)
                             : std::nullopt;
      if (!value) {
        plain = false;
        break;
      }
      args += (args.empty() ? "(" : ", ") + *value;
    }
    if (!args.empty()) args += ")";
    const std::string* target = a.attribute("target");
    const bool internal = target && *target == "#_internal" && !link;
    const bool delayed = a.attribute("delay") || a.attribute("delayexpr");
    if (!plain || (target && !link && (!internal || delayed))) {
      unsupported(a);
      return std::nullopt;
    }
    std::string out = (internal          ? "raise "
                       : flag(a, "must") ? "send! "
                                         : "send ") +
                      event_name(*a.attribute("event"), a) + args;
    if (const std::string* delay = a.attribute("delayexpr")) {
      const auto d = expression(*delay, a);
      if (!d) return std::nullopt;
      out += " after " + *d;
    } else if (const std::string* css = a.attribute("delay")) {
      const auto d = css2_duration(trim(*css));
      if (!d) {
        report(a, "delay '" + *css + "' is not a duration; the send was not imported");
        return std::nullopt;
      }
      out += " after " + *d;
    }
    if (const std::string* id = a.attribute("id")) {
      if (delayed) out += " as " + identifier(*id, a);  // only a delayed send can be cancelled
    }
    if (link) out += " to " + identifier(*link, a);
    return out;
  }

  void state(const xml_element& e, const std::string& indent, std::string& out,
             const std::string& initial_of_parent, bool region) {
    const std::string kind = local(e.name);
    const std::string id = identifier(*e.attribute("id"), e);
    if (kind == "history") {
      out +=
          indent +
          (e.attribute("type") && *e.attribute("type") == "deep" ? "deep history " : "history ") +
          id;
      for (const auto& c : e.children) {
        const std::string* target = c->attribute("target");
        if (local(c->name) == "transition" && target &&
            trim(*target).find(' ') == std::string::npos) {
          out += " -> " + identifier(trim(*target), *c) + block(*c);
        } else {
          report(*c, "this default of history '" + id +
                         "' is not imported (one target is); the parent's initial state is "
                         "entered instead");
        }
      }
      out += "\n";
      return;
    }
    std::string head;
    if (kind == "parallel") {
      head = std::string(!region && initial_of_parent == *e.attribute("id") ? "initial " : "") +
             "parallel " + id;
    } else if (region) {
      head = "region " + id;
    } else {
      head = std::string(initial_of_parent == *e.attribute("id") ? "initial " : "") +
             (kind == "final" ? "final " : "") + "state " + id;
    }
    // Children are written straight into `out` (no copy of a subtree per level); the braces are
    // taken back when the state turns out to have no body.
    const std::size_t mark = out.size();
    out += indent + head + " {\n";
    const std::size_t body_start = out.size();
    // The initial child: the `initial` attribute, an <initial> element, or the first child.
    const std::string initial =
        kind == "parallel" ? std::string() : initial_of(e, indent + "  ", out);
    std::string transitions;
    for (const auto& c : e.children) {
      const std::string ck = local(c->name);
      if (ck == "state" || ck == "final" || ck == "parallel" || ck == "history") {
        state(*c, indent + "  ", out, initial, kind == "parallel");
      } else if (ck == "onentry" || ck == "onexit") {
        const std::string acts = actions(*c, indent + "    ");
        if (!acts.empty())
          out += indent + "  " + (ck == "onentry" ? "entry" : "exit") + " {\n" + acts + indent +
                 "  }\n";
      } else if (ck == "transition") {
        transition(*c, indent + "  ", transitions);
      } else if (ck == "initial") {
        // read above
      } else if (ck == "datamodel") {
        data(*c);
      } else if (vflow_kind(*c) == "after") {
        timer(*c, indent + "  ", transitions);
      } else {
        unsupported(*c);
      }
    }
    if (out.size() == body_start && transitions.empty() && kind != "parallel") {
      out.resize(mark);
      out += indent + head + "\n";
      return;
    }
    out += transitions + indent + "}\n";
  }

  void transition(const xml_element& t, const std::string& indent, std::string& out) {
    // Targets: one, several (into parallel regions), or none (the state is not left).
    std::string targets;
    if (t.attribute("target")) {
      std::istringstream list(*t.attribute("target"));
      for (std::string target; list >> target;) {
        if (!known_.count(target))
          report(t, "target '" + target + "' is not a state of this document");
        targets += (targets.empty() ? " -> " : ", ") + identifier(target, t);
      }
    }
    if (!targets.empty() && t.attribute("type") && *t.attribute("type") == "internal")
      targets += " internal";
    std::string guard;
    if (t.attribute("cond")) {
      const auto c = expression(*t.attribute("cond"), t);
      if (!c) return;
      guard = " when " + *c;
    }
    std::vector<std::string> block;
    for (const auto& a : t.children) {
      if (const auto s = statement(*a)) block.push_back(*s);
    }
    std::string body;
    for (const auto& b : block) body += (body.empty() ? " { " : "; ") + b;
    if (!body.empty()) body += " }";
    if (targets.empty() && body.empty()) body = " {}";  // targetless: its block, maybe empty
    if (flag(t, "done")) {  // a state's own `done ->`, which vflow wrote as done.state.ID
      out += indent + "done" + targets + guard + body + "\n";
      return;
    }
    if (!t.attribute("event")) {
      if (targets.empty()) {
        report(t, "an eventless transition without a target is not supported; it was not imported");
        return;
      }
      out += indent + "always" + targets + guard + body + "\n";
      return;
    }
    std::string on;
    std::istringstream events(*t.attribute("event"));
    for (std::string ev; events >> ev;) on += (on.empty() ? "" : ", ") + descriptor(ev, t);
    if (on.empty()) return;
    out += indent + "on " + on + targets + guard + body + "\n";
  }

  const std::string& file_;
  std::vector<diagnostic>& diags_;
  std::set<std::string> events_;
  std::set<std::string> known_;
  std::map<std::string, std::string> types_;
  std::set<std::string> known_data_;
  std::uint32_t anonymous_ = 0;  // the ids of <data>, as written
  std::string data_;
  // A document vflow wrote: its namespace's prefix (with the colon) and the parts of the
  // workflow SCXML has no element for, as .flow text.
  bool vflow_ = false;
  std::string prefix_;
  std::string imports_, titles_, links_, declarations_;
};

}  // namespace

scxml_import import_scxml(std::string_view text, const std::string& source_name,
                          const std::string& stream) {
  scxml_import result;
  const auto refuse = [&](std::uint32_t line, std::uint32_t column, std::string message) {
    diagnostic d;
    d.code = "S0000";
    d.severity = severity::error;
    d.file = source_name;
    d.span.line = d.span.end_line = line;
    d.span.column = column;
    d.span.end_column = column + 1;
    d.message = std::move(message);
    result.diagnostics.push_back(std::move(d));
    return result;
  };
  if (text.size() > max_scxml_bytes) {
    return refuse(1, 1,
                  "the document is larger than " + std::to_string(max_scxml_bytes >> 20) + " MiB");
  }
  auto xml = read_xml(text);
  if (!xml.root)
    return refuse(xml.line, xml.column, "not a well-formed XML document: " + xml.error);
  translator t(source_name, result.diagnostics);
  result.flow = t.run(*xml.root, stream);
  return result;
}

}  // namespace vflow::dsl
