// The runtime API on each backend (a temporary SQLite file, a fresh PostgreSQL database): deploy,
// start, fire, lifecycle, persistence. The store conformance suite: every test runs on both.
#include <gtest/gtest.h>

#include <tuple>

#include "tests/runtime/runtime_util.hpp"

namespace {

using namespace vflow;
using runtime::status;

class RuntimeTest : public testing::TestWithParam<std::string> {
 protected:
  runtime::engine_runtime open() { return runtime::engine_runtime::open(db); }

  void SetUp() override {
    db = test::fresh_database(GetParam(), dir);
    if (db.empty()) GTEST_SKIP() << "no PostgreSQL server (set VFLOW_TEST_POSTGRES)";
    auto rt = open();
    ASSERT_TRUE(rt.deploy(test::library()).ok());
    const auto s = rt.start({.workflow = "Incident",
                             .id = "INC-1",
                             .fields = {{"service", "mail"}},
                             .actor = "alice",
                             .at = 1000});
    ASSERT_EQ(s.status, status::ok) << s.message;
  }

  runtime::step_outcome fire(const std::string& event, runtime::named_values params = {},
                             std::optional<std::string> event_id = std::nullopt) {
    auto rt = open();
    return rt.fire(
        {"INC-1", event, std::move(params), "bob", std::move(event_id), std::nullopt, 2000});
  }

  test::temp_dir dir;
  std::string db;
};

INSTANTIATE_TEST_SUITE_P(Backends, RuntimeTest, testing::ValuesIn(test::backends()),
                         test::backend_name);

TEST_P(RuntimeTest, StartWritesTheInstanceAndAStartRecord) {
  auto rt = open();
  const auto v = rt.status("INC-1");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->workflow, "Incident");
  EXPECT_EQ(v->version, 1);
  EXPECT_EQ(v->state, std::vector<std::string>{"New"});
  EXPECT_EQ(v->lifecycle, runtime::lifecycle::active);
  EXPECT_EQ(v->seq, 1);
  EXPECT_EQ(v->data.at(1).first, "service");
  EXPECT_EQ(v->data.at(1).second, engine::value::of_string("mail"));
  const auto h = rt.history("INC-1");
  ASSERT_TRUE(h);
  ASSERT_EQ(h->size(), 1u);
  EXPECT_EQ(h->front().kind, runtime::record_kind::start);
  EXPECT_EQ(h->front().actor, "alice");
  EXPECT_EQ(h->front().at, 1000);
}

TEST_P(RuntimeTest, StartRefusesBadInputAndCreatesNothing) {
  auto rt = open();
  EXPECT_EQ(rt.start({.workflow = "Incident", .id = "INC-2"}).message,
            "missing required field 'service' (string)");
  EXPECT_EQ(rt.start({.workflow = "Incident",
                      .id = "INC-2",
                      .fields = {{"service", "x"}, {"priority", "high"}}})
                .message,
            "field 'priority' must be int, got 'high'");
  EXPECT_EQ(
      rt.start({.workflow = "Incident", .id = "INC-2", .fields = {{"service", "x"}, {"prio", "1"}}})
          .status,
      status::invalid);
  EXPECT_EQ(rt.start({.workflow = "Incidnet", .id = "INC-2"}).status, status::not_found);
  EXPECT_EQ(rt.start({.workflow = "Incident", .id = "INC-1", .fields = {{"service", "x"}}}).status,
            status::conflict);
  EXPECT_FALSE(rt.status("INC-2"));
  EXPECT_EQ(rt.list({}).size(), 1u);
}

TEST_P(RuntimeTest, GeneratedIdsAreUnique) {
  auto rt = open();
  const auto a = rt.start({.workflow = "Incident", .fields = {{"service", "x"}}});
  const auto b = rt.start({.workflow = "Incident", .fields = {{"service", "x"}}});
  ASSERT_EQ(a.status, status::ok);
  ASSERT_EQ(b.status, status::ok);
  EXPECT_NE(a.instance->id, b.instance->id);
  EXPECT_EQ(a.instance->id.rfind("incident-", 0), 0u);
}

