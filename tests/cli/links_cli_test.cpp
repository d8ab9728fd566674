// Links through the real binary: linking checked on both sides, spawn and send in the step's
// transaction with causes journaled, bounded cascades, trace, and every bad link refused with the
// store exactly as it was.
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <random>

#include "cli_util.hpp"

namespace vflow::test {
namespace {

// Two files deployed together: the problem side links to workflows of the other file.
const char* const problems = R"(stream D2C

workflow Problem {
  data { title: string }
  links {
    incidents: Incident[] inverse problem
    fixes: Change[] inverse problem
    owner_team: Team?
  }
  event link_incident(i: ref Incident)
  event accept_fix
  event fix_done
  event escalate
  initial state Analysing {
    on link_incident { incidents += event.i }
    on accept_fix -> FixPending { fixes += spawn Change(summary: "fix " + title) }
  }
  state FixPending {
    on fix_done -> Resolved when count(fixes) > 0 and all(fixes, in_state(Completed))
    on escalate { send! problem_resolved to incidents }
    on set_team { owner_team = event.team }
    on clear_team { owner_team = null }
  }
  final state Resolved {
    entry { send problem_resolved to incidents }
  }
  event set_team(team: ref Team)
  event clear_team
}
)";

const char* const others = R"(stream D2C

workflow Incident {
  data { summary: string }
  links { problem: Problem? inverse incidents }
  event problem_resolved
  event close
  initial state Open {
    on problem_resolved -> Resolved
    on close -> Closed
  }
  final state Resolved
  final state Closed
}

workflow Change {
  data { summary: string }
  links { problem: Problem inverse fixes }
  event complete
  initial state Open {
    on complete -> Completed
  }
  final state Completed {
    entry { send fix_done to problem }
  }
}

workflow Team {
  event disband
  initial state Active { on disband -> Gone }
  final state Gone
}
)";

class LinksCli : public cli_fixture {
 protected:
  void SetUp() override {
    write("problems.flow", problems);
    write("others.flow", others);
    ASSERT_EQ(vflow("deploy " + path("problems.flow") + " " + path("others.flow")).exit_code, 0);
    ASSERT_EQ(vflow("start Incident --id INC-1 summary=down").exit_code, 0);
    ASSERT_EQ(vflow("start Incident --id INC-2 summary=slow").exit_code, 0);
    ASSERT_EQ(vflow("start Team --id TEAM-1").exit_code, 0);
    ASSERT_EQ(vflow("start Problem --id PRB-1 title=db incidents=INC-1").exit_code, 0);
  }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
  }
  std::string path(const std::string& name) const { return "'" + (dir / name).string() + "'"; }
  std::string state(const std::string& id) {
    return vflow_json("status " + id)["state"][0].get<std::string>();
  }
  nlohmann::json links(const std::string& id) { return vflow_json("status " + id)["links"]; }
  std::string spawned_change() { return links("PRB-1")["fixes"][0].get<std::string>(); }
};

TEST_F(LinksCli, StartLinksBothSidesAndTheOtherSideJournalsIt) {
  EXPECT_EQ(links("PRB-1")["incidents"], nlohmann::json::array({"INC-1"}));
  EXPECT_EQ(links("INC-1")["problem"], nlohmann::json::array({"PRB-1"}));
  const auto h = vflow_json("history INC-1");
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[1]["kind"], "link");
  EXPECT_EQ(h[1]["params"]["link"], "problem");
  EXPECT_EQ(h[1]["params"]["other"], "PRB-1");
  // Its cause is PRB-1's start record.
  EXPECT_EQ(h[1]["cause"], vflow_json("history PRB-1")[0]["gseq"]);
}

