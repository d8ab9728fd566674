// PEGTL actions for expressions: literals, names, calls, operators by precedence.
// Included only by parser.cpp.
#pragma once

#include "dsl/parser_state.hpp"

namespace vflow::dsl {

namespace {  // private to parser.cpp, the one translation unit that includes this

// ---- expressions ----

template <>
struct action<g::number_literal> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    const std::string_view text = in.string_view();
    expr e = leaf(b, expr_kind::int_literal, in);
    b.set_text(e, text);
    if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      std::uint64_t magnitude = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), magnitude);
      if (ec != std::errc() || end != text.data() + text.size() ||
          magnitude > static_cast<std::uint64_t>(INT64_MAX) + 1) {
        e.overflow = true;
      } else if (magnitude == static_cast<std::uint64_t>(INT64_MAX) + 1) {
        e.overflow = true;  // fits only when negated
        e.number = INT64_MIN;
      } else {
        e.number = static_cast<std::int64_t>(magnitude);
      }
    } else if (const auto ms = engine::parse_duration(text)) {
      e.kind = expr_kind::duration_literal;
      e.number = *ms;
    } else {
      throw pegtl::parse_error("malformed number or duration '" + std::string(text) +
                                   "' (durations look like 30s, 15m, 4h, 2d or 1h30m)",
                               in);
    }
    push_node(b, std::move(e), in);
  }
};

// The value of a string literal's text (with its quotes): escapes replaced.
std::string unescape(std::string_view quoted) {
  const std::string_view raw = quoted.substr(1, quoted.size() - 2);
  std::string value;
  value.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\') {
      value += raw[i];
      continue;
    }
    switch (raw[++i]) {
      case 'n': value += '\n'; break;
      case 't': value += '\t'; break;
      case 'r': value += '\r'; break;
      default: value += raw[i]; break;  // \" and \\ (the grammar allows no others)
    }
  }
  return value;
}

template <>
struct action<g::string_literal> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    expr e = leaf(b, expr_kind::string_literal, in);
    b.set_text(e, unescape(in.string_view()));
    push_node(b, std::move(e), in);
  }
};

template <bool Value>
struct bool_action {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    expr e = leaf(b, expr_kind::bool_literal, in);
    e.number = Value ? 1 : 0;
    push_node(b, std::move(e), in);
  }
};
template <>
struct action<g::true_literal> : bool_action<true> {};
template <>
struct action<g::false_literal> : bool_action<false> {};

template <expr_kind Kind>
struct leaf_action {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    expr e = leaf(b, Kind, in);
    if constexpr (Kind == expr_kind::name || Kind == expr_kind::member)
      b.set_text(e, in.string_view());
    push_node(b, std::move(e), in);
  }
};
template <>
struct action<g::null_literal> : leaf_action<expr_kind::null_literal> {};
template <>
struct action<g::now_ref> : leaf_action<expr_kind::now> {};
template <>
struct action<g::name_ref> : leaf_action<expr_kind::name> {};
template <>
struct action<g::actor_ref> : leaf_action<expr_kind::actor> {};

template <>
struct action<g::member_ref> : leaf_action<expr_kind::member> {};

template <>
struct action<g::if_expr> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    expr e = leaf(b, expr_kind::conditional, in);
    const expr_ref parts[3] = {b.stack[b.stack.size() - 3], b.stack[b.stack.size() - 2],
                               b.stack.back()};
    b.stack.resize(b.stack.size() - 3);
    adopt(b, e, parts, 3);
    push_node(b, std::move(e), in);
  }
};

template <>
struct action<g::event_ref> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    expr e = leaf(b, expr_kind::event_param, in);
    const std::string_view text = in.string_view();
    b.set_text(e, text.substr(text.find('.') + 1));
    push_node(b, std::move(e), in);
  }
};

struct push_marker {
  template <typename Input>
  static void apply(const Input&, builder& b) {
    b.markers.push_back(b.stack.size());
  }
};
template <>
struct action<g::call_open> : push_marker {};
template <>
struct action<g::list_open> : push_marker {};
template <>
struct action<g::raise_open> : push_marker {};

