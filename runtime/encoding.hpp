// How the runtime encodes engine state for the store and the journal: an instance's
// configuration, data and memory (rule conditions, timers, history) as JSON columns, and a step's
// decision trace, path and changes as journal JSON. The one place that knows these shapes.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dsl/compiler.hpp"
#include "engine/machine.hpp"
#include "engine/step.hpp"
#include "runtime/store.hpp"

namespace vflow::runtime {

using json = nlohmann::ordered_json;

/// The compact text of `j`, byte for byte what `j.dump()` writes, several times faster: ASCII
/// text is written directly; anything else (text beyond ASCII, which nlohmann checks is UTF-8,
/// floating point) by nlohmann's own serializer. What every record and instance row is written
/// with.
std::string to_text(const json& j);

/// State names of a configuration, as a JSON array.
json config_json(const engine::machine& m, const std::vector<engine::state_id>& config);
/// The states named in a JSON array (names the machine does not have are skipped).
std::vector<engine::state_id> config_from_json(const engine::machine& m, const std::string& text);
/// Data as a JSON object keyed by field name.
json data_json(const engine::machine& m, const std::vector<engine::value>& data);
/// Data from a JSON object; fields it lacks keep their declared defaults.
std::vector<engine::value> data_from_json(const engine::machine& m, const std::string& text);
/// What an instance remembers besides data: rule conditions, armed timers, history.
json memory_json(const engine::machine& m, const engine::instance_state& s);
/// An event's parameters by name, as the journal and the instance's memory store them.
json params_json(const engine::event_def& ev, const std::vector<engine::value>& params);
/// The engine state stored in an instance row (without its data when `with_data` is false).
engine::instance_state state_of(const engine::machine& m, const instance_row& row,
                                bool with_data = true);
/// Writes the engine state into an instance row: configuration, data, memory and next due time.
void store_state(const engine::machine& m, const engine::instance_state& s, instance_row& row);
/// A step's decision trace: every policy clause, guard and rule evaluated, with source line,
/// parts, the values they read and the result.
json trace_json(const engine::machine& m, const engine::step_result& r);
/// The transitions a step took, in order.
json path_json(const engine::machine& m, const std::vector<engine::taken_edge>& path);
/// The fields a step changed, with values before and after.
json changes_json(const engine::machine& m, const std::vector<engine::field_change>& changes);

/// The signatures a definition was checked against (definitions.imports), and back.
json signatures_json(const std::vector<dsl::workflow_signature>& signatures);
std::vector<dsl::workflow_signature> signatures_from_json(const std::string& text);
/// The effects a step made, for the journal: link changes, spawns and sends.
json effects_json(const engine::machine& m, const std::vector<engine::effect>& effects);

}  // namespace vflow::runtime
