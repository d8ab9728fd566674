// The parser's entry point: the error messages of every must<> point, the control that bounds
// nesting depth, and parse(). The only translation unit of the product that runs PEGTL; the
// actions that build the syntax tree are in parser_state.hpp, parser_expr_actions.hpp and
// parser_decl_actions.hpp.
#include "dsl/parser.hpp"

#include "dsl/parser_decl_actions.hpp"
#include "dsl/parser_expr_actions.hpp"
#include "dsl/parser_state.hpp"

namespace vflow::dsl {

namespace {

// Names what stands at `offset`, for "expected X, found Y" messages.
std::string describe_found(std::string_view text, std::size_t offset) {
  if (offset >= text.size()) return "end of file";
  const auto c = static_cast<unsigned char>(text[offset]);
  if (c == 0) return "a NUL byte";
  if (c == '\n' || c == '\r') return "end of line";
  if (c < 0x20 || c >= 0x7f) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "byte 0x%02x", c);
    return buf;
  }
  if (std::isalnum(c) || c == '_') {
    std::size_t end = offset;
    while (end < text.size() && end - offset < 32 &&
           (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_')) {
      ++end;
    }
    const std::string_view word = text.substr(offset, end - offset);
    const bool reserved = is_reserved(word);
    return (reserved ? "the reserved word '" : "'") + std::string(word) + "'";
  }
  return "'" + std::string(1, static_cast<char>(c)) + "'";
}

// ---- error messages and depth limits ----

template <typename Rule>
constexpr const char* error_message = "unexpected input";

// clang-format off
template <> constexpr const char* error_message<pegtl::one<'"', '\\', 'n', 't', 'r'>> = "unknown escape sequence (use \\\", \\\\, \\n, \\t or \\r)";
template <> constexpr const char* error_message<g::string_body> = "unterminated string literal (strings end with '\"' on the same line)";
template <> constexpr const char* error_message<pegtl::one<'.'>> = "expected '.' after 'event' (event parameters are written event.NAME)";
template <> constexpr const char* error_message<g::ident> = "expected a name";
template <> constexpr const char* error_message<g::expr> = "expected an expression";
template <> constexpr const char* error_message<g::rparen> = "expected ')'";
template <> constexpr const char* error_message<g::unary> = "expected an operand after '-'";
template <> constexpr const char* error_message<g::mul_expr> = "expected an operand after the operator";
template <> constexpr const char* error_message<g::coalesce_expr> = "expected an operand after the operator";
template <> constexpr const char* error_message<g::not_expr> = "expected an operand after 'not' or 'and'";
template <> constexpr const char* error_message<g::and_expr> = "expected an operand after 'or'";
template <> constexpr const char* error_message<g::list_open> = "expected '[' after 'in' (write x in [a, b])";
template <> constexpr const char* error_message<g::list_close> = "expected ',' or ']' in the list";
template <> constexpr const char* error_message<g::no_chain> = "comparisons cannot be chained; join them with 'and' (a < b and b < c)";
template <> constexpr const char* error_message<g::colon> = "expected ':' and a type after the name";
template <> constexpr const char* error_message<g::type_ref> = "expected a type (int, bool, string, time or duration, with '?' if it may be null)";
template <> constexpr const char* error_message<g::lbrace> = "expected '{'";
template <> constexpr const char* error_message<g::data_close> = "expected a field declaration 'name: type' or '}' to close the data block";
template <> constexpr const char* error_message<g::param_decl> = "expected a parameter 'name: type'";
template <> constexpr const char* error_message<g::event_name> = "expected the event's name";
template <> constexpr const char* error_message<g::string_literal> = "expected a string in double quotes";
template <> constexpr const char* error_message<g::assign_eq> = "expected '=' in the assignment 'field = expression' (or '+=' / '-=' for a link)";
template <> constexpr const char* error_message<g::rule_assign_eq> = "expected '=' in the assignment 'field = expression'";
template <> constexpr const char* error_message<g::assign_value> = "expected an expression";
template <> constexpr const char* error_message<g::trans_head_rest> = "expected '->' and a target state after the event (or '{' for a targetless transition)";
template <> constexpr const char* error_message<g::if_then> = "expected 'then' after the condition of 'if'";
template <> constexpr const char* error_message<g::if_else> = "expected 'else' and a value: if COND then A else B";
template <> constexpr const char* error_message<g::link_workflow> = "expected the linked workflow's name after ':'";
template <> constexpr const char* error_message<g::link_inverse> = "expected the name of the other workflow's link after 'inverse'";
template <> constexpr const char* error_message<g::links_close> = "expected a link 'name: Workflow', 'name: Workflow?', 'name: Workflow[]' or '}' to close the links block";
template <> constexpr const char* error_message<g::spawn_workflow> = "expected the workflow to spawn after 'spawn'";
template <> constexpr const char* error_message<g::spawn_open> = "expected '(' and its fields: spawn WORKFLOW(field: value, ...)";
template <> constexpr const char* error_message<g::spawn_arg> = "expected 'field: value' in the spawn";
template <> constexpr const char* error_message<g::send_event> = "expected the event to send after 'send'";
template <> constexpr const char* error_message<g::send_link> = "expected the link to send to after 'to'";
template <> constexpr const char* error_message<pegtl::one<']'>> = "expected ']' after '[' in a link's type (Workflow[])";
template <> constexpr const char* error_message<g::assign_close> = "expected an assignment 'field = expression', 'raise EVENT', 'send EVENT [to LINK]' or '}' to close the block";
template <> constexpr const char* error_message<g::trans_event> = "expected an event name after 'on' (words joined by dots, or *)";
template <> constexpr const char* error_message<g::trans_more_event> = "expected another event name after ','";
template <> constexpr const char* error_message<g::trans_more_target> = "expected another target state after ','";
template <> constexpr const char* error_message<g::history_target> = "expected the state the history state leads to before its parent was ever left";
template <> constexpr const char* error_message<g::log_value> = "expected the value to log";
template <> constexpr const char* error_message<g::send_delay> = "expected the delay of the send (a duration, like 30s or 2h)";
template <> constexpr const char* error_message<g::send_label> = "expected the name of the send, for 'cancel NAME'";
template <> constexpr const char* error_message<g::cancel_label> = "expected the name of the sends to cancel";
template <> constexpr const char* error_message<g::if_cond> = "expected the condition of the 'if'";
template <> constexpr const char* error_message<g::branch_body> = "expected '{' and the statements of the branch";
template <> constexpr const char* error_message<g::branch_close> = "expected a statement, or '}' to end the branch";
template <> constexpr const char* error_message<g::initial_target> = "expected the state entered first";
template <> constexpr const char* error_message<g::key<TAO_PEGTL_STRING("match")>> = "expected 'first match wins'";
template <> constexpr const char* error_message<g::key<TAO_PEGTL_STRING("wins")>> = "expected 'first match wins'";
template <> constexpr const char* error_message<g::arrow> = "expected '->' and a target state";
template <> constexpr const char* error_message<g::trans_target> = "expected the target state after '->'";
template <> constexpr const char* error_message<g::state_mark> = "expected 'state' after 'initial' or 'final'";
template <> constexpr const char* error_message<g::state_name> = "expected the state's name";
template <> constexpr const char* error_message<g::state_close> = "expected a transition 'on EVENT -> TARGET', a timer 'after DELAY -> TARGET', 'done', 'always', 'entry', 'exit', a child state, or '}' to close the state";
template <> constexpr const char* error_message<g::timer_delay> = "expected a delay after 'after', e.g. after 4h -> Escalated";
template <> constexpr const char* error_message<g::workflow_name> = "expected the workflow's name";
template <> constexpr const char* error_message<g::workflow_close> = "expected 'title', 'data', 'links', 'event', 'policy', 'rule', 'state', 'parallel', 'first match wins' or '}' to close the workflow";
template <> constexpr const char* error_message<g::policy_name> = "expected the policy's name";
template <> constexpr const char* error_message<g::policy_description> = "expected the policy's description in double quotes";
template <> constexpr const char* error_message<g::policy_close> = "expected a clause 'deny EVENT when CONDITION' or '}' to close the policy";
template <> constexpr const char* error_message<g::deny_event> = "expected an event name after 'deny' or ','";
template <> constexpr const char* error_message<g::deny_when> = "expected 'when CONDITION' after the denied events";
template <> constexpr const char* error_message<g::rule_name> = "expected the rule's name";
template <> constexpr const char* error_message<g::rule_when> = "expected 'when CONDITION' after the rule's name";
template <> constexpr const char* error_message<g::action_block> = "expected '{' and assignments or raises";
template <> constexpr const char* error_message<g::action_close> = "expected an assignment 'field = expression', 'raise EVENT', 'send EVENT to LINK' or '}'";
template <> constexpr const char* error_message<g::history_mark> = "expected 'history' after 'deep'";
template <> constexpr const char* error_message<g::history_name> = "expected the history state's name";
template <> constexpr const char* error_message<g::region_name> = "expected the region's name";
template <> constexpr const char* error_message<g::region_close> = "expected a state, a transition, or '}' to close the region";
template <> constexpr const char* error_message<g::parallel_name> = "expected the parallel state's name";
template <> constexpr const char* error_message<g::parallel_close> = "expected a region, a transition, or '}' to close the parallel state";
template <> constexpr const char* error_message<g::rule_close> = "expected an assignment 'field = expression', 'raise EVENT' or '}' to close the rule";
template <> constexpr const char* error_message<g::stream_name> = "expected a value stream name (S2P, R2D, R2F or D2C)";
template <> constexpr const char* error_message<g::end_of_file> = "expected 'workflow NAME { ... }'";
template <> constexpr const char* error_message<g::key<TAO_PEGTL_STRING("late")>> = "expected 'accept late events'";
template <> constexpr const char* error_message<g::key<TAO_PEGTL_STRING("events")>> = "expected 'accept late events'";
template <> constexpr const char* error_message<g::import_path> = "expected the imported file's path in double quotes";
// clang-format on

// Rules through which expressions recurse; their nesting is counted and bounded.
template <typename Rule>
constexpr bool counts_nesting =
    std::is_same_v<Rule, g::expr> || std::is_same_v<Rule, g::negate> ||
    std::is_same_v<Rule, g::not_app> || std::is_same_v<Rule, g::coalesce_tail> ||
    std::is_same_v<Rule, g::if_expr>;

// Rules through which state declarations nest; bounded separately from expressions.
template <typename Rule>
constexpr bool counts_state_nesting =
    std::is_same_v<Rule, g::state_decl> || std::is_same_v<Rule, g::parallel_decl> ||
    std::is_same_v<Rule, g::region_decl> || std::is_same_v<Rule, g::if_stmt>;

template <typename Rule>
struct control : pegtl::normal<Rule> {
  template <typename Input, typename... States>
  [[noreturn]] static void raise(const Input& in, States&&...) {
    const std::size_t offset = static_cast<std::size_t>(in.current() - in.begin());
    throw pegtl::parse_error(
        std::string(error_message<Rule>) + ", found " +
            describe_found(std::string_view(in.begin(), in.size() + offset), offset),
        in);
  }