template <>
struct action<g::call> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    expr e = leaf(b, expr_kind::call, in);
    const std::string_view text = in.string_view();
    const auto name_end = std::find_if(text.begin(), text.end(), [](char c) {
      return !(std::isalnum(static_cast<unsigned char>(c)) || c == '_');
    });
    b.set_text(e, text.substr(0, static_cast<std::size_t>(name_end - text.begin())));
    adopt_since_marker(b, e);
    push_node(b, std::move(e), in);
  }
};

template <>
struct action<g::in_tail> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    expr e;
    e.kind = expr_kind::in_list;
    const expr_ref needle = b.stack[b.markers.back() - 1];
    e.span = join(b.node(needle).span, b.span(in));
    adopt_since_marker(b, e, 1);  // the needle, then the list items
    push_node(b, std::move(e), in);
  }
};

// A parenthesised expression spans its parentheses, so that the text of `(n + 1) * 2` (in a
// decision trace, say) is cut from the source with both of them.
template <>
struct action<g::paren_expr> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    expr& e = b.node(b.stack.back());
    e.span = b.span(in);
    e.parenthesized = true;
  }
};

template <>
struct action<g::negate> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    const source_span whole = b.span(in);
    expr& operand = b.node(b.stack.back());
    if (operand.kind == expr_kind::int_literal) {
      // Fold -literal so that -9223372036854775808 is representable.
      if (!operand.overflow) {
        operand.number = operand.number == INT64_MIN ? INT64_MIN : -operand.number;
      } else if (operand.number == INT64_MIN) {
        operand.overflow = false;
      }
      const std::string digits(b.file.text(operand));
      b.set_text(operand, digits.front() == '-' ? digits.substr(1) : '-' + digits);
      operand.span = whole;
      return;
    }
    const expr_ref x = b.pop();
    expr e;
    e.kind = expr_kind::unary;
    e.uop = unary_op::negate;
    e.span = whole;
    adopt(b, e, &x, 1);
    push_node(b, std::move(e), in);
  }
};

template <>
struct action<g::not_app> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    const expr_ref x = b.pop();
    expr e;
    e.kind = expr_kind::unary;
    e.uop = unary_op::not_;
    e.span = b.span(in);
    adopt(b, e, &x, 1);
    push_node(b, std::move(e), in);
  }
};

template <>
struct action<g::mul_op> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    const char c = in.peek_char();
    b.ops.push_back(c == '*' ? binary_op::mul : c == '/' ? binary_op::div : binary_op::mod);
  }
};
template <>
struct action<g::add_op> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    b.ops.push_back(in.peek_char() == '+' ? binary_op::add : binary_op::sub);
  }
};
template <>
struct action<g::cmp_op> {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    const std::string_view t = in.string_view();
    binary_op op = binary_op::eq;
    if (t == "!=")
      op = binary_op::ne;
    else if (t == "<=")
      op = binary_op::le;
    else if (t == ">=")
      op = binary_op::ge;
    else if (t == "<")
      op = binary_op::lt;
    else if (t == ">")
      op = binary_op::gt;
    b.ops.push_back(op);
  }
};

struct pending_op_tail {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    const binary_op op = b.ops.back();
    b.ops.pop_back();
    combine_binary(b, op, in);
  }
};
template <>
struct action<g::mul_tail> : pending_op_tail {};
template <>
struct action<g::add_tail> : pending_op_tail {};
template <>
struct action<g::cmp_tail> : pending_op_tail {};

template <binary_op Op>
struct fixed_op_tail {
  template <typename Input>
  static void apply(const Input& in, builder& b) {
    combine_binary(b, Op, in);
  }
};
template <>
struct action<g::coalesce_tail> : fixed_op_tail<binary_op::coalesce> {};
template <>
struct action<g::and_tail> : fixed_op_tail<binary_op::and_> {};
template <>
struct action<g::or_tail> : fixed_op_tail<binary_op::or_> {};

}  // namespace

}  // namespace vflow::dsl