TEST_F(LinksCli, SpawnAndSendRunTheChainInOneRequestEachWithItsCause) {
  ASSERT_EQ(vflow("fire PRB-1 link_incident i=INC-2").exit_code, 0);
  ASSERT_EQ(vflow("fire PRB-1 accept_fix").exit_code, 0);
  const std::string change = spawned_change();
  EXPECT_EQ(links(change)["problem"], nlohmann::json::array({"PRB-1"}));
  EXPECT_EQ(vflow_json("status " + change)["data"]["summary"], "fix db");
  const auto spawn_record = vflow_json("history PRB-1")[2];
  const auto change_start = vflow_json("history " + change)[0];
  EXPECT_EQ(change_start["cause"], spawn_record["gseq"]);
  EXPECT_EQ(change_start["detail"]["spawned_by"], "PRB-1");
  // Completing the change resolves the problem, which resolves both incidents.
  const auto r = vflow("fire " + change + " complete");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(state("PRB-1"), "Resolved");
  EXPECT_EQ(state("INC-1"), "Resolved");
  EXPECT_EQ(state("INC-2"), "Resolved");
  const auto fix_done = vflow_json("history PRB-1").back();
  EXPECT_EQ(fix_done["event"], "fix_done");
  EXPECT_EQ(fix_done["cause"], vflow_json("history " + change).back()["gseq"]);
  // The guard's explanation keeps what it read of the linked change.
  EXPECT_EQ(fix_done["detail"]["links_read"]["fixes"][0]["id"], change);
  const auto resolved = vflow_json("history INC-2").back();
  EXPECT_EQ(resolved["event"], "problem_resolved");
  EXPECT_EQ(resolved["cause"], fix_done["gseq"]);
  EXPECT_NE(vflow("history INC-2").out.find("<- #" + fix_done["gseq"].dump() + " (PRB-1)"),
            std::string::npos);
  for (const std::string& id : std::vector<std::string>{"PRB-1", "INC-1", "INC-2", change}) {
    EXPECT_EQ(vflow("verify " + id).exit_code, 0) << id;
  }
}

