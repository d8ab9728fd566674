// The PEGTL grammar of .flow files: rules only. Actions live in parser.cpp.
#pragma once

#include <string_view>
#include <tao/pegtl.hpp>
#include <tao/pegtl/contrib/analyze_traits.hpp>

#include "dsl/reserved.hpp"

namespace vflow::dsl::grammar {

namespace pegtl = tao::pegtl;
using namespace tao::pegtl;

// A comment runs from '#' to the end of the line.
struct comment : seq<one<'#'>, until<eolf>> {};

// Space between tokens: blanks, newlines and comments. Equivalent to star<sor<space, comment>>,
// written as one loop because it runs between every pair of tokens.
struct sp {
  using rule_t = sp;
  using subs_t = empty_list;
  template <typename Input>
  static bool match(Input& in) {
    const char* p = in.current();
    const char* const end = in.end();
    while (p != end) {
      const char c = *p;
      if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\v' || c == '\f') {
        ++p;
      } else if (c == '#') {
        while (p != end && *p != '\n') ++p;
      } else {
        break;
      }
    }
    in.bump(static_cast<std::size_t>(p - in.current()));
    return true;
  }
};

// A keyword is a word not followed by more identifier characters.
template <typename Word>
struct key : seq<Word, not_at<identifier_other>> {};

struct kw_stream : key<TAO_PEGTL_STRING("stream")> {};
struct kw_workflow : key<TAO_PEGTL_STRING("workflow")> {};
struct kw_title : key<TAO_PEGTL_STRING("title")> {};
struct kw_data : key<TAO_PEGTL_STRING("data")> {};
struct kw_event : key<TAO_PEGTL_STRING("event")> {};
struct kw_initial : key<TAO_PEGTL_STRING("initial")> {};
struct kw_final : key<TAO_PEGTL_STRING("final")> {};
struct kw_state : key<TAO_PEGTL_STRING("state")> {};
struct kw_on : key<TAO_PEGTL_STRING("on")> {};
struct kw_when : key<TAO_PEGTL_STRING("when")> {};
struct kw_and : key<TAO_PEGTL_STRING("and")> {};
struct kw_or : key<TAO_PEGTL_STRING("or")> {};
struct kw_not : key<TAO_PEGTL_STRING("not")> {};
struct kw_in : key<TAO_PEGTL_STRING("in")> {};
struct kw_true : key<TAO_PEGTL_STRING("true")> {};
struct kw_false : key<TAO_PEGTL_STRING("false")> {};
struct kw_null : key<TAO_PEGTL_STRING("null")> {};
struct kw_now : key<TAO_PEGTL_STRING("now")> {};
struct kw_actor : key<TAO_PEGTL_STRING("actor")> {};
struct kw_policy : key<TAO_PEGTL_STRING("policy")> {};
struct kw_deny : key<TAO_PEGTL_STRING("deny")> {};
struct kw_because : key<TAO_PEGTL_STRING("because")> {};
struct kw_rule : key<TAO_PEGTL_STRING("rule")> {};
struct kw_raise : key<TAO_PEGTL_STRING("raise")> {};
struct kw_after : key<TAO_PEGTL_STRING("after")> {};
struct kw_done : key<TAO_PEGTL_STRING("done")> {};
struct kw_always : key<TAO_PEGTL_STRING("always")> {};
struct kw_entry : key<TAO_PEGTL_STRING("entry")> {};
struct kw_exit : key<TAO_PEGTL_STRING("exit")> {};
struct kw_parallel : key<TAO_PEGTL_STRING("parallel")> {};
struct kw_region : key<TAO_PEGTL_STRING("region")> {};
struct kw_history : key<TAO_PEGTL_STRING("history")> {};
struct kw_deep : key<TAO_PEGTL_STRING("deep")> {};
struct kw_links : key<TAO_PEGTL_STRING("links")> {};
struct kw_inverse : key<TAO_PEGTL_STRING("inverse")> {};
struct kw_ref : key<TAO_PEGTL_STRING("ref")> {};
struct kw_spawn : key<TAO_PEGTL_STRING("spawn")> {};
struct kw_send : key<TAO_PEGTL_STRING("send")> {};
struct kw_to : key<TAO_PEGTL_STRING("to")> {};
struct kw_if : key<TAO_PEGTL_STRING("if")> {};
struct kw_import : key<TAO_PEGTL_STRING("import")> {};
struct kw_then : key<TAO_PEGTL_STRING("then")> {};
struct kw_else : key<TAO_PEGTL_STRING("else")> {};