TEST_P(RuntimeTest, TakenEventIsJournaledWithChanges) {
  const auto o = fire("assign", {{"user", "ada"}});
  ASSERT_EQ(o.status, status::ok) << o.message;
  EXPECT_EQ(o.instance->state, std::vector<std::string>{"Assigned"});
  EXPECT_EQ(o.instance->seq, 2);
  ASSERT_TRUE(o.record);
  EXPECT_EQ(o.record->outcome, runtime::record_outcome::taken);
  EXPECT_EQ(o.record->from_config, R"(["New"])");
  EXPECT_EQ(o.record->to_config, R"(["Assigned"])");
  EXPECT_EQ(o.record->changes, R"([{"field":"assignee","before":null,"after":"ada"}])");
  EXPECT_EQ(o.record->params, R"({"user":"ada"})");
  EXPECT_EQ(o.record->actor, "bob");
}

TEST_P(RuntimeTest, RejectedEventIsJournaledAndStateUnchanged) {
  const auto o = fire("close");
  EXPECT_EQ(o.status, status::rejected);
  EXPECT_EQ(o.message, "event 'close' is not enabled in state New");
  auto rt = open();
  const auto v = rt.status("INC-1");
  EXPECT_EQ(v->state, std::vector<std::string>{"New"});
  EXPECT_EQ(v->seq, 2);
  const auto h = *rt.history("INC-1");
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[1].outcome, runtime::record_outcome::rejected);
  EXPECT_EQ(h[1].reason, "event 'close' is not enabled in state New");
  EXPECT_EQ(h[1].actor, "bob");
  EXPECT_EQ(h[1].changes, "[]");
}

TEST_P(RuntimeTest, GuardsAreRecordedInTheDetail) {
  fire("assign", {{"user", "ada"}});
  fire("start_work");
  const auto o = fire("resolve", {{"code", ""}});
  EXPECT_EQ(o.status, status::rejected);
  EXPECT_EQ(
      o.record->detail,
      R"({"source":"workflows/d2c/incident.flow","reason_code":"guards_false","trace":[)"
      R"({"kind":"guard","event":"resolve","from":"InProgress","to":"Resolved","line":83,)"
      R"("condition":"len(event.code) > 0","result":false,"parts":[{"text":"len(event.code) > 0",)"
      R"("result":false,"reads":{"event.code":""}}]}]})");
}

TEST_P(RuntimeTest, DuplicateEventIdReturnsTheFirstOutcomeAndWritesNothing) {
  const auto first = fire("assign", {{"user", "ada"}}, "job-7");
  ASSERT_EQ(first.status, status::ok);
  const auto again = fire("assign", {{"user", "ada"}}, "job-7");
  EXPECT_EQ(again.status, status::ok);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.record->seq, first.record->seq);
  EXPECT_EQ(again.record->gseq, first.record->gseq);
  // The first record itself, every column (read together with the instance on PostgreSQL).
  const runtime::journal_row& a = *first.record;
  const runtime::journal_row& b = *again.record;
  EXPECT_EQ(std::tie(a.instance, a.definition, a.kind, a.event, a.params, a.actor, a.event_id),
            std::tie(b.instance, b.definition, b.kind, b.event, b.params, b.actor, b.event_id));
  EXPECT_EQ(std::tie(a.at, a.recorded_at, a.from_config, a.to_config, a.changes, a.outcome),
            std::tie(b.at, b.recorded_at, b.from_config, b.to_config, b.changes, b.outcome));
  EXPECT_EQ(std::tie(a.reason, a.detail, a.lifecycle, a.cause, a.hash),
            std::tie(b.reason, b.detail, b.lifecycle, b.cause, b.hash));
  EXPECT_FALSE(b.hash.empty());
  auto rt = open();
  EXPECT_EQ(rt.history("INC-1")->size(), 2u);
  EXPECT_EQ(rt.status("INC-1")->seq, 2);
  // The same id for another event is a conflict, not a silent duplicate.
  const auto reused = fire("start_work", {}, "job-7");
  EXPECT_EQ(reused.status, status::conflict);
  EXPECT_EQ(rt.history("INC-1")->size(), 2u);
}

TEST_P(RuntimeTest, DuplicateOfARejectionIsStillARejection) {
  EXPECT_EQ(fire("close", {}, "job-9").status, status::rejected);
  const auto again = fire("close", {}, "job-9");
  EXPECT_EQ(again.status, status::rejected);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(open().history("INC-1")->size(), 2u);
}