TEST_F(LinksCli, TraceFollowsLinksAsTextJsonDotAndMermaid) {
  ASSERT_EQ(vflow("fire PRB-1 accept_fix").exit_code, 0);
  const std::string change = spawned_change();
  const auto text = vflow("trace INC-1");
  ASSERT_EQ(text.exit_code, 0);
  EXPECT_EQ(text.out.substr(0, text.out.find('\n')), "INC-1  Incident v1 (D2C)  Open  active");
  EXPECT_NE(text.out.find("└─ problem -> PRB-1  Problem v1 (D2C)  FixPending  active"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("fixes -> " + change + "  Change v1 (D2C)  Open  active"),
            std::string::npos)
      << text.out;
  const auto j = vflow_json("trace INC-1");
  EXPECT_EQ(j["root"], "INC-1");
  EXPECT_EQ(j["nodes"].size(), 3u);
  EXPECT_EQ(j["nodes"][1]["depth"], 1);
  const auto shallow = vflow_json("trace INC-1 --depth 1");
  EXPECT_EQ(shallow["nodes"].size(), 2u);
  // Up: who links to the change.
  const auto up = vflow_json("trace " + change + " --up --depth 1");
  ASSERT_EQ(up["nodes"].size(), 2u);
  EXPECT_EQ(up["nodes"][1]["id"], "PRB-1");
  EXPECT_NE(
      vflow("trace INC-1 --format dot").out.find("\"INC-1\" -> \"PRB-1\" [label=\"problem\"]"),
      std::string::npos);
  EXPECT_NE(vflow("trace INC-1 --format mermaid").out.find("n0 -->|problem| n1"),
            std::string::npos);
  EXPECT_EQ(vflow("trace NOPE").exit_code, 1);
  EXPECT_EQ(vflow("trace INC-1 --up --down").exit_code, 2);
}

TEST_F(LinksCli, LinkAndUnlinkAreCheckedAndJournaledOnBothSides) {
  auto r = vflow("link PRB-1 owner_team TEAM-1 --actor alice");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(links("PRB-1")["owner_team"], nlohmann::json::array({"TEAM-1"}));
  const auto own = vflow_json("history PRB-1").back();
  EXPECT_EQ(own["kind"], "link");
  EXPECT_EQ(own["actor"], "alice");
  const auto other = vflow_json("history TEAM-1").back();
  EXPECT_EQ(other["kind"], "link");
  EXPECT_EQ(other["cause"], own["gseq"]);
  ASSERT_EQ(vflow("unlink PRB-1 owner_team TEAM-1").exit_code, 0);
  EXPECT_EQ(links("PRB-1")["owner_team"], nlohmann::json::array());
  EXPECT_EQ(vflow_json("history TEAM-1").back()["event"], "unlink");
}

// Every wrong link: exit 1, a message naming the link, and the store exactly as it was.
TEST_F(LinksCli, WrongLinksAreRefusedWithTheStoreUnchanged) {
  const std::string before = dump();
  const auto refused = [&](const std::string& args, const std::string& message) {
    const auto r = vflow(args);
    EXPECT_EQ(r.exit_code, 1) << args << "\n" << r.out;
    EXPECT_NE(r.out.find(message), std::string::npos) << args << "\n" << r.out;
    EXPECT_EQ(dump(), before) << args;
  };
  refused("link PRB-1 owner_team NOPE", "link 'owner_team' of 'PRB-1': unknown instance 'NOPE'");
  refused("link PRB-1 owner_team INC-2",
          "link 'owner_team' of 'PRB-1' holds Team instances, but 'INC-2' is a Incident");
  refused("link PRB-1 incidnets INC-2",
          "workflow Problem has no link 'incidnets'; did you mean 'incidents'?");
  refused("unlink PRB-1 incidents INC-2", "link 'incidents' of 'PRB-1' does not hold 'INC-2'");
  refused("link PRB-1 incidents INC-1", "'PRB-1' already links 'INC-1' as incidents");
  // The inverse side's cardinality: INC-1 already has a problem.
  ASSERT_EQ(vflow("start Problem --id PRB-2 title=x").exit_code, 0);
  const std::string with_two = dump();
  const auto r = vflow("link PRB-2 incidents INC-1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("'INC-1' cannot be linked to 'PRB-2': its link 'problem' holds at most "
                       "one instance, and already holds 'PRB-1'"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(dump(), with_two);
  // At start: a missing required link, a second value for a single link, the wrong workflow.
  const auto start = [&](const std::string& args, const std::string& message) {
    const auto s = vflow(args);
    EXPECT_EQ(s.exit_code, 1) << s.out;
    EXPECT_NE(s.out.find(message), std::string::npos) << s.out;
    EXPECT_EQ(dump(), with_two);
  };
  start("start Change summary=x",
        "missing required link 'problem' (Problem): give it as problem=ID");
  start("start Problem title=x owner_team=TEAM-1,TEAM-1,INC-1",
        "link 'owner_team' must name a Team, but 'INC-1' is a Incident");
  start("start Incident summary=x problem=PRB-1,PRB-2",
        "link 'problem' holds at most one instance, but 2 are given");
  start("fire PRB-1 link_incident i=TEAM-1",
        "parameter 'i' must name a Incident, but 'TEAM-1' is a Team");
}

TEST_F(LinksCli, ASecondInstanceForASingleLinkIsAnErrorNotAnOverwrite) {
  ASSERT_EQ(vflow("fire PRB-1 accept_fix").exit_code, 0);
  ASSERT_EQ(vflow("fire PRB-1 set_team team=TEAM-1").exit_code, 0);
  ASSERT_EQ(vflow("start Team --id TEAM-2").exit_code, 0);
  const std::string before = dump();
  const auto r = vflow("fire PRB-1 set_team team=TEAM-2");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("link 'owner_team' of 'PRB-1' (line 21) already holds 'TEAM-1': set it to "
                       "null first to link 'TEAM-2'"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(dump(), before);
  ASSERT_EQ(vflow("fire PRB-1 clear_team").exit_code, 0);
  ASSERT_EQ(vflow("fire PRB-1 set_team team=TEAM-2").exit_code, 0);
  EXPECT_EQ(links("PRB-1")["owner_team"], nlohmann::json::array({"TEAM-2"}));
  EXPECT_EQ(vflow_json("history TEAM-1").back()["event"], "unlink");
  EXPECT_EQ(vflow("gate PRB-1 --can set_team team=INC-1").exit_code, 1);
}

TEST_F(LinksCli, ARefusedSendIsJournaledOnTheReceiverButSendBangRollsEverythingBack) {
  ASSERT_EQ(vflow("fire PRB-1 accept_fix").exit_code, 0);
  ASSERT_EQ(vflow("fire INC-1 close").exit_code, 0);  // INC-1 can no longer take problem_resolved
  const std::string before = dump();
  const auto r = vflow("fire PRB-1 escalate");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("send! problem_resolved from 'PRB-1' to 'INC-1' was refused: instance "
                       "'INC-1' is completed, not active"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(dump(), before);
  // Without '!', the refusal is journaled on the receiver and the sender goes on.
  const std::string change = spawned_change();
  ASSERT_EQ(vflow("fire " + change + " complete").exit_code, 0);
  EXPECT_EQ(state("PRB-1"), "Resolved");
  const auto last = vflow_json("history INC-1").back();
  EXPECT_EQ(last["event"], "problem_resolved");
  EXPECT_EQ(last["outcome"], "rejected");
  EXPECT_FALSE(last["cause"].is_null());
}

// Group commit: a batch is one transaction, but an event whose cascade fails (send! refused)
// leaves nothing of itself — its link changes, its record, its sends — and the events around it
// stay, each journaled as its own record; the journal then verifies. With --all-or-nothing the
// same batch writes nothing at all.
TEST_F(LinksCli, ABatchIsOneTransactionButAFailingEventLeavesNothingOfItself) {
  ASSERT_EQ(vflow("fire PRB-1 accept_fix").exit_code, 0);
  ASSERT_EQ(vflow("fire INC-1 close").exit_code, 0);  // INC-1 can no longer take problem_resolved
  const auto batch = dir / "events.jsonl";
  std::ofstream(batch)
      << R"({"id": "PRB-1", "event": "set_team", "params": {"team": "TEAM-1"}, "actor": "ada"})"
      << "\n"
      << R"({"id": "PRB-1", "event": "escalate"})"
      << "\n\n"
      << R"({"id": "PRB-1", "event": "clear_team", "event_id": "job-7"})"
      << "\n";
  const std::string before = dump();
  auto r = vflow("fire --all-or-nothing --batch '" + batch.string() + "'", false);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("rolled back, nothing written: event 2 was not taken"), std::string::npos)
      << r.out;
  EXPECT_EQ(dump(), before);

  const std::int64_t seq = vflow_json("status PRB-1")["seq"];
  const auto j = vflow_json("fire --batch '" + batch.string() + "'");
  EXPECT_EQ(j["committed"], true);
  EXPECT_EQ(j["taken"], 2);
  EXPECT_EQ(j["rejected"], 1);
  EXPECT_EQ(j["events"][1]["status"], "rejected");  // send! refused: the whole event undone
  EXPECT_TRUE(j["events"][1]["record"].is_null());
  EXPECT_EQ(j["events"][0]["record"]["seq"], seq + 1);
  EXPECT_EQ(j["events"][2]["record"]["seq"], seq + 2);  // the escalation left no record
  EXPECT_EQ(vflow_json("status PRB-1")["links"]["owner_team"], nlohmann::json::array());
  const auto history = vflow_json("history PRB-1");
  EXPECT_EQ(history[history.size() - 2]["event"], "set_team");
  EXPECT_EQ(history.back()["event"], "clear_team");
  EXPECT_EQ(history.back()["event_id"], "job-7");
  EXPECT_EQ(vflow("verify --all").exit_code, 0);
  // Sent again, the idempotent event returns its first outcome and writes nothing.
  std::ofstream(batch) << R"({"id": "PRB-1", "event": "clear_team", "event_id": "job-7"})"
                       << "\n";
  EXPECT_EQ(vflow_json("fire --batch '" + batch.string() + "'")["events"][0]["duplicate"], true);
  EXPECT_EQ(vflow_json("status PRB-1")["seq"], seq + 2);
}

// A malformed batch is a usage error naming its line, and nothing is applied.
TEST_F(LinksCli, AMalformedBatchIsRefusedBeforeAnythingIsApplied) {
  const auto batch = dir / "bad.jsonl";
  std::ofstream(batch) << R"({"id": "PRB-1", "event": "escalate"})"
                       << "\n"
                       << R"({"id": "PRB-1", "evnt": "x"})"
                       << "\n";
  const std::string before = dump();
  const auto r = vflow("fire --batch '" + batch.string() + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("line 2: unknown key 'evnt'"), std::string::npos) << r.out;
  EXPECT_EQ(dump(), before);
  EXPECT_EQ(vflow("fire PRB-1 escalate --batch '" + batch.string() + "'").exit_code, 2);
  EXPECT_EQ(vflow("fire --all-or-nothing PRB-1 escalate").exit_code, 2);
}

TEST_F(LinksCli, ADeployNamingAnUnknownWorkflowIsADiagnosticAtTheLink) {
  write("lonely.flow", R"(stream D2C
workflow Lonely {
  links {
    incidents: Incident[]
    owner: Nobody?
  }
  event go
  initial state A { on go -> B }
  final state B
}
)");
  const std::string before = dump();
  const auto r = vflow("deploy " + path("lonely.flow"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("lonely.flow:5:12: error[F0130]: unknown workflow 'Nobody' in link 'owner'"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(dump(), before);
  // `Incident` resolved against the deployed workflows.
  EXPECT_EQ(r.out.find("'Incident'"), std::string::npos) << r.out;
}

TEST_F(LinksCli, LinksSurviveARedeployAndTheOldVersionKeepsItsMeaning) {
  ASSERT_EQ(vflow("fire PRB-1 accept_fix").exit_code, 0);
  const std::string change = spawned_change();
  // Change v2 renames its final state; PRB-1 (Problem v1) was checked against v1.
  std::string v2 = others;
  v2.replace(v2.find("on complete -> Completed"), 24, "on complete -> Done");
  v2.replace(v2.find("final state Completed"), 21, "final state Done");
  write("others.flow", v2);
  const auto d = vflow("deploy " + path("others.flow"));
  ASSERT_EQ(d.exit_code, 0) << d.out;
  EXPECT_EQ(links("PRB-1")["fixes"], nlohmann::json::array({change}));
  // The running change is still v1, so the problem resolves as before.
  ASSERT_EQ(vflow("fire " + change + " complete").exit_code, 0);
  EXPECT_EQ(state("PRB-1"), "Resolved");
  EXPECT_EQ(vflow("verify PRB-1").exit_code, 0);
}

// Effects that run away are rolled back as a whole, naming the chain.
TEST_F(LinksCli, CascadesAndCyclesAreBoundedAndRolledBack) {
  write("chain.flow", R"(stream D2C
workflow Node {
  links {
    next: Node? inverse prev
    prev: Node? inverse next
  }
  event grow
  initial state A {
    on grow -> B { next = spawn Node() }
  }
  state B {
    entry { send grow to next }
  }
}
)");
  ASSERT_EQ(vflow("deploy " + path("chain.flow")).exit_code, 0);
  ASSERT_EQ(vflow("start Node --id N1").exit_code, 0);
  std::string before = dump();
  auto r = vflow("fire N1 grow");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("sends and spawns went deeper than 16: N1 grow -> "), std::string::npos)
      << r.out;
  EXPECT_EQ(dump(), before);
}

TEST_F(LinksCli, ASendCycleIsRolledBackNamingTheChain) {
  write("pingpong.flow", R"(stream D2C
workflow Ping {
  links { peer: Pong? inverse peer }
  event ping
  initial state On { on ping { send pong to peer } }
}
workflow Pong {
  links { peer: Ping? inverse peer }
  event pong
  initial state On { on pong { send ping to peer } }
}
)");
  ASSERT_EQ(vflow("deploy " + path("pingpong.flow")).exit_code, 0);
  ASSERT_EQ(vflow("start Ping --id P1").exit_code, 0);
  ASSERT_EQ(vflow("start Pong --id Q1 peer=P1").exit_code, 0);
  const std::string before = dump();
  const auto r = vflow("fire P1 ping");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("a cycle of sends: P1 ping -> Q1 pong -> P1 ping; nothing was written"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(dump(), before);
}

// The receiver was redeployed since the sender was checked: the send or spawn no longer fits.
TEST_F(LinksCli, ASendOrSpawnTheReceiversVersionCannotTakeIsRefusedWithNothingWritten) {
  ASSERT_EQ(vflow("fire PRB-1 accept_fix").exit_code, 0);
  const std::string change = spawned_change();  // Change v1
  std::string v2 = others;
  const auto cut = [&](const std::string& what, const std::string& with) {
    v2.replace(v2.find(what), what.size(), with);
  };
  cut("  event problem_resolved\n", "");
  cut("    on problem_resolved -> Resolved\n", "");
  cut("  data { summary: string }\n  links { problem: Problem inverse",
      "  data { summary: string risk: int }\n  links { problem: Problem inverse");
  write("others.flow", v2);
  const auto d = vflow("deploy " + path("others.flow"));
  ASSERT_EQ(d.exit_code, 0) << d.out;
  const auto started = vflow("start Incident --id INC-9 summary=x");  // on v2
  ASSERT_EQ(started.exit_code, 0) << started.out;
  ASSERT_EQ(vflow("link PRB-1 incidents INC-9").exit_code, 0);
  std::string before = dump();
  // Resolving the problem sends problem_resolved to INC-9, whose version has no such event.
  auto r = vflow("fire " + change + " complete");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("send problem_resolved from 'PRB-1' to 'INC-9': Incident v2 has no event "
                       "'problem_resolved'"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(dump(), before);
  // A new problem spawns Change v2, which needs `risk`.
  ASSERT_EQ(vflow("start Problem --id PRB-3 title=y").exit_code, 0);
  before = dump();
  r = vflow("fire PRB-3 accept_fix");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("spawn Change (line 16 of Problem 'PRB-3'): missing required field 'risk'"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(dump(), before);
}

// A request killed at any point mid-cascade leaves all of it or none of it.
TEST_F(LinksCli, AKilledCascadeLeavesAllOrNothing) {
  write("fan.flow", R"(stream D2C
workflow Hub {
  links { spokes: Spoke[] inverse hub }
  event fan
  initial state Idle {
    on fan { spokes += spawn Spoke(); spokes += spawn Spoke(); spokes += spawn Spoke(); spokes += spawn Spoke(); spokes += spawn Spoke(); spokes += spawn Spoke(); spokes += spawn Spoke(); spokes += spawn Spoke() }
  }
}
workflow Spoke {
  links { hub: Hub inverse spokes }
  event poke
  initial state New { on poke -> Poked }
  state Poked { on poke -> New }
}
)");
  ASSERT_EQ(vflow("deploy " + path("fan.flow")).exit_code, 0);
  ASSERT_EQ(vflow("start Hub --id H").exit_code, 0);
  std::mt19937 rng(42);
  int fans = 0;
  for (int trial = 0; trial < 12; ++trial) {
    const pid_t pid = fork();
    if (pid == 0) {
      execl(VFLOW_BINARY, VFLOW_BINARY, "--db", db().c_str(), "fire", "H", "fan",
            static_cast<char*>(nullptr));
      _exit(127);
    }
    usleep(static_cast<useconds_t>(rng() % 40000));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    const auto h = vflow_json("history H");
    const auto spokes = vflow_json("status H")["links"]["spokes"];
    fans = static_cast<int>(h.size()) - 1;
    // Each fan that committed brought its 8 spokes, each linked back and started; none other.
    EXPECT_EQ(spokes.size(), static_cast<std::size_t>(8 * fans)) << "trial " << trial;
    EXPECT_EQ(vflow_json("list --workflow Spoke").size(), static_cast<std::size_t>(8 * fans));
  }
  EXPECT_EQ(vflow("verify H").exit_code, 0);
}

// `verify --all` rebuilds every link from the journal (link records, and the spawns that linked
// the instances they made) and compares the store's links with them: a link deleted, forged or
// renamed with the sqlite3 shell is found, since `trace` would follow it.
TEST_F(LinksCli, VerifyRebuildsEveryLinkFromTheJournalAndFindsAForgedOrLostOne) {
  ASSERT_EQ(vflow("fire PRB-1 link_incident i=INC-2").exit_code, 0);  // an effect, both sides
  ASSERT_EQ(vflow("fire PRB-1 accept_fix").exit_code, 0);             // a spawn, both sides
  ASSERT_EQ(vflow("fire PRB-1 set_team team=TEAM-1").exit_code, 0);   // one-sided
  ASSERT_EQ(vflow("fire PRB-1 clear_team").exit_code, 0);
  ASSERT_EQ(vflow("link PRB-1 owner_team TEAM-1").exit_code, 0);  // by command
  ASSERT_EQ(vflow("unlink PRB-1 incidents INC-1").exit_code, 0);
  ASSERT_EQ(vflow("start Problem --id PRB-2 title=net incidents=INC-1").exit_code, 0);
  const std::string change = spawned_change();
  // PRB-1: incidents INC-2, fixes the change, owner_team TEAM-1; PRB-2: incidents INC-1; and
  // the links back of the incidents and the change.
  auto r = vflow("verify --all");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("6 instances and 7 links verified"), std::string::npos) << r.out;

  const std::string intact = (dir / "intact.db").string();
  shell("sqlite3 '" + db() + "' \"VACUUM INTO '" + intact + "'\"");
  const auto broken = [&](const std::string& tamper, const std::string& message) {
    shell("sqlite3 '" + db() + "' \"" + tamper + "\"");
    const auto v = vflow("--json verify --all", false);
    EXPECT_EQ(v.exit_code, 1) << tamper << '\n' << v.out;
    EXPECT_EQ(nlohmann::json::parse(v.out)["message"], message) << tamper;
    // The intact database again, for the next tampering.
    shell("rm -f '" + db() + "-wal' '" + db() + "-shm' && cp '" + intact + "' '" + db() + "'");
    ASSERT_EQ(vflow("verify --all").exit_code, 0);
  };
  broken("DELETE FROM links WHERE source = 'PRB-1' AND name = 'fixes'",
         "link 'fixes' of 'PRB-1' to '" + change +
             "', which the journal made, is missing from the store");
  broken("INSERT INTO links VALUES ('INC-2', 'problem', 'PRB-2', 0)",
         "the store holds link 'problem' of 'INC-2' to 'PRB-2', which no journal record made");
  broken("UPDATE links SET target = 'PRB-1' WHERE source = 'INC-1'",
         "the store holds link 'problem' of 'INC-1' to 'PRB-1', which no journal record made");
  broken("INSERT INTO links VALUES ('PRB-1', 'incidents', 'INC-1', 0)",
         "the store holds link 'incidents' of 'PRB-1' to 'INC-1', which no journal record made");
}

}  // namespace
}  // namespace vflow::test

namespace vflow::test {
namespace {

// A due timer whose send! is refused does not fire: nothing is written, tick says why (exit 1),
// and the timer is still due for the next tick.
TEST_F(LinksCli, ATimerWhoseEffectsFailIsLeftDueWithNothingWritten) {
  write("alarm.flow", R"(stream D2C
workflow Alarm {
  links { peer: Sink? }
  initial state Armed { after 1h -> Rung }
  state Rung { entry { send! poke to peer } }
}
workflow Sink {
  event poke
  initial state Idle { on poke -> Done }
  final state Done
}
)");
  ASSERT_EQ(vflow("deploy " + path("alarm.flow")).exit_code, 0);
  ASSERT_EQ(vflow("start Sink --id S1").exit_code, 0);
  ASSERT_EQ(vflow("fire S1 poke").exit_code, 0);  // completed: it refuses the next poke
  ASSERT_EQ(vflow("start Alarm --id A1 peer=S1 --at 2026-05-01T00:00:00Z").exit_code, 0);
  const std::string before = dump();
  for (int attempt = 0; attempt < 2; ++attempt) {
    const auto r = vflow("tick --now 2026-05-01T02:00:00Z");
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find("vflow tick: A1: a due timer did not fire: send! poke from 'A1' to 'S1' "
                         "was refused: instance 'S1' is completed, not active"),
              std::string::npos)
        << r.out;
    EXPECT_EQ(dump(), before);
  }
}

}  // namespace
}  // namespace vflow::test