// Words that can never name a field, state, event or parameter: dsl/reserved.hpp.

// A user-chosen name: an identifier that is not a reserved word. Equivalent to
// seq<not_at<reserved words...>, identifier>, written as one scan because names are everywhere.
struct ident {
  using rule_t = ident;
  using subs_t = empty_list;
  template <typename Input>
  static bool match(Input& in) {
    const auto head = [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    };
    const char* const begin = in.current();
    const char* const end = in.end();
    if (begin == end || !head(*begin)) return false;
    const char* p = begin + 1;
    while (p != end && (head(*p) || (*p >= '0' && *p <= '9'))) ++p;
    if (is_reserved(std::string_view(begin, static_cast<std::size_t>(p - begin)))) return false;
    in.bump_in_this_line(static_cast<std::size_t>(p - begin));
    return true;
  }
};

// An event name: words joined by dots (`error.execution`, `done.state.Build`). SCXML's event
// descriptors match by these words: `error` matches `error.send.failed`. An event is never
// named inside an expression, so the expression language's words may name one (`on in`).
struct event_ident : seq<identifier, star<one<'.'>, plus<identifier_other>>> {};
// What a transition's `on` names: an event name (matching it and every dotted name it is a
// prefix of), the same with `.*` written out, or `*` for every event.
struct event_descriptor : sor<one<'*'>, seq<event_ident, opt<string<'.', '*'>>>> {};

struct lbrace : one<'{'> {};
struct rparen : one<')'> {};
struct colon : one<':'> {};
struct arrow : string<'-', '>'> {};

// ---- expressions, loosest binding first ----

struct expr;

// A backslash escape inside a string literal.
struct escape : seq<one<'\\'>, must<one<'"', '\\', 'n', 't', 'r'>>> {};
// Any character of a string literal but a line break.
struct string_char : sor<escape, not_one<'\n', '\r'>> {};
// The characters after the opening quote, up to and including the closing quote.
struct string_body : until<one<'"'>, string_char> {};
// "text" with \" \\ \n \t \r escapes, on one line.
struct string_literal : seq<one<'"'>, must<string_body>> {};
// Digits, optionally with duration units: 42, 30m, 1h30m; the action validates the form.
struct number_literal : seq<plus<digit>, star<identifier_other>> {};
struct true_literal : kw_true {};
struct false_literal : kw_false {};
struct null_literal : kw_null {};
struct now_ref : kw_now {};
// The identity that fired the event being processed (null when none was given).
struct actor_ref : kw_actor {};
// event.PARAM
struct event_ref : seq<kw_event, must<one<'.'>>, must<ident>> {};
// The '(' that opens a call's argument list.
struct call_open : one<'('> {};
// name(arg, ...)
struct call : seq<ident, sp, call_open, sp, opt<expr, sp, star<one<','>, sp, must<expr>, sp>>,
                  must<rparen>> {};
// A data field.
struct name_ref : ident {};
// LINK.FIELD: a field of the instance a single link holds.
struct member_ref : seq<ident, one<'.'>, ident> {};
// if COND then A else B
struct if_then : seq<sp, kw_then> {};
struct if_else : seq<sp, kw_else> {};
struct if_expr
    : seq<kw_if, sp, must<expr>, must<if_then>, sp, must<expr>, must<if_else>, sp, must<expr>> {};
// ( expr )
struct paren_expr : seq<one<'('>, sp, must<expr>, sp, must<rparen>> {};
struct primary
    : sor<paren_expr, string_literal, number_literal, true_literal, false_literal, null_literal,
          now_ref, actor_ref, event_ref, if_expr, call, member_ref, name_ref> {};

struct unary;
// -x
struct negate : seq<one<'-'>, sp, must<unary>> {};
struct unary : sor<negate, primary> {};

struct mul_op : one<'*', '/', '%'> {};
struct mul_tail : seq<sp, mul_op, sp, must<unary>> {};
struct mul_expr : seq<unary, star<mul_tail>> {};

struct add_op : sor<one<'+'>, seq<one<'-'>, not_at<one<'>'>>>> {};
struct add_tail : seq<sp, add_op, sp, must<mul_expr>> {};
struct add_expr : seq<mul_expr, star<add_tail>> {};

