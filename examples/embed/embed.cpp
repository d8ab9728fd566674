// Embedding vflow in a C++ program: deploy a workflow, start an instance, ask a question in
// memory, fire events, and read the instance and its journal back. Run:
// build/examples/vflow_embed_example [DB]
#include <iostream>
#include <string>

#include "runtime/decisions.hpp"
#include "runtime/runtime.hpp"

int main(int argc, char** argv) {
  using namespace vflow::runtime;
  const std::string db = argc > 1 ? argv[1] : "embed-example.db";
  try {
    auto rt = engine_runtime::open(db);

    const auto deployed = rt.deploy({{"change.flow", R"(stream D2C
workflow Rollout {
  data {
    service: string
    approvals: int = 0
  }
  event approve(by: string)
  event deploy
  initial state Pending {
    on approve -> Pending when approvals < 1 { approvals = approvals + 1 }
    on approve -> Approved when approvals >= 1 { approvals = approvals + 1 }
  }
  state Approved { on deploy -> Live }
  final state Live
}
)"}});
    if (!deployed.ok()) {
      for (const auto& d : deployed.diagnostics) std::cerr << d.message << '\n';
      return 1;
    }

    const auto started =
        rt.start({.workflow = "Rollout", .fields = {{"service", "billing"}}, .actor = "pipeline"});
    if (started.status != status::ok) {
      std::cerr << started.message << '\n';
      return 1;
    }
    const std::string id = started.instance->id;

    // A question asked in memory (runtime/decisions.hpp): may it deploy now? Nothing is written;
    // a loaded instance answers as `vflow gate --can deploy` would, as often as it is asked.
    {
      auto loaded = rt.load(id);
      std::string error;
      const auto may_deploy = loaded->ask("deploy", {}, "pipeline", error);
      const answer& a = loaded->decide(*may_deploy);
      std::cout << "may deploy? " << (a.allowed ? "yes" : "no: " + a.message) << '\n';
    }

    // Deploying before two approvals is refused, and the refusal is journaled.
    for (const auto& [event, params] :
         std::vector<std::pair<std::string, named_values>>{{"deploy", {}},
                                                           {"approve", {{"by", "ana"}}},
                                                           {"approve", {{"by", "raj"}}},
                                                           {"deploy", {}}}) {
      const auto o = rt.fire({.id = id, .event = event, .params = params, .actor = "pipeline"});
      std::cout << event << ": " << to_string(o.status);
      if (!o.message.empty()) std::cout << " (" << o.message << ")";
      std::cout << '\n';
    }

    const auto v = rt.status(id);
    std::cout << id << " is " << v->state.front() << ", " << to_string(v->lifecycle) << ", seq "
              << v->seq << '\n';
    const auto history = rt.history(id);
    for (const auto& r : *history) {
      std::cout << "  " << r.seq << ' ' << to_string(r.kind) << ' ' << r.event.value_or("-") << ' '
                << to_string(r.outcome) << '\n';
    }
    return v->lifecycle == lifecycle::completed ? 0 : 1;
  } catch (const vflow::store_error& e) {
    std::cerr << "store error: " << e.what() << '\n';
    return 3;
  }
}