  template <pegtl::apply_mode A, pegtl::rewind_mode M, template <typename...> class Action,
            template <typename...> class Control, typename Input>
  static bool match(Input& in, builder& b) {
    if constexpr (counts_nesting<Rule> || counts_state_nesting<Rule>) {
      constexpr bool states = counts_state_nesting<Rule>;
      std::size_t& depth = states ? b.state_nesting : b.nesting;
      if (++depth > b.limits.max_nesting) {
        const char* what = std::is_same_v<Rule, g::if_stmt> ? "'if' blocks are"
                           : states                         ? "states are"
                                                            : "expression is";
        throw pegtl::parse_error(std::string(what) + " nested too deeply (the limit is " +
                                     std::to_string(b.limits.max_nesting) + " levels)",
                                 in);
      }
      const bool matched = pegtl::normal<Rule>::template match<A, M, Action, Control>(in, b);
      --depth;
      return matched;
    } else {
      return pegtl::normal<Rule>::template match<A, M, Action, Control>(in, b);
    }
  }
};

}  // namespace

parse_result parse(std::string_view text, const std::string& source_name,
                   const parse_limits& limits) {
  parse_result result;
  if (text.size() > limits.max_bytes) {
    diagnostic d;
    d.code = "F0002";
    d.file = source_name;
    d.message = "file is too large (" + std::to_string(text.size()) + " bytes; the limit is " +
                std::to_string(limits.max_bytes) + ")";
    result.diagnostics.push_back(std::move(d));
    return result;
  }
  builder b(text, limits);
  if (const std::size_t bad = engine::invalid_utf8_at(text); bad != std::string_view::npos) {
    diagnostic d;
    d.code = "F0001";
    d.file = source_name;
    d.span = b.span(text.data() + bad, text.data() + bad);
    d.span.end_column = d.span.column + 1;
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02x", static_cast<unsigned char>(text[bad]));
    d.message = std::string("invalid UTF-8 (byte ") + byte + "): .flow files are UTF-8";
    result.diagnostics.push_back(std::move(d));
    return result;
  }
  b.file.children.reserve(text.size() / 12);  // about one child per 12 bytes of typical source
  b.file.strings.reserve(text.size() / 2);
  pegtl::memory_input<pegtl::tracking_mode::lazy> in(text.data(), text.size(), source_name);
  try {
    pegtl::parse<g::file, action, control>(in, b);
    result.file = std::move(b.file);
  } catch (const pegtl::parse_error& e) {
    diagnostic d;
    d.code = "F0001";
    d.file = source_name;
    const std::size_t offset = e.positions().empty() ? 0 : e.positions().front().byte;
    d.span = b.span(text.data() + offset, text.data() + offset);
    d.span.end_column = d.span.column + 1;
    d.message = std::string(e.message());
    result.diagnostics.push_back(std::move(d));
  }
  return result;
}

}  // namespace vflow::dsl