struct coalesce_expr;
// x ?? default (right-associative)
struct coalesce_tail : seq<sp, string<'?', '?'>, sp, must<coalesce_expr>> {};
struct coalesce_expr : seq<add_expr, opt<coalesce_tail>> {};

struct cmp_op : sor<string<'=', '='>, string<'!', '='>, string<'<', '='>, string<'>', '='>,
                    one<'<'>, one<'>'>> {};
struct cmp_tail : seq<sp, cmp_op, sp, must<coalesce_expr>> {};
// The '[' that opens an `in` list.
struct list_open : one<'['> {};
struct list_close : one<']'> {};
// x in [a, b, c]
struct in_tail : seq<sp, kw_in, sp, must<list_open>, sp,
                     opt<expr, sp, star<one<','>, sp, must<expr>, sp>>, must<list_close>> {};
// Comparisons do not chain: a < b < c is a syntax error with its own message.
struct no_chain : not_at<cmp_op> {};
struct cmp_expr : seq<coalesce_expr, opt<sor<cmp_tail, in_tail>, sp, must<no_chain>>> {};

struct not_expr;
// not x (looser than comparison: not a == b is not (a == b))
struct not_app : seq<kw_not, sp, must<not_expr>> {};
struct not_expr : sor<not_app, cmp_expr> {};

struct and_tail : seq<sp, kw_and, sp, must<not_expr>> {};
struct and_expr : seq<not_expr, star<and_tail>> {};

struct or_tail : seq<sp, kw_or, sp, must<and_expr>> {};
struct or_expr : seq<and_expr, star<or_tail>> {};

struct expr : or_expr {};

// ---- declarations ----

// int, string?, ...
struct type_name : ident {};
struct nullable_mark : one<'?'> {};
// `ref W`: the id of an instance of workflow W.
struct ref_mark : kw_ref {};
struct type_ref : seq<opt<ref_mark, sp>, type_name, opt<nullable_mark>> {};

// links { NAME: WORKFLOW[?|[]] [inverse OTHER] }
struct link_name : ident {};
struct link_workflow : ident {};
struct link_many : seq<one<'['>, sp, must<one<']'>>> {};
struct link_optional : one<'?'> {};
struct link_inverse : ident {};
struct link_decl
    : seq<link_name, sp, must<colon>, sp, must<link_workflow>, opt<sor<link_many, link_optional>>,
          sp, opt<kw_inverse, sp, must<link_inverse>>> {};
struct links_close : one<'}'> {};
struct links_block : seq<kw_links, sp, must<lbrace>, sp, star<link_decl, sp>, must<links_close>> {};

// name: type [= default]
struct field_name : ident {};
struct field_default : seq<one<'='>, sp, must<expr>> {};
struct field_decl : seq<field_name, sp, must<colon>, sp, must<type_ref>, sp, opt<field_default>> {};
struct data_close : one<'}'> {};
// data { fields }
struct data_block : seq<kw_data, sp, must<lbrace>, sp, star<field_decl, sp>, must<data_close>> {};

// param: type
struct param_name : ident {};
struct param_decl : seq<param_name, sp, must<colon>, sp, must<type_ref>> {};
struct param_list : seq<one<'('>, sp, opt<param_decl, sp, star<one<','>, sp, must<param_decl>, sp>>,
                        must<rparen>> {};
struct event_name : event_ident {};
// event NAME[(params)]
struct event_decl : seq<kw_event, sp, must<event_name>, sp, opt<param_list>> {};

// title "text"
struct title_decl : seq<kw_title, sp, must<string_literal>> {};

// spawn WORKFLOW(name: expr, ...): a new instance, linked by the assignment it stands in.
struct spawn_workflow : ident {};
struct spawn_arg_name : ident {};
struct spawn_arg : seq<spawn_arg_name, sp, must<colon>, sp, must<expr>> {};
struct spawn_open : one<'('> {};
struct spawn_expr : seq<kw_spawn, sp, must<spawn_workflow>, sp, must<spawn_open>, sp,
                        opt<spawn_arg, sp, star<one<','>, sp, must<spawn_arg>, sp>>, must<rparen>> {
};
// send[!] EVENT[(args)] to LINK: the event, to every instance the link holds.
struct send_must : one<'!'> {};
struct send_event : event_ident {};
struct send_open : one<'('> {};
struct send_args
    : seq<send_open, sp, opt<expr, sp, star<one<','>, sp, must<expr>, sp>>, must<rparen>> {};
