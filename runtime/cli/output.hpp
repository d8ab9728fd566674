// How the vflow command prints results: text for people, versioned JSON for machines.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "dsl/diagnostic.hpp"
#include "runtime/cli/cli.hpp"
#include "runtime/runtime.hpp"

namespace vflow::cli {

using json = nlohmann::ordered_json;

/// The format version of every JSON document the command prints.
inline constexpr int format_version = 1;

/// Text from outside (an id, actor, reason or message) escaped so that a terminal shows it as
/// written: control and bidirectional formatting characters cannot act on the screen.
std::string safe(std::string_view text);

/// What a command does with the database: only `create` may make a new one (from a missing or
/// empty file); `read` opens it read-only.
enum class db_access { read, write, create };

/// Opens the store at `--db` for `access`.
runtime::engine_runtime open_runtime(const global_options& g, db_access access);
/// The key secrets are hashed with, from VFLOW_SECRET_KEY or the file VFLOW_SECRET_KEY_FILE
/// names (one trailing line break dropped); nothing when neither is set. A usage error when both
/// are set, the file cannot be read, or the key is too short.
std::optional<std::string> secret_key_from_environment();

/// Prints `j` on stdout, indented, with a newline. Cannot fail on the text it holds (bytes that
/// are not UTF-8, from a database another program wrote, print as U+FFFD): output that follows a
/// commit must not turn a success into an error.
void print_json(const json& j);

/// A diagnostic as a JSON object (code, severity, message, file, line, column, end_*, help).
json to_json(const dsl::diagnostic& d);

/// Shows the diagnostics of one command, as text on stderr or collected for JSON, up to
/// `--error-limit` in all; `finish` says how many more there were.
/// Whether to colour what goes to file descriptor `fd`: not when NO_COLOR is set (no-color.org);
/// always when CLICOLOR_FORCE is set (and not 0); otherwise when it is a terminal not `dumb`.
bool use_colour(int fd);
/// A rendered diagnostic with ANSI colours: the severity and code, the caret, `help:`.
std::string coloured(const std::string& rendered);

class diagnostic_printer {
 public:
  diagnostic_printer(std::size_t limit, bool as_json)
      : limit_(limit), json_(as_json), colour_(!as_json && use_colour(2)) {}
  /// Shows (or collects) `diags`, which are about `source`, while the limit allows.
  void show(const std::vector<dsl::diagnostic>& diags, std::string_view source);
  /// Text: prints "N more errors not shown" on stderr when the limit cut the list. JSON: the
  /// diagnostics shown.
  json finish();
  /// How many diagnostics the limit held back.
  std::size_t not_shown() const { return hidden_errors_ + hidden_warnings_; }

 private:
  std::size_t limit_;
  bool json_;
  bool colour_;  // diagnostics go to stderr
  std::size_t shown_ = 0;
  std::size_t hidden_errors_ = 0, hidden_warnings_ = 0;
  json collected_ = json::array();
};
/// An instance: id, workflow, version, stream, definition, lifecycle, state, seq, data, times.
json to_json(const runtime::instance_view& v);
/// A journal record with its JSON columns expanded.
json to_json(const runtime::journal_row& r);
/// The result of start, fire, suspend, resume and cancel.
json to_json(const runtime::step_outcome& o);

/// `status` for people.
std::string status_text(const runtime::instance_view& v);
/// `history` for people: one line per record.
std::string history_text(const std::vector<runtime::journal_row>& records);
/// A journal record's decision trace in words, one line per decision, e.g. `deploy rejected by
/// policy cab_for_high_risk (change.flow:17): risk == "high" → true (risk = "high")`.
std::string explain_text(const runtime::journal_row& r);

/// One line saying what a request did.
std::string outcome_text(const runtime::step_outcome& o, const std::string& verb);

/// A time given on the command line to `option`: ISO-8601 UTC, or a date (its midnight, UTC);
/// nothing when `text` is empty; a usage error when it is neither.
std::optional<std::int64_t> time_or_date(const std::string& text, const char* option);

/// A CSV field (RFC 4180): quoted, quotes doubled, when it holds a comma, quote or line break.
std::string csv_field(const std::string& text);

/// The exit code for a request's status: 0 for ok, 1 otherwise.
int exit_code_of(runtime::status s);

}  // namespace vflow::cli