TEST_P(RuntimeTest, ExpectedSequenceMismatchIsAConflictAndWritesNothing) {
  auto rt = open();
  const auto o = rt.fire({"INC-1", "assign", {{"user", "ada"}}, {}, {}, 5, {}});
  EXPECT_EQ(o.status, status::conflict);
  EXPECT_EQ(o.message, "instance 'INC-1' is at seq 1, not the expected 5");
  EXPECT_EQ(rt.history("INC-1")->size(), 1u);
  EXPECT_EQ(rt.fire({"INC-1", "assign", {{"user", "ada"}}, {}, {}, 1, {}}).status, status::ok);
}

// A CI job polling a gate journals its questions, but they change nothing: another writer's
// update expecting the seq it read before them still goes through; a change does not.
TEST_P(RuntimeTest, GateAnswersSinceTheExpectedSequenceAreNoConflict) {
  auto rt = open();
  const std::int64_t seen = rt.status("INC-1")->seq;
  runtime::gate_request can;
  can.id = "INC-1";
  can.can = "assign";
  can.params = {{"user", "ada"}};
  ASSERT_EQ(rt.gate(can).status, status::ok);
  runtime::gate_request in;
  in.id = "INC-1";
  in.in = {"New"};
  rt.gate(in);
  ASSERT_EQ(rt.status("INC-1")->seq, seen + 2);  // both journaled
  const auto o = rt.fire({"INC-1", "assign", {{"user", "ada"}}, {}, {}, seen, {}});
  EXPECT_EQ(o.status, status::ok) << o.message;
  // Now the instance changed after `seen`: the same expectation is a conflict.
  const auto late = rt.fire({"INC-1", "assign", {{"user", "bob"}}, {}, {}, seen, {}});
  EXPECT_EQ(late.status, status::conflict);
  EXPECT_EQ(late.message, "instance 'INC-1' changed after the expected seq " +
                              std::to_string(seen) + " (it is at seq " +
                              std::to_string(rt.status("INC-1")->seq) + ")");
  // A rejected event counts as a change: it is an attempt the other writer must see.
  const std::int64_t now = rt.status("INC-1")->seq;
  ASSERT_EQ(rt.fire({"INC-1", "reprioritize", {{"priority", "9"}}, {}, {}, {}, {}}).status,
            status::rejected);
  EXPECT_EQ(rt.fire({"INC-1", "cancel", {{"reason", "x"}}, {}, {}, now, {}}).status,
            status::conflict);
}

TEST_P(RuntimeTest, BadParametersAreInvalidAndWriteNothing) {
  EXPECT_EQ(fire("assign", {{"usr", "ada"}}).message,
            "event 'assign' has no parameter 'usr'; did you mean 'user'?");
  EXPECT_EQ(fire("assign").message, "missing parameter 'user' of event 'assign' (string)");
  EXPECT_EQ(fire("reprioritize", {{"priority", "urgent"}}).message,
            "parameter 'priority' of event 'reprioritize' must be int, got 'urgent'");
  EXPECT_EQ(fire("asign", {{"user", "ada"}}).message,
            "unknown event 'asign' of workflow Incident; did you mean 'assign'?");
  EXPECT_EQ(fire("close", {{"now", "1"}}).status, status::invalid);
  EXPECT_EQ(open().history("INC-1")->size(), 1u);
}

TEST_P(RuntimeTest, UnknownInstanceIsNotFoundEverywhere) {
  auto rt = open();
  EXPECT_EQ(rt.fire({"NOPE", "close", {}, {}, {}, {}, {}}).status, status::not_found);
  const auto with_id = rt.fire({"NOPE", "close", {}, {}, "e-1", {}, {}});  // read with its id
  EXPECT_EQ(with_id.status, status::not_found);
  EXPECT_EQ(with_id.message, "unknown instance 'NOPE'");
  EXPECT_FALSE(rt.status("NOPE"));
  EXPECT_FALSE(rt.history("NOPE"));
  EXPECT_EQ(rt.change_lifecycle({"NOPE", runtime::lifecycle_event::cancel, {}, {}, {}}).status,
            status::not_found);
  EXPECT_EQ(rt.verify("NOPE").status, status::not_found);
}