struct send_link : ident {};
struct send_to : kw_to {};
struct send_start : kw_send {};
// Without `to LINK` the event goes to the instance itself, after everything the current event
// set off (SCXML's external queue).
// `after DELAY [as NAME]`: delivered to the instance itself by a tick, in whatever state it is
// then, unless `cancel NAME` drops it first.
struct send_delay : expr {};
struct send_label : ident {};
struct send_as : seq<key<TAO_PEGTL_STRING("as")>, sp, not_at<one<'='>>, must<send_label>> {};
struct send_after : seq<kw_after, sp, must<send_delay>, opt<sp, send_as>> {};
struct send_stmt : seq<send_start, opt<send_must>, sp, must<send_event>, sp, opt<send_args>,
                       opt<sp, send_after>, opt<sp, send_to, sp, must<send_link>>> {};
// cancel NAME: the instance's pending sends named NAME are dropped.
struct cancel_label : ident {};
struct cancel_stmt
    : seq<key<TAO_PEGTL_STRING("cancel")>, sp, not_at<one<'='>>, must<cancel_label>> {};
// field = expr; LINK = REF, LINK += REF, LINK -= REF (REF may be a spawn)
struct assign_field : ident {};
struct assign_eq : sor<string<'+', '='>, string<'-', '='>, one<'='>> {};
struct assign_value : sor<spawn_expr, expr> {};
struct assignment : seq<assign_field, sp, must<assign_eq>, sp, must<assign_value>> {};
struct assign_close : one<'}'> {};
// log EXPR: the value is journaled with the step (`log = 1` stays an assignment to a field).
struct log_value : expr {};
struct log_stmt
    : seq<key<TAO_PEGTL_STRING("log")>, sp, not_at<sor<assign_eq, one<'='>>>, must<log_value>> {};
struct raise_action;
struct rule_assignment;
// if COND { ... } [elif COND { ... }]... [else { ... }]: statements run when COND holds. `elif`
// and `else` are recognised only right after a branch's `}`.
struct if_stmt;
struct if_start : kw_if {};
struct elif_start : key<TAO_PEGTL_STRING("elif")> {};
struct else_start : kw_else {};
struct if_cond : expr {};
struct branch_close : one<'}'> {};
struct branch_body
    : seq<lbrace, sp,
          star<sor<if_stmt, raise_action, send_stmt, log_stmt, cancel_stmt, rule_assignment>, sp,
               opt<one<';'>>, sp>,
          must<branch_close>> {};
struct if_stmt
    : seq<if_start, sp, must<if_cond>, sp, must<branch_body>,
          star<sp, elif_start, sp, not_at<one<'='>>, must<if_cond>, sp, must<branch_body>>,
          opt<sp, else_start, sp, must<branch_body>>> {};
// { assignments, raises and sends separated by ';' or line breaks; from the first `if` on, the
// statements of entry and exit blocks }
struct assign_block
    : seq<lbrace, sp,
          star<sor<send_stmt, raise_action, log_stmt, cancel_stmt, assignment>, sp, opt<one<';'>>,
               sp>,
          opt<if_stmt, sp, opt<one<';'>>, sp,
              star<sor<if_stmt, raise_action, send_stmt, log_stmt, cancel_stmt, rule_assignment>,
                   sp, opt<one<';'>>, sp>>,
          must<assign_close>> {};

struct trans_event : event_descriptor {};
struct trans_more_event : event_descriptor {};
struct trans_target : ident {};
struct trans_more_target : ident {};
// `internal`: a transition from a compound state to its descendants does not leave the state.
struct trans_internal : key<TAO_PEGTL_STRING("internal")> {};
struct guard : seq<kw_when, sp, must<expr>> {};
// -> TARGET[, TARGET...] [internal], or nothing before `when` or `{`: a targetless transition,
// which leaves no state.
struct trans_head_rest
    : sor<seq<arrow, sp, must<trans_target>, star<sp, one<','>, sp, must<trans_more_target>>,
              opt<sp, trans_internal>>,
          at<kw_when>, at<lbrace>> {};
// on EVENT[, EVENT...] -> TARGET [when GUARD] [{ block }], or on EVENT [when GUARD] { block }
struct transition
    : seq<kw_on, sp, must<trans_event>, star<sp, one<','>, sp, must<trans_more_event>>, sp,
          must<trans_head_rest>, sp, opt<guard>, sp, opt<assign_block>> {};

