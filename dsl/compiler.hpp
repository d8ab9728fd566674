// The front end's entry point: .flow text -> checked, lowered machines plus every diagnostic.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsl/ast.hpp"
#include "dsl/diagnostic.hpp"
#include "dsl/parser.hpp"
#include "engine/machine.hpp"

namespace vflow::dsl {

/// What a workflow shows to the workflows that link to it, spawn it or send to it: its stream,
/// states, fields, events and links. Enough to check those uses without compiling it.
struct workflow_signature {
  std::string name;
  std::string stream;
  std::vector<std::string> states;
  std::vector<engine::field_def> fields;  // name, type, ref, required (initial values unset)
  std::vector<engine::event_def> events;  // name and parameters
  std::vector<engine::link_def> links;
};

/// The signature of a compiled workflow.
workflow_signature signature_of(const engine::machine& m);

/// Finds workflows outside the files being compiled (deployed ones, say); nothing when unknown.
using workflow_lookup = std::function<std::optional<workflow_signature>(const std::string& name)>;

/// The result of compiling one file: the machines (only when there are no errors), the syntax
/// tree (when the file parsed), and every diagnostic, sorted by position.
struct compile_result {
  std::vector<engine::machine> machines;
  std::optional<flow_file> ast;
  std::vector<diagnostic> diagnostics;
  /// The other workflows the file's workflows link to, spawn or send to, as they were resolved.
  std::vector<workflow_signature> imports;

  /// True when no diagnostic is an error.
  bool ok() const;
};

/// One .flow file of a set compiled together.
struct flow_source {
  std::string name;
  std::string_view text;
  /// Read only for the signatures of its workflows (an `import`ed file not itself being
  /// compiled): its result is empty, unless it does not parse.
  bool context = false;
};

/// Parses, checks and lowers `text`. Workflows it names in links, `ref` types, spawns and sends
/// are looked for in the file, then through `lookup`. Never throws on bad input.
compile_result compile(std::string_view text, const std::string& source_name,
                       const parse_limits& limits = {}, const workflow_lookup& lookup = {});

/// Compiles files together: a workflow may link to one in another file of the set (a deploy, a
/// directory checked at once), then to one `lookup` finds. One result per file, in order.
std::vector<compile_result> compile_set(const std::vector<flow_source>& files,
                                        const workflow_lookup& lookup = {},
                                        const parse_limits& limits = {});

/// Checks and lowers an already parsed file (the compiler stages after parsing).
compile_result check_and_lower(const flow_file& file, std::string_view text,
                               const std::string& source_name, const workflow_lookup& lookup = {});

}  // namespace vflow::dsl