TEST_P(RuntimeTest, SuspendedInstancesRejectEventsUntilResumed) {
  auto rt = open();
  ASSERT_EQ(
      rt.change_lifecycle({"INC-1", runtime::lifecycle_event::suspend, "vendor", "carol", 1500})
          .status,
      status::ok);
  const auto o = fire("assign", {{"user", "ada"}});
  EXPECT_EQ(o.status, status::rejected);
  EXPECT_EQ(o.message, "instance 'INC-1' is suspended, not active");
  EXPECT_EQ(rt.change_lifecycle({"INC-1", runtime::lifecycle_event::suspend, {}, {}, 2000}).status,
            status::rejected);
  ASSERT_EQ(rt.change_lifecycle({"INC-1", runtime::lifecycle_event::resume, {}, {}, 2000}).status,
            status::ok);
  EXPECT_EQ(fire("assign", {{"user", "ada"}}).status, status::ok);
  const auto h = *rt.history("INC-1");
  std::vector<std::string> kinds;
  for (const auto& r : h)
    kinds.push_back(std::string(to_string(r.kind)) + ":" + std::string(to_string(r.outcome)));
  EXPECT_EQ(kinds,
            (std::vector<std::string>{"start:taken", "lifecycle:taken", "event:rejected",
                                      "lifecycle:rejected", "lifecycle:taken", "event:taken"}));
  EXPECT_TRUE(rt.verify("INC-1").consistent);
}

TEST_P(RuntimeTest, ReachingAFinalStateCompletesTheInstance) {
  fire("assign", {{"user", "ada"}});
  fire("start_work");
  fire("resolve", {{"code", "fixed"}});
  const auto o = fire("close");
  ASSERT_EQ(o.status, status::ok);
  EXPECT_EQ(o.instance->lifecycle, runtime::lifecycle::completed);
  EXPECT_EQ(fire("reopen").message, "instance 'INC-1' is completed, not active");
  auto rt = open();
  EXPECT_EQ(rt.change_lifecycle({"INC-1", runtime::lifecycle_event::cancel, {}, {}, {}}).status,
            status::rejected);
  EXPECT_EQ(rt.list({std::nullopt, std::nullopt, runtime::lifecycle::completed, 10}).size(), 1u);
  EXPECT_EQ(rt.list({std::nullopt, std::string("Closed"), std::nullopt, 10}).size(), 1u);
  EXPECT_EQ(rt.list({std::string("Change"), std::nullopt, std::nullopt, 10}).size(), 0u);
}

// `list --state` and `find --state` answer from the index of active states, which the store
// keeps in step with every configuration written: entering and leaving states, nested ones
// (a parent is listed with its child), rejected events (nothing moves), completion.
TEST_P(RuntimeTest, ListingByStateFollowsEveryTransitionInCreationOrder) {
  auto rt = open();
  for (int i = 2; i <= 5; ++i) {
    const std::string id = "INC-" + std::to_string(i);
    ASSERT_EQ(
        rt.start(
              {.workflow = "Incident", .id = id, .fields = {{"service", "mail"}}, .at = 1000 + i})
            .status,
        status::ok);
  }
  const auto move = [&](const std::string& id, const std::string& event,
                        runtime::named_values params = {}) {
    return rt.fire({id, event, std::move(params), "bob", std::nullopt, std::nullopt, 3000}).status;
  };
  ASSERT_EQ(move("INC-2", "assign", {{"user", "ada"}}), status::ok);
  ASSERT_EQ(move("INC-4", "assign", {{"user", "ada"}}), status::ok);
  ASSERT_EQ(move("INC-4", "start_work"), status::ok);
  ASSERT_EQ(move("INC-3", "resolve", {{"code", "x"}}), status::rejected);  // stays in New
  const auto ids = [&](runtime::instance_filter f) {
    std::vector<std::string> out;
    for (const auto& v : rt.list(f)) out.push_back(v.id);
    return out;
  };
  const auto in = [&](const std::string& state) {
    return ids({std::nullopt, state, std::nullopt, 100});
  };
  using list = std::vector<std::string>;
  EXPECT_EQ(in("New"), (list{"INC-1", "INC-3", "INC-5"}));
  EXPECT_EQ(in("Assigned"), (list{"INC-2"}));
  EXPECT_EQ(in("InProgress"), (list{"INC-4"}));  // the parent of the active leaf
  EXPECT_EQ(in("Diagnosing"), (list{"INC-4"}));
  EXPECT_EQ(ids({std::nullopt, std::string("New"), std::nullopt, 2}), (list{"INC-1", "INC-3"}));
  EXPECT_EQ(ids({std::string("Incident"), std::string("New"), std::nullopt, 100}),
            (list{"INC-1", "INC-3", "INC-5"}));
  EXPECT_EQ(ids({std::string("Change"), std::string("New"), std::nullopt, 100}), list{});
  EXPECT_EQ(in("Nowhere"), list{});

  ASSERT_EQ(move("INC-4", "hold", {{"reason", "vendor"}}), status::ok);
  EXPECT_EQ(in("InProgress"), list{});
  EXPECT_EQ(in("Diagnosing"), list{});
  EXPECT_EQ(in("OnHold"), (list{"INC-4"}));
  ASSERT_EQ(move("INC-4", "resume"), status::ok);  // back through the history state
  EXPECT_EQ(in("Diagnosing"), (list{"INC-4"}));
  EXPECT_EQ(in("OnHold"), list{});
  ASSERT_EQ(rt.change_lifecycle({"INC-5", runtime::lifecycle_event::suspend, {}, {}, {}}).status,
            status::ok);
  EXPECT_EQ(ids({std::nullopt, std::string("New"), runtime::lifecycle::active, 100}),
            (list{"INC-1", "INC-3"}));

  runtime::find_request q;
  q.filter.state = "New";
  std::vector<std::string> found;
  for (const auto& v : rt.find(q).instances) found.push_back(v.id);
  EXPECT_EQ(found, (list{"INC-1", "INC-3", "INC-5"}));

  // Each instance listed under a state is in it, and each instance is listed under each of its
  // states: the index is exactly the configurations.
  for (const auto& v : rt.list({})) {
    for (const auto& state : v.configuration) {
      const auto under = in(state);
      EXPECT_NE(std::find(under.begin(), under.end(), v.id), under.end()) << v.id << " " << state;
    }
  }
}