struct initial_mark : kw_initial {};
struct final_mark : kw_final {};
struct state_mark : kw_state {};
struct state_name : ident {};
struct state_close : one<'}'> {};
// after DELAY [when GUARD] -> TARGET [{ assignments }]: a durable timer, armed on entering the
// state and cancelled on leaving it.
struct timer_start : kw_after {};
struct timer_delay : expr {};
struct timer : seq<timer_start, sp, must<timer_delay>, sp, opt<guard>, sp, must<arrow>, sp,
                   must<trans_target>, sp, opt<assign_block>> {};

// deny EVENT[, EVENT...] when COND [because "text"]
struct deny_event : ident {};
struct deny_when : seq<kw_when, sp, must<expr>> {};
struct because_text : seq<kw_because, sp, must<string_literal>> {};
struct deny_start : kw_deny {};
struct deny_clause
    : seq<deny_start, sp, must<deny_event>, sp, star<one<','>, sp, must<deny_event>, sp>,
          must<deny_when>, sp, opt<because_text>> {};
struct policy_name : ident {};
struct policy_description : string_literal {};
struct policy_close : one<'}'> {};
// policy NAME "description" { deny clauses }
struct policy_decl : seq<kw_policy, sp, must<policy_name>, sp, must<policy_description>, sp,
                         must<lbrace>, sp, star<deny_clause, sp>, must<policy_close>> {};

// raise EVENT[(arg, ...)]
struct raise_event : event_ident {};
struct raise_open : one<'('> {};
struct raise_args
    : seq<raise_open, sp, opt<expr, sp, star<one<','>, sp, must<expr>, sp>>, must<rparen>> {};
struct raise_action : seq<kw_raise, sp, raise_event, sp, opt<raise_args>> {};
struct rule_assign_field : ident {};
struct rule_assign_eq : one<'='> {};
struct rule_assignment : seq<rule_assign_field, sp, must<rule_assign_eq>, sp, must<expr>> {};
struct rule_close : one<'}'> {};
struct rule_when : seq<kw_when, sp, must<expr>> {};
struct rule_name : ident {};
// rule NAME when COND { assignments and raises }
struct rule_decl
    : seq<kw_rule, sp, must<rule_name>, sp, must<rule_when>, sp, must<lbrace>, sp,
          star<sor<raise_action, rule_assignment>, sp, opt<one<';'>>, sp>, must<rule_close>> {};

// done -> TARGET [when GUARD] [{ ... }]: taken when the state's final child (or, for a parallel
// state, every region's final state) is reached.
struct done_start : kw_done {};
struct done_transition : seq<done_start, sp, must<arrow>, sp, must<trans_target>, sp, opt<guard>,
                             sp, opt<assign_block>> {};
// always -> TARGET [when GUARD] [{ ... }]: an eventless transition.
struct always_start : kw_always {};
struct always_transition : seq<always_start, sp, must<arrow>, sp, must<trans_target>, sp,
                               opt<guard>, sp, opt<assign_block>> {};

// The statements of entry and exit blocks: assignments and raises, as in rules.
struct action_close : one<'}'> {};
struct action_block
    : seq<lbrace, sp,
          star<sor<if_stmt, raise_action, send_stmt, log_stmt, cancel_stmt, rule_assignment>, sp,
               opt<one<';'>>, sp>,
          must<action_close>> {};
// entry { ... } and exit { ... }
struct entry_start : kw_entry {};
struct exit_start : kw_exit {};
struct entry_block : seq<entry_start, sp, must<action_block>> {};
struct exit_block : seq<exit_start, sp, must<action_block>> {};

// [deep] history NAME: a pseudo-state that re-enters where its parent was left.
struct deep_mark : kw_deep {};
struct history_mark : kw_history {};
struct history_name : ident {};
// `-> TARGET`: where it leads before its parent was ever left (else the parent's initial state),
// with `{ ... }` the statements run then.
struct history_target : ident {};
struct history_block_start : success {};
struct history_block : seq<at<lbrace>, history_block_start, action_block> {};
struct history_decl
    : seq<sor<seq<deep_mark, sp, must<history_mark>>, history_mark>, sp, must<history_name>,
          opt<sp, arrow, sp, must<history_target>, opt<sp, history_block>>> {};

