// The SCXML importer: a small XML reader (a PEGTL grammar of its own) and the translation of the
// element tree into .flow text.
#include "dsl/scxml.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include <expat.h>

#include "dsl/reserved.hpp"

namespace vflow::dsl {

namespace {

// ---- XML: expat reads it (well-formedness, entities, encodings, line and column) ----

struct xml_element {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attributes;
  std::vector<std::unique_ptr<xml_element>> children;
  std::uint32_t line = 0;
  std::uint32_t column = 0;

  const std::string* attribute(std::string_view key) const {
    for (const auto& [k, v] : attributes) {
      if (k == key) return &v;
    }
    return nullptr;
  }
};

// Builds the element tree from expat's callbacks. Nesting is bounded here, before anything
// recurses over the tree, so that the translator's recursion is bounded too.
struct xml_reader {
  XML_Parser parser = nullptr;
  std::unique_ptr<xml_element> root;
  std::vector<xml_element*> open;
  std::string error;

  void stop(std::string why) {
    if (error.empty()) error = std::move(why);
    XML_StopParser(parser, XML_FALSE);
  }

  static void XMLCALL on_start(void* data, const XML_Char* name, const XML_Char** attributes) {
    auto& r = *static_cast<xml_reader*>(data);
    if (r.open.size() >= max_scxml_depth) {
      r.stop("elements are nested more than " + std::to_string(max_scxml_depth) + " levels deep");
      return;
    }
    auto e = std::make_unique<xml_element>();
    e->name = name;
    e->line = static_cast<std::uint32_t>(XML_GetCurrentLineNumber(r.parser));
    e->column = static_cast<std::uint32_t>(XML_GetCurrentColumnNumber(r.parser)) + 1;
    for (const XML_Char** a = attributes; a[0] != nullptr; a += 2)
      e->attributes.emplace_back(a[0], a[1]);
    xml_element* raw = e.get();
    if (r.open.empty()) {
      r.root = std::move(e);  // expat itself refuses a second root element
    } else {
      r.open.back()->children.push_back(std::move(e));
    }
    r.open.push_back(raw);
  }

  static void XMLCALL on_end(void* data, const XML_Char*) {
    static_cast<xml_reader*>(data)->open.pop_back();
  }