// A fire returns the instance as the step left it, built from the engine state it decided; it is
// the instance `status` then reads back from the store, field for field (timers armed and
// cancelled, a history state's memory, data).
TEST_P(RuntimeTest, AFireReturnsTheInstanceStatusReadsBack) {
  for (const auto& [event, params] : std::vector<std::pair<std::string, runtime::named_values>>{
           {"assign", {{"user", "ada"}}},
           {"start_work", {}},
           {"hold", {{"reason", "vendor"}}},
           {"resume", {}},
           {"resolve", {{"code", ""}}},  // rejected: the instance as it was
           {"resolve", {{"code", "fixed"}}}}) {
    const auto o = fire(event, params);
    ASSERT_TRUE(o.instance) << event;
    auto rt = open();
    const auto read = rt.status("INC-1");
    ASSERT_TRUE(read);
    const runtime::instance_view& a = *o.instance;
    const runtime::instance_view& b = *read;
    EXPECT_EQ(a.state, b.state) << event;
    EXPECT_EQ(a.configuration, b.configuration) << event;
    EXPECT_EQ(a.data, b.data) << event;
    EXPECT_EQ(a.history, b.history) << event;
    ASSERT_EQ(a.timers.size(), b.timers.size()) << event;
    for (std::size_t i = 0; i < a.timers.size(); ++i) {
      EXPECT_EQ(a.timers[i].state, b.timers[i].state);
      EXPECT_EQ(a.timers[i].after, b.timers[i].after);
      EXPECT_EQ(a.timers[i].line, b.timers[i].line);
      EXPECT_EQ(a.timers[i].due, b.timers[i].due);
    }
    EXPECT_EQ(a.sends.size(), b.sends.size()) << event;
    EXPECT_EQ(a.lifecycle, b.lifecycle) << event;
    EXPECT_EQ(a.seq, b.seq) << event;
    EXPECT_EQ(a.updated_at, b.updated_at) << event;
    if (event == "resume") {  // InProgress's history state remembers where work was
      EXPECT_FALSE(a.history.empty());
    }
  }
}