// initial -> TARGET[, TARGET...]: the states entered by default, at any depth (one per region).
struct initial_start : seq<kw_initial, sp, arrow> {};
struct initial_target : ident {};
// `{ ... }` after `initial -> A`: statements run when the state is entered by that default.
struct initial_block_start : success {};
struct initial_block : seq<at<lbrace>, initial_block_start, action_block> {};
struct initial_targets : seq<initial_start, sp, must<initial_target>,
                             star<sp, one<','>, sp, must<initial_target>>, opt<sp, initial_block>> {
};

struct state_decl;
struct parallel_decl;
struct initial_parallel;
// region NAME { states }: one orthogonal part of a parallel state.
struct region_name : ident {};
struct region_close : one<'}'> {};
// Without a body (or with no states) it is an atomic state, active while its parallel state is.
struct region_decl : seq<kw_region, sp, must<region_name>,
                         opt<sp, lbrace, sp,
                             star<sor<initial_targets, initial_parallel, state_decl, parallel_decl,
                                      history_decl, transition, timer, done_transition,
                                      always_transition, entry_block, exit_block>,
                                  sp>,
                             must<region_close>>> {};
// parallel NAME { regions, transitions }: every region is active at once.
struct parallel_name : ident {};
struct parallel_close : one<'}'> {};
struct parallel_decl : seq<kw_parallel, sp, must<parallel_name>, sp, must<lbrace>, sp,
                           star<sor<region_decl, parallel_decl, transition, timer, done_transition,
                                    always_transition, entry_block, exit_block>,
                                sp>,
                           must<parallel_close>> {};

// initial parallel NAME { ... }: a parallel state entered first.
struct initial_parallel : seq<initial_mark, sp, parallel_decl> {};

struct state_item
    : sor<initial_targets, transition, timer, done_transition, always_transition, entry_block,
          exit_block, history_decl, parallel_decl, initial_parallel, state_decl> {};
struct state_body : seq<lbrace, sp, star<state_item, sp>, must<state_close>> {};
struct state_rest : seq<sp, must<state_name>, sp, opt<state_body>> {};
// [initial] [final] state NAME [{ transitions, timers, entry/exit, child states }]
struct state_decl : sor<seq<plus<sor<initial_mark, final_mark>, sp>, must<state_mark>, state_rest>,
                        seq<state_mark, state_rest>> {};

// accept late events: events whose time is before the instance's last record are applied, not
// refused (by default events are applied in time order).
// first match wins: of two transitions of one state on one event, the first in document order is
// taken and the other never is (SCXML's rule; without it, two unguarded ones are an error).
struct first_match_decl
    : seq<key<TAO_PEGTL_STRING("first")>, sp, must<key<TAO_PEGTL_STRING("match")>>, sp,
          must<key<TAO_PEGTL_STRING("wins")>>> {};

struct late_events_decl
    : seq<key<TAO_PEGTL_STRING("accept")>, sp, must<key<TAO_PEGTL_STRING("late")>>, sp,
          must<key<TAO_PEGTL_STRING("events")>>> {};

struct workflow_item
    : sor<title_decl, late_events_decl, first_match_decl, data_block, links_block, event_decl,
          policy_decl, rule_decl, initial_targets, parallel_decl, initial_parallel, state_decl> {};
struct workflow_name : ident {};
struct workflow_close : one<'}'> {};
struct workflow_head : seq<kw_workflow, sp, must<workflow_name>> {};
// workflow NAME { items }
struct workflow_decl
    : seq<workflow_head, sp, must<lbrace>, sp, star<workflow_item, sp>, must<workflow_close>> {};

struct stream_name : ident {};
// stream S2P | R2D | R2F | D2C
struct stream_decl : seq<kw_stream, sp, must<stream_name>> {};

// import "../r2d/release.flow": another file whose workflows this one names (links, spawns,
// sends), read for their signatures.
struct import_path : string_literal {};
struct import_decl : seq<kw_import, sp, must<import_path>> {};

struct end_of_file : eof {};
// A whole .flow file.
struct file : seq<sp, opt<stream_decl, sp>, star<import_decl, sp>, star<workflow_decl, sp>,
                  must<end_of_file>> {};

}  // namespace vflow::dsl::grammar

// The hand-written rules, described to PEGTL's grammar analysis: `sp` may match nothing,
// `ident` always consumes input when it matches.
template <typename Name>
struct tao::pegtl::analyze_traits<Name, vflow::dsl::grammar::sp> : analyze_opt_traits<> {};
template <typename Name>
struct tao::pegtl::analyze_traits<Name, vflow::dsl::grammar::ident> : analyze_any_traits<> {};