  // A DTD could declare entities that expand into guards and names (or explode, billions of
  // laughs): a chart has no use for one, so it is refused before anything is expanded.
  static void XMLCALL on_doctype(void* data, const XML_Char*, const XML_Char*, const XML_Char*,
                                 int) {
    static_cast<xml_reader*>(data)->stop("a DTD (<!DOCTYPE ...>) is not accepted in a chart");
  }
};

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
      if (k == "datamodel" && v != "null" && v != "ecmascript")
        report(root, "data model '" + v + "' is not supported");
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
      } else {
        unsupported(*c);
      }
    }
    std::string out = "# Imported from " + file_ + "\nstream " + stream + "\n\nworkflow " + name +
                      " {\n  first match wins\n";
    if (!data_.empty()) out += "  data {\n" + data_ + "  }\n";
    for (const auto& e : events_) out += "  event " + e + "\n";
    out += states + "}\n";
    return out;
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
      const auto lit = d->attribute("expr") ? literal(*d->attribute("expr"), *d) : std::nullopt;
      if (!lit) {
        data_ += "    " + id + ": string?\n";
        continue;
      }
      data_ += "    " + id + ": " + lit->second + " = " + lit->first + "\n";
      types_[id] = lit->second;
    }
  }

  // A literal value and its type, or nothing (reported) when the expression is not a literal.
  std::optional<std::pair<std::string, std::string>> literal(const std::string& expr,
                                                             const xml_element& where) {
    const std::string t = trim(expr);
    if (t == "true" || t == "false") return std::pair(t, std::string("bool"));
    if (!t.empty() &&
        std::all_of(t.begin() + (t[0] == '-' ? 1 : 0), t.end(),
                    [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) &&
        t != "-") {
      return std::pair(t, std::string("int"));
    }
    if (t.size() >= 2 && (t.front() == '\'' || t.front() == '"') && t.back() == t.front()) {
      return std::pair(quote(t.substr(1, t.size() - 2)), std::string("string"));
    }
    report(where, "expression '" + expr + "' is not a literal; only literal values are imported");
    return std::nullopt;
  }

  // A .flow string literal of `s`.
  static std::string quote(const std::string& s) {
    std::string out = "\"";
    for (const char c : s) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out + "\"";
  }

  // `<log label="L" expr="E"/>` as `log "L: E"` (E a literal), `log "L"` or `log E` (E a
  // condition); nothing (reported) when E is neither.
  std::optional<std::string> log(const xml_element& a) {
    const std::string label = a.attribute("label") ? *a.attribute("label") : std::string();
    if (!a.attribute("expr")) return "log " + quote(label);
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
    const std::string target = identifier(*a.attribute("location"), a) + " = ";
    const std::string expr = trim(*a.attribute("expr"));
    if (expr.empty() || expr.front() == '\'' || expr.front() == '"') {
      if (const auto lit = literal(expr, a)) return target + lit->first;
      return std::nullopt;
    }
    if (const auto e = condition(expr, a)) return target + *e;
    return std::nullopt;
  }

  static std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    const auto e = s.find_last_not_of(" \t\r\n");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  }

  // A condition or value: In('S'), literals, data names, !, &&, ||, ==, !=, <, <=, >, >=,
  // + - * / %, parentheses.
  std::optional<std::string> condition(const std::string& cond, const xml_element& where) {
    std::string out;
    std::size_t i = 0;
    const std::string& c = cond;
    while (i < c.size()) {
      const char ch = c[i];
      if (std::isspace(static_cast<unsigned char>(ch))) {
        out += ' ';
        ++i;
      } else if (c.compare(i, 3, "In(") == 0) {
        const auto close = c.find(')', i);
        if (close == std::string::npos) break;
        std::string arg = trim(c.substr(i + 3, close - i - 3));
        if (arg.size() >= 2 && (arg.front() == '\'' || arg.front() == '"'))
          arg = arg.substr(1, arg.size() - 2);
        out += "in_state(" + identifier(arg, where) + ")";
        i = close + 1;
      } else if (c.compare(i, 2, "&&") == 0) {
        out += " and ";
        i += 2;
      } else if (c.compare(i, 2, "||") == 0) {
        out += " or ";
        i += 2;
      } else if (c.compare(i, 3, "===") == 0 || c.compare(i, 3, "!==") == 0) {
        out += c[i] == '!' ? " != " : " == ";
        i += 3;
      } else if (c.compare(i, 2, "==") == 0 || c.compare(i, 2, "!=") == 0 ||
                 c.compare(i, 2, "<=") == 0 || c.compare(i, 2, ">=") == 0) {
        out += " " + c.substr(i, 2) + " ";
        i += 2;
      } else if (ch == '!') {
        out += " not ";
        ++i;
      } else if (ch == '+' || ch == '-' || ch == '*' || ch == '/' || ch == '%') {
        out += std::string(" ") + ch + " ";
        ++i;
      } else if (ch == '<' || ch == '>' || ch == '(' || ch == ')') {
        out += ch;
        ++i;
      } else if (ch == '\'' || ch == '"') {
        const auto end = c.find(ch, i + 1);
        if (end == std::string::npos) break;
        out += "\"" + c.substr(i + 1, end - i - 1) + "\"";
        i = end + 1;
      } else if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_') {
        std::size_t j = i;
        while (j < c.size() && (std::isalnum(static_cast<unsigned char>(c[j])) || c[j] == '_')) ++j;
        out += c.substr(i, j - i);
        i = j;
      } else {
        report(where, "expression '" + cond + "' uses '" + std::string(1, ch) +
                          "', which is not imported");
        return std::nullopt;
      }
    }
    std::string collapsed;  // one space between tokens
    for (const char ch : trim(out)) {
      if (ch == ' ' && !collapsed.empty() && collapsed.back() == ' ') continue;
      collapsed += ch;
    }
    return collapsed;
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
    unsupported(a);
    return std::nullopt;
  }

  // `<if cond>...<elseif cond/>...<else/>...</if>` as `if C { ... } elif C { ... } else { ... }`.
  std::optional<std::string> if_statement(const xml_element& e) {
    const auto first = condition(*e.attribute("cond"), e);
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
            c->attribute("cond") ? condition(*c->attribute("cond"), *c) : std::nullopt;
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
    bool plain = a.attribute("event") && a.children.empty();
    for (const auto& [k, v] : a.attributes) {
      plain = plain && (k == "event" || k == "target" || k == "delay" || k == "id");
    }
    const std::string* target = a.attribute("target");
    if (!plain || (target && (*target != "#_internal" || a.attribute("delay")))) {
      unsupported(a);
      return std::nullopt;
    }
    std::string out = (target ? "raise " : "send ") + event_name(*a.attribute("event"), a);
    if (const std::string* delay = a.attribute("delay")) {
      const auto d = duration(trim(*delay));
      if (!d) {
        report(a, "delay '" + *delay + "' is not a duration; the send was not imported");
        return std::nullopt;
      }
      out += " after " + *d;
    }
    if (const std::string* id = a.attribute("id")) {
      if (!a.attribute("delay")) return out;  // only a delayed send can be cancelled
      out += " as " + identifier(*id, a);
    }
    return out;
  }

  // SCXML delays are CSS2 times: "2s", "500ms", "1.5s", "0.1s"; minutes and hours are written
  // by some tools too. Converted to a .flow duration (in ms when not whole), or nothing.
  static std::optional<std::string> duration(const std::string& d) {
    std::size_t i = 0;
    std::int64_t whole = 0, fraction = 0, scale = 1;
    for (; i < d.size() && std::isdigit(static_cast<unsigned char>(d[i])); ++i) {
      if (whole > 1'000'000'000) return std::nullopt;
      whole = whole * 10 + (d[i] - '0');
    }
    const std::size_t digits = i;
    if (i < d.size() && d[i] == '.') {
      for (++i; i < d.size() && std::isdigit(static_cast<unsigned char>(d[i])); ++i) {
        if (scale >= 1'000'000) continue;  // beyond a microsecond: ignored
        fraction = fraction * 10 + (d[i] - '0');
        scale *= 10;
      }
    }
    if (i == 0 || (digits == 0 && scale == 1)) return std::nullopt;
    std::string unit = d.substr(i);
    if (unit == "min") unit = "m";
    static const std::map<std::string, std::int64_t> ms = {
        {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};
    const auto u = ms.find(unit);
    if (u == ms.end()) return std::nullopt;
    if (scale == 1 || fraction == 0) return std::to_string(whole) + u->first;
    return std::to_string(whole * u->second + fraction * u->second / scale) + "ms";
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
      const auto c = condition(*t.attribute("cond"), t);
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
  xml_reader reader;
  std::unique_ptr<std::remove_pointer_t<XML_Parser>, decltype(&XML_ParserFree)> parser(
      XML_ParserCreate(nullptr), &XML_ParserFree);
  if (!parser) throw std::bad_alloc();
  reader.parser = parser.get();
  XML_SetUserData(reader.parser, &reader);
  XML_SetElementHandler(reader.parser, &xml_reader::on_start, &xml_reader::on_end);
  XML_SetStartDoctypeDeclHandler(reader.parser, &xml_reader::on_doctype);
  const bool parsed = XML_Parse(reader.parser, text.data(), static_cast<int>(text.size()),
                                XML_TRUE) == XML_STATUS_OK;
  if (!parsed || !reader.root) {
    const auto line = static_cast<std::uint32_t>(XML_GetCurrentLineNumber(reader.parser));
    const auto column = static_cast<std::uint32_t>(XML_GetCurrentColumnNumber(reader.parser)) + 1;
    std::string why = !reader.error.empty() ? reader.error
                      : parsed              ? std::string("there is no root element")
                                            : XML_ErrorString(XML_GetErrorCode(reader.parser));
    return refuse(line, column, "not a well-formed XML document: " + why);
  }
  translator t(source_name, result.diagnostics);
  result.flow = t.run(*reader.root, stream);
  return result;
}

}  // namespace vflow::dsl