// A runtime remembers the state it last decoded or wrote, by the row's texts: another runtime's
// writes to the same instance in between are seen, never an outdated state.
TEST_P(RuntimeTest, TwoRuntimesTakingTurnsOnOneInstanceSeeEachOthersSteps) {
  auto a = open();
  auto b = open();
  const auto by = [](runtime::engine_runtime& rt, const std::string& event,
                     runtime::named_values params = {}) {
    return rt.fire({"INC-1", event, std::move(params), "bob", std::nullopt, std::nullopt, 2000});
  };
  ASSERT_EQ(by(a, "assign", {{"user", "ada"}}).status, status::ok);
  ASSERT_EQ(by(b, "start_work").status, status::ok);        // b moves it on
  const auto held = by(a, "hold", {{"reason", "vendor"}});  // a sees InProgress
  ASSERT_EQ(held.status, status::ok) << held.message;
  ASSERT_EQ(by(b, "resume").status, status::ok);  // b sees OnHold
  const auto again = by(a, "hold", {{"reason", "parts"}});
  ASSERT_EQ(again.status, status::ok) << again.message;
  EXPECT_EQ(
      again.instance->data.at(engine::index(*a.machine_of("INC-1")->find_field("hold_reason")))
          .second,
      engine::value::of_string("parts"));
  EXPECT_TRUE(a.verify("INC-1").consistent);
}

TEST_P(RuntimeTest, RedeployKeepsRunningInstancesOnTheirDefinition) {
  auto rt = open();
  auto src = test::source("workflows/d2c/incident.flow");
  // Comments and layout do not change the canonical source: no new version.
  auto reformatted = src;
  reformatted.text = "# a comment\n" + src.text;
  auto d = rt.deploy({reformatted});
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d.workflows[0].created);
  EXPECT_EQ(d.workflows[0].version, 1);
  // A real change becomes version 2; INC-1 stays on version 1, new instances get version 2.
  auto changed = src;
  changed.text.replace(changed.text.find("max_reopens: int = 3"), 20, "max_reopens: int = 5");
  d = rt.deploy({changed});
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d.workflows[0].created);
  EXPECT_EQ(d.workflows[0].version, 2);
  EXPECT_EQ(rt.status("INC-1")->version, 1);
  const auto s = rt.start({.workflow = "Incident", .id = "INC-2", .fields = {{"service", "x"}}});
  EXPECT_EQ(s.instance->version, 2);
  const auto max_reopens = std::find_if(s.instance->data.begin(), s.instance->data.end(),
                                        [](const auto& f) { return f.first == "max_reopens"; });
  ASSERT_NE(max_reopens, s.instance->data.end());
  EXPECT_EQ(max_reopens->second, engine::value::of_int(5));
}

TEST_P(RuntimeTest, DeployIsAllOrNothing) {
  auto rt = open();
  auto bad = test::source("tests/flows/invalid/unknown_state.flow");
  const auto d = rt.deploy({test::source("tests/flows/valid/counter.flow"), bad});
  EXPECT_FALSE(d.ok());
  EXPECT_TRUE(d.workflows.empty());
  EXPECT_EQ(rt.start({.workflow = "Counter", .id = "C-1"}).status, status::not_found);
}

TEST_P(RuntimeTest, StateSurvivesReopeningAndEqualsTheReplay) {
  fire("assign", {{"user", "ada"}});
  fire("close");
  fire("start_work");
  fire("hold", {{"reason", "vendor"}});
  const auto before = open().status("INC-1");
  auto rt = open();
  const auto after = rt.status("INC-1");
  EXPECT_EQ(after->state, before->state);
  EXPECT_EQ(after->seq, 5);
  EXPECT_EQ(after->data, before->data);
  const auto v = rt.verify("INC-1");
  EXPECT_TRUE(v.consistent) << v.message;
  EXPECT_EQ(v.records, 5u);
}

}  // namespace

namespace {

// Found by fuzz_query: the query views shadowed the store's own tables on the connection for as
// long as it stayed open, so the next find (or fire) of an embedder failed.
TEST_P(RuntimeTest, AQueryLeavesTheConnectionAsItWas) {
  auto rt = open();
  const auto q = rt.query("SELECT id, workflow FROM instances");
  ASSERT_EQ(q.rows.size(), 1u);
  EXPECT_EQ(q.rows[0][0].text, "INC-1");
  EXPECT_THROW(rt.query("SELECT * FROM nowhere"), runtime::query_error);
  runtime::find_request all;
  all.filter.workflow = "Incident";
  all.where = "len(service) > 0";
  ASSERT_EQ(rt.find(all).instances.size(), 1u);
  EXPECT_EQ(rt.fire({"INC-1", "assign", {{"user", "ada"}}, "bob", {}, {}, 2000}).status,
            status::ok);
  EXPECT_TRUE(rt.verify_all().consistent);
  EXPECT_EQ(rt.query("SELECT count(*) FROM journal").rows[0][0].integer, 2);
}

}  // namespace
