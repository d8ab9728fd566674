// An instance's lifecycle (active, suspended, completed, cancelled) and its allowed changes.
#pragma once

#include <optional>
#include <string_view>

namespace vflow::runtime {

/// Where an instance is in its life, independent of its workflow's states.
enum class lifecycle { active, suspended, completed, cancelled };

/// What may happen to a lifecycle.
enum class lifecycle_event { complete, suspend, resume, cancel };

/// `active`, `suspended`, `completed` or `cancelled`.
std::string_view to_string(lifecycle l);
/// The lifecycle with that name, if any.
std::optional<lifecycle> parse_lifecycle(std::string_view name);
/// `complete`, `suspend`, `resume` or `cancel`.
std::string_view to_string(lifecycle_event e);

/// The lifecycle after `e` happens in `from`, or nothing when the change is not allowed
/// (e.g. resuming an active instance, or anything after completion).
std::optional<lifecycle> next_lifecycle(lifecycle from, lifecycle_event e);

}  // namespace vflow::runtime
