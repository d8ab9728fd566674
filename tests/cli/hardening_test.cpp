// Defects found by careless and hostile use (the hardening issue), each reproduced through the
// real binary and kept fixed: bad input gets a clear message, a non-zero exit code, and leaves the
// store exactly as it was.
#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/cli/cli_util.hpp"

namespace {

using json = nlohmann::json;
using vflow::test::shell;

void write(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class Hardening : public vflow::test::cli_fixture {
 protected:
  /// `vflow --db PATH ARGS`.
  vflow::test::run_result vflow_at(const std::string& path, const std::string& args) {
    return vflow::test::run_vflow("--db '" + path + "' " + args);
  }
  void deploy_and_start() {
    ASSERT_EQ(vflow("deploy " + src("workflows")).exit_code, 0);
    const auto r = vflow("start Incident --id INC-1 service=mail priority=2 --actor alice");
    ASSERT_EQ(r.exit_code, 0) << r.out;
  }
};

// `vflow`, `vflow help` and a typo'd command all said "A subcommand is required" (issue 12).
TEST_F(Hardening, HelpAndAnUnknownCommandSayWhatThereIs) {
  // Without a command: the help, and exit 2 (a command is required); `help` asks for it: exit 0.
  for (const char* args : {"", "help"}) {
    const auto r = vflow::test::run_vflow(args);
    EXPECT_EQ(r.exit_code, std::string(args).empty() ? 2 : 0) << args;
    EXPECT_NE(r.out.find("Usage: vflow [OPTIONS] SUBCOMMAND"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("verify"), std::string::npos) << r.out;
  }
  const auto fire = vflow::test::run_vflow("help fire");
  EXPECT_EQ(fire.exit_code, 0);
  EXPECT_NE(fire.out.find("--event-id"), std::string::npos) << fire.out;
  EXPECT_NE(fire.out.find("Global options (before the command): --db FILE"), std::string::npos)
      << fire.out;
  const std::string before = dump();
  const auto typo = vflow("statsu INC-1");
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_EQ(typo.out,
            "vflow: unknown command 'statsu'; did you mean 'status'?\n"
            "Run 'vflow help' for the list of commands.\n");
  const auto after_options = vflow("--json --busy-timeout 5 hsitory INC-1");
  EXPECT_EQ(after_options.exit_code, 2);
  EXPECT_NE(after_options.out.find("did you mean 'history'?"), std::string::npos)
      << after_options.out;
  const auto unknown = vflow::test::run_vflow("help frobnicate");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(unknown.out,
            "vflow: unknown command 'frobnicate'\nRun 'vflow help' for the list of commands.\n");
  EXPECT_EQ(dump(), before);
}

// Item 5: a repeated parameter or field was silently accepted, the last one winning.
// `vflow completion bash` is a script bash accepts, made from the commands and options vflow
// parses: completing `vflow ch`, `vflow fm`, `vflow check --war` and `vflow --d` in a real bash.
TEST_F(Hardening, BashCompletionCompletesCommandsAndOptions) {
  const std::string script = (dir / "vflow.bash").string();
  ASSERT_EQ(vflow::test::run_vflow("completion bash > '" + script + "'").exit_code, 0);
  EXPECT_EQ(shell("bash -n '" + script + "' 2>&1 && echo ok"), "ok\n");
  const auto complete = [&](const std::string& line) {
    return shell("bash -c 'source \"" + script + "\"; COMP_WORDS=(" + line +
                 "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _vflow; echo \"${COMPREPLY[*]}\"'");
  };
  EXPECT_EQ(complete("vflow ch"), "check\n");
  EXPECT_EQ(complete("vflow fm"), "fmt\n");
  EXPECT_EQ(complete("vflow --d"), "--db\n");
  EXPECT_EQ(complete("vflow --db x.db check --war"), "--warnings-as-errors\n");
  EXPECT_EQ(complete("vflow fire X --expect"), "--expect-seq\n");
  EXPECT_EQ(complete("vflow help ver"), "verify versions\n");
  EXPECT_EQ(vflow::test::run_vflow("completion zsh").exit_code, 2);
}

// Every command's help shows an example and the global options.
TEST_F(Hardening, EveryCommandsHelpHasAnExampleAndTheGlobalOptions) {
  const std::string list = vflow::test::run_vflow("help").out;
  const std::string commands = list.substr(list.find("Subcommands:"));
  std::size_t checked = 0;
  for (std::size_t at = commands.find('\n'); at != std::string::npos;
       at = commands.find('\n', at + 1)) {
    const std::size_t begin = commands.find_first_not_of(' ', at + 1);
    if (begin == std::string::npos || begin == at + 1) continue;  // not an indented command line
    const std::string name = commands.substr(begin, commands.find(' ', begin) - begin);
    const auto help = vflow::test::run_vflow("help " + name);
    EXPECT_EQ(help.exit_code, 0) << name;
    EXPECT_NE(help.out.find("Example"), std::string::npos) << name << " has no example";
    EXPECT_NE(help.out.find("Global options"), std::string::npos) << name;
    ++checked;
  }
  EXPECT_GE(checked, 28u);
}

TEST_F(Hardening, RepeatedParameterIsAUsageErrorAndWritesNothing) {
  deploy_and_start();
  const std::string before = dump();
  const auto r = vflow("fire INC-1 reprioritize priority=1 priority=5");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_EQ(r.out, "vflow: parameter 'priority' is given more than once; give each once\n");
  EXPECT_EQ(dump(), before);
  const auto s = vflow("start Incident --id INC-2 service=a service=b");
  EXPECT_EQ(s.exit_code, 2) << s.out;
  EXPECT_EQ(dump(), before);
}

// Item 13: a directory given to graph was read as an empty file and reported at DIR:1:1; a file
// that does not compile exited 2 (usage) instead of 1 (diagnostics).
TEST_F(Hardening, GraphOfADirectoryOrABrokenFile) {
  const auto d = vflow("graph " + src("workflows"));
  EXPECT_EQ(d.exit_code, 2);
  EXPECT_EQ(d.out, "vflow: cannot read " + src("workflows") + ": it is a directory\n");
  const auto b = vflow("graph " + src("tests/flows/invalid/unknown_state.flow"));
  EXPECT_EQ(b.exit_code, 1) << b.out;
  EXPECT_NE(b.out.find("unknown_state.flow:5:19: error[F0102]: unknown state 'Resloved'"),
            std::string::npos)
      << b.out;
}

// Item 2: diagnostics were rendered in O(lines x diagnostics) and printed without end; now at
// most --error-limit (20) are shown, with the count of the rest.
TEST_F(Hardening, ManyErrorsAreCutAtTheLimitAndCounted) {
  std::string text = "stream D2C\nworkflow W {\n  initial state A\n";
  for (int i = 0; i < 20000; ++i)
    text += "  state S" + std::to_string(i) + " { on x -> Nowhere }\n";
  text += "}\n";
  write(dir / "many.flow", text);
  const auto r = vflow("check " + (dir / "many.flow").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(occurrences(r.out, "error[F"), 20u) << r.out.substr(0, 2000);
  EXPECT_NE(r.out.find("vflow: 39980 more errors not shown (--error-limit 0 shows all)\n"),
            std::string::npos)
      << r.out.substr(r.out.size() - 500);
  const auto all = vflow("--error-limit 0 check " + (dir / "many.flow").string());
  EXPECT_EQ(occurrences(all.out, "error[F"), 40000u);
  EXPECT_EQ(all.out.find("not shown"), std::string::npos);
  const json j = vflow_json("check " + (dir / "many.flow").string());
  EXPECT_EQ(j["diagnostics"].size(), 20u);
  EXPECT_EQ(j["diagnostics_not_shown"], 39980);
  EXPECT_EQ(j["error_count"], 40000);
}

// Item 1: a second root element was freed while its attributes were still being written (heap
// use-after-free); now expat reads the document and refuses it.
TEST_F(Hardening, ScxmlWithTwoRootsIsRefused) {
  write(dir / "u.scxml", "<a/><b c=\"\"/>");
  const auto r = vflow("import scxml " + (dir / "u.scxml").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("u.scxml:1:5: error[S0000]: not a well-formed XML document: junk after "
                       "document element"),
            std::string::npos)
      << r.out;
}

// An entity declared in a DTD used to expand into a guard (`&lol;` became the name `lol`): a
// chart with a DTD is refused, and nothing is translated.
TEST_F(Hardening, ScxmlWithADtdIsRefused) {
  write(dir / "dtd.scxml",
        "<?xml version=\"1.0\"?>\n<!DOCTYPE scxml [<!ENTITY lol \"lol\">]>\n"
        "<scxml><state id=\"a\"><transition event=\"t\" cond=\"&lol;\" target=\"a\"/></state>"
        "</scxml>\n");
  const auto r = vflow("import scxml " + (dir / "dtd.scxml").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("dtd.scxml:2:17: error[S0000]: not a well-formed XML document: a DTD "
                       "(<!DOCTYPE ...>) is not accepted in a chart"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("workflow"), std::string::npos) << r.out;
}

// Item 1: 10,000 nested <state> overflowed the stack; 2,000 took 78 s to be refused.
TEST_F(Hardening, DeeplyNestedScxmlIsRefusedAtTheBound) {
  std::string doc = "<scxml xmlns=\"http://www.w3.org/2005/07/scxml\">\n";
  for (int i = 0; i < 10000; ++i) doc += "<state id=\"s" + std::to_string(i) + "\">";
  for (int i = 0; i < 10000; ++i) doc += "</state>";
  doc += "</scxml>\n";
  write(dir / "deep.scxml", doc);
  const auto r = vflow("import scxml " + (dir / "deep.scxml").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("error[S0000]: not a well-formed XML document: elements are nested more "
                       "than 128 levels deep"),
            std::string::npos)
      << r.out.substr(0, 500);
}

// Item 1: an 80k-state chart took minutes (every element re-counted lines from the start).
TEST_F(Hardening, LargeScxmlImportsInOnePass) {
  std::string doc = "<scxml xmlns=\"http://www.w3.org/2005/07/scxml\" initial=\"s0\">\n";
  for (int i = 0; i < 80000; ++i) {
    doc += "  <state id=\"s" + std::to_string(i) + "\"><transition event=\"next\" target=\"s" +
           std::to_string(i + 1 < 80000 ? i + 1 : i) + "\"/></state>\n";
  }
  doc += "</scxml>\n";
  write(dir / "big.scxml", doc);
  const auto r = vflow("import scxml " + (dir / "big.scxml").string(), false);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("  state s79999 {\n    on next -> s79999\n  }\n"), std::string::npos);
}

// Item 6: another application's SQLite file was silently given vflow's tables, a user_version
// and WAL, even by `status`; an empty file was initialised by a read command.
TEST_F(Hardening, AnotherApplicationsDatabaseIsRefusedUntouched) {
  const std::string other = (dir / "other.db").string();
  shell("sqlite3 '" + other + "' 'CREATE TABLE notes (t TEXT); INSERT INTO notes VALUES (1)'");
  const std::string before = shell("cat '" + other + "' | sha256sum");
  for (const std::string& command :
       std::vector<std::string>{"status X", "list", "history X", "deploy " + src("workflows"),
                                "start Incident service=a", "fire X go", "tick"}) {
    const auto r = vflow_at(other, command);
    EXPECT_EQ(r.exit_code, 3) << command << ": " << r.out;
    EXPECT_EQ(r.out, "vflow: store error: cannot open database " + other +
                         ": it is not a vflow database (it belongs to another application); "
                         "nothing was changed\n")
        << command;
  }
  EXPECT_EQ(shell("cat '" + other + "' | sha256sum"), before);
  EXPECT_FALSE(std::filesystem::exists(other + "-wal"));
  EXPECT_EQ(shell("sqlite3 '" + other + "' 'PRAGMA journal_mode; PRAGMA user_version'"),
            "delete\n0\n");
  const std::string text = (dir / "text.db").string();
  write(text, "not a database at all, but long enough to have a header of sorts..........\n");
  const auto t = vflow_at(text, "deploy " + src("workflows"));
  EXPECT_EQ(t.exit_code, 3);
  EXPECT_NE(t.out.find("it is not a vflow database (not an SQLite file)"), std::string::npos)
      << t.out;
}

TEST_F(Hardening, OnlyDeployAndStartCreateADatabaseAndOnlyFromANewOrEmptyFile) {
  const std::string empty = (dir / "empty.db").string();
  write(empty, "");
  for (const char* command : {"status X", "list", "tick", "fire X go"}) {
    const auto r = vflow_at(empty, command);
    EXPECT_EQ(r.exit_code, 3) << command;
    EXPECT_EQ(r.out, "vflow: store error: cannot open database " + empty +
                         ": the file is empty; run `vflow deploy` to make it a vflow database\n");
  }
  EXPECT_EQ(std::filesystem::file_size(empty), 0u);
  EXPECT_EQ(vflow_at(empty, "deploy " + src("workflows")).exit_code, 0);
  EXPECT_EQ(shell("sqlite3 '" + empty + "' 'PRAGMA application_id'"), "1986423927\n");
  const std::string absent = (dir / "absent.db").string();
  EXPECT_EQ(vflow_at(absent, "list").out, "vflow: store error: no vflow database at " + absent +
                                              "; run `vflow deploy` to create one\n");
  EXPECT_FALSE(std::filesystem::exists(absent));
}

// Item 8: new databases were world-readable (0644 under umask 022); journals hold personal data.
TEST_F(Hardening, NewDatabasesAreReadableByTheirOwnerOnly) {
  ASSERT_EQ(shell("umask 022 && " + std::string(VFLOW_BINARY) + " --db '" + db() + "' deploy " +
                  src("workflows") + " >/dev/null && stat -c %a '" + db() + "' '" + db() +
                  "-wal' '" + db() + "-shm'"),
            "600\n600\n600\n");
}

// Item 8: values may come from a file or standard input, so secrets stay out of argv.
TEST_F(Hardening, ValuesFromAFileOrStandardInput) {
  deploy_and_start();
  write(dir / "reason.txt", "waiting for the vendor\n");
  auto r = vflow("fire INC-1 assign user=@@ada");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(vflow_json("status INC-1")["data"]["assignee"], "@ada");
  ASSERT_EQ(vflow("fire INC-1 start_work").exit_code, 0);
  r = vflow("fire INC-1 hold reason=@" + (dir / "reason.txt").string());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(vflow_json("status INC-1")["data"]["hold_reason"], "waiting for the vendor");
  ASSERT_EQ(vflow("fire INC-1 resume").exit_code, 0);
  r = vflow_at(db(), "fire INC-1 hold reason=@- < " + (dir / "reason.txt").string());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::string before = dump();
  r = vflow("fire INC-1 resume x=@" + (dir / "absent.txt").string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "vflow: the value of 'x': cannot read " + (dir / "absent.txt").string() +
                       ": no such file\n");
  EXPECT_EQ(dump(), before);
}

// Item 7: in a read-only directory every command failed naming an internal PRAGMA; an auditor
// with read access could not read.
TEST_F(Hardening, ReadCommandsWorkWithReadAccessOnly) {
  deploy_and_start();
  ASSERT_EQ(vflow("fire INC-1 assign user=ada").exit_code, 0);
  // The auditor is another user with read access to the files and none to write the directory.
  const std::string as_other =
      geteuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups " : "";
  if (geteuid() == 0 && system("command -v setpriv >/dev/null") != 0) GTEST_SKIP();
  shell("chmod 644 '" + db() + "'*; chmod 555 '" + dir.path().string() + "'");
  const std::string before = dump();
  const auto as_auditor = [&](const std::string& args) {
    return vflow::test::run_result{0, shell(as_other + VFLOW_BINARY + " --db '" + db() + "' " +
                                            args + " 2>&1; echo \"exit $?\"")};
  };
  for (const char* command :
       {"status INC-1", "history INC-1", "list", "explain INC-1", "verify INC-1", "verify --all",
        "digest", "query \"SELECT count(*) FROM journal\"",
        "find --workflow Incident --where 'priority < 3'", "export", "metrics",
        "graph --instance INC-1", "fire INC-1 start_work --dry-run"}) {
    const auto r = as_auditor(command);
    EXPECT_NE(r.out.find("exit 0"), std::string::npos) << command << ": " << r.out;
  }
  const auto w = as_auditor("fire INC-1 start_work");
  EXPECT_NE(w.out.find(db() + ": the database is read-only for this user\nexit 3\n"),
            std::string::npos)
      << w.out;
  // Without the -wal and -shm files (a copy, or after the last writer closed), read as a file.
  shell("chmod 755 '" + dir.path().string() + "'; rm -f '" + db() + "-wal' '" + db() +
        "-shm'; chmod 555 '" + dir.path().string() + "'");
  EXPECT_NE(as_auditor("status INC-1").out.find("state      Assigned"), std::string::npos);
  shell("chmod 755 '" + dir.path().string() + "'");
  EXPECT_EQ(dump(), before);
}

// Item 4: invalid UTF-8 in ids, actors, event ids, values and .flow source was accepted and then
// broke every --json command on the instance, for good (the journal is append-only).
TEST_F(Hardening, InvalidUtf8IsRefusedAtEveryEntry) {
  deploy_and_start();
  const std::string bad = "\"$(printf 'x\\377y')\"";
  const std::string before = dump();
  const std::vector<std::pair<std::string, std::string>> cases{
      {"start Incident --id " + bad + " service=a",
       "vflow start: invalid: instance id 'x\\xffy' is not a valid id"},
      {"start Incident --id INC-9 service=" + bad,
       "vflow start: invalid: the value of 'service' is not valid UTF-8\n"},
      {"start Incident --id INC-9 service=a --actor " + bad,
       "vflow start: invalid: the actor is not valid UTF-8\n"},
      {"fire INC-1 assign user=" + bad,
       "vflow fire: invalid: the value of 'user' is not valid UTF-8\n"},
      {"fire INC-1 assign user=ada --event-id " + bad,
       "vflow fire: invalid: event id 'x\\xffy' is not a valid id"},
      {"gate INC-1 --can assign user=ada --actor " + bad,
       "vflow gate: invalid: the actor is not valid UTF-8\n"},
      {"suspend INC-1 --reason " + bad, "vflow suspend: invalid: the reason is not valid UTF-8\n"},
  };
  for (const auto& [command, message] : cases) {
    const auto r = vflow(command);
    EXPECT_EQ(r.exit_code, 1) << command << ": " << r.out;
    EXPECT_EQ(r.out.rfind(message, 0), 0u) << command << ": " << r.out;
  }
  EXPECT_EQ(dump(), before);
  write(dir / "bad.flow",
        "stream D2C\nworkflow W {\n  data {\n    s: string = \"a\xff\"\n  }\n"
        "  initial state A\n}\n");
  const auto c = vflow("deploy " + (dir / "bad.flow").string());
  EXPECT_EQ(c.exit_code, 1);
  EXPECT_NE(c.out.find("bad.flow:4:19: error[F0001]: invalid UTF-8 (byte 0xff): .flow files are "
                       "UTF-8"),
            std::string::npos)
      << c.out;
  EXPECT_EQ(dump(), before);
}

// Item 9: ids, actors and reasons were printed raw: `--actor $'\e[2J'` cleared the auditor's
// screen in `history`; ids could hold newlines or U+202E.
TEST_F(Hardening, TextOutputEscapesControlAndBidiCharacters) {
  deploy_and_start();
  const auto r = vflow(
      "fire INC-1 assign user=\"$(printf 'a\\342\\200\\256b')\" --actor "
      "\"$(printf '\\033[2J')\"");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto h = vflow("history INC-1");
  EXPECT_NE(h.out.find("assign(user=\"a\\u{202e}b\")  taken  New -> Assigned  by \\x1b[2J  #2\n"),
            std::string::npos)
      << h.out;
  EXPECT_EQ(h.out.find('\033'), std::string::npos);
  EXPECT_NE(vflow("explain INC-1").out.find("by \\x1b[2J"), std::string::npos);
  EXPECT_EQ(vflow_json("history INC-1")[1]["actor"], "\033[2J");  // JSON keeps the value exact
  for (const std::string& id :
       {std::string("\"$(printf 'a\\nb')\""), std::string("\"$(printf 'a\\342\\200\\256b')\""),
        std::string("-x"), std::string("'a b'"), std::string(129, 'a')}) {
    const auto s = vflow("start Incident service=a --id=" + id);
    EXPECT_EQ(s.exit_code, 1) << id << ": " << s.out;
    EXPECT_NE(s.out.find("is not a valid id: use 1 to 128 letters, digits and . _ : @ / + - "
                         "starting with a letter or digit"),
              std::string::npos)
        << s.out;
  }
  const auto u = vflow("status \"$(printf '\\033]0;owned\\007')\"");
  EXPECT_EQ(u.exit_code, 1);
  EXPECT_EQ(u.out, "vflow status: unknown instance '\\x1b]0;owned\\x07'\n");
}

// Item 3: `--json tick` committed its timers, then threw while printing invalid UTF-8 and exited
// 3 with no output. Output after a commit cannot fail now: an instance another writer created
// with a bad id fires, and the JSON printed is valid, with U+FFFD in its place.
TEST_F(Hardening, OutputAfterACommitCannotFail) {
  ASSERT_EQ(vflow("deploy " + src("workflows")).exit_code, 0);
  ASSERT_EQ(vflow("start Incident --id INC-1 service=mail priority=1 --at 2026-11-26T08:00:00Z")
                .exit_code,
            0);
  shell("sqlite3 '" + db() +
        "' \"INSERT INTO instances SELECT CAST(X'4241C3' AS TEXT), definition, workflow, "
        "lifecycle, configuration, data, seq, created_at, updated_at, memory, next_due FROM "
        "instances WHERE id = 'INC-1'; INSERT INTO journal (instance, seq, definition, kind, "
        "event, params, actor, event_id, at, recorded_at, from_config, to_config, changes, "
        "outcome, reason, detail, lifecycle) SELECT CAST(X'4241C3' AS TEXT), seq, definition, "
        "kind, event, params, actor, event_id, at, recorded_at, from_config, to_config, changes, "
        "outcome, reason, detail, lifecycle FROM journal WHERE instance = 'INC-1'\"");
  const auto r = vflow("--json tick --now 2026-11-26T09:00:00Z", false);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  const json out = json::parse(r.out);
  ASSERT_EQ(out["fired"].size(), 2u);
  EXPECT_EQ(out["fired"][0]["instance"], "BA\xef\xbf\xbd");
  EXPECT_EQ(shell("sqlite3 '" + db() + "' \"SELECT count(*) FROM journal WHERE kind = 'timer'\""),
            "2\n");
  const auto text = vflow("history \"$(printf 'BA\\303')\"");
  EXPECT_EQ(text.exit_code, 0) << text.out;
  EXPECT_NE(text.out.find("after response_time"), std::string::npos) << text.out;
}

// Item 15: `list` stopped at 1,000 instances with exit 0 and no word of it.
TEST_F(Hardening, ListSaysWhenItIsCut) {
  deploy_and_start();
  for (const char* id : {"INC-2", "INC-3"}) {
    ASSERT_EQ(vflow(std::string("start Incident service=a --id ") + id).exit_code, 0);
  }
  const auto cut = vflow("list --limit 2");
  EXPECT_EQ(cut.exit_code, 0);
  EXPECT_NE(cut.out.find("vflow list: only the first 2 instances are listed; more match "
                         "(--limit N lists more, --limit 0 all)\n"),
            std::string::npos)
      << cut.out;
  EXPECT_EQ(occurrences(cut.out, "Incident v1"), 2u);
  const auto all = vflow("list --limit 0");
  EXPECT_EQ(occurrences(all.out, "Incident v1"), 3u);
  EXPECT_EQ(all.out.find("more match"), std::string::npos);
  EXPECT_EQ(vflow("list --limit 3").out.find("more match"), std::string::npos);
  EXPECT_EQ(vflow_json("list --limit 2").size(), 2u);
}

// Item 14: deploying an older source again printed "unchanged Incident v1" while new instances
// still started on v2. Now it becomes current again, and `start --version N` pins a version.
TEST_F(Hardening, RedeployingAnOlderSourceMakesItCurrent) {
  const std::string v1 = (dir / "w.flow").string();
  const std::string body =
      "stream D2C\nworkflow W {\n  event go\n  initial state A {\n"
      "    on go -> B\n  }\n  final state B\n";
  write(v1, body + "}\n");
  ASSERT_EQ(vflow("deploy " + v1).out.substr(0, 16), "deployed   W v1 ");
  write(dir / "w2.flow", body + "  state C\n}\n");
  ASSERT_EQ(vflow("deploy " + (dir / "w2.flow").string(), false).out.substr(0, 16),
            "deployed   W v2 ");
  ASSERT_EQ(vflow("start W --id W-2").exit_code, 0);
  EXPECT_EQ(vflow_json("status W-2")["version"], 2);
  const auto again = vflow("deploy " + v1);
  EXPECT_EQ(again.out.substr(0, 16), "current    W v1 ") << again.out;
  EXPECT_EQ(vflow("deploy " + v1).out.substr(0, 16), "unchanged  W v1 ");
  ASSERT_EQ(vflow("start W --id W-1").exit_code, 0);
  EXPECT_EQ(vflow_json("status W-1")["version"], 1);
  EXPECT_EQ(vflow_json("status W-2")["version"], 2);  // running instances keep theirs
  ASSERT_EQ(vflow("start W --id W-3 --version 2").exit_code, 0);
  EXPECT_EQ(vflow_json("status W-3")["version"], 2);
  const std::string before = dump();
  const auto missing = vflow("start W --id W-4 --version 7");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.out,
            "vflow start: not_found: workflow W has no version 7 (the current one is v1)\n");
  EXPECT_EQ(vflow("start W --id W-4 --version 0").exit_code, 2);
  EXPECT_EQ(dump(), before);

  // `versions` lists both, oldest first, and names the current one: v1 again.
  const auto versions = vflow_json("versions W")["versions"];
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0]["version"], 1);
  EXPECT_EQ(versions[0]["current"], true);
  EXPECT_EQ(versions[0]["source"], v1);
  EXPECT_EQ(versions[1]["version"], 2);
  EXPECT_EQ(versions[1]["current"], false);
  EXPECT_EQ(versions[1]["hash"], vflow_json("status W-2")["definition"]);
  const auto text = vflow("versions W", false).out;
  EXPECT_EQ(text.substr(0, 5), "W v1 ");
  EXPECT_EQ(text.substr(text.find('\n') - 9, 10), "  current\n");
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
  const auto typo = vflow("versions X");
  EXPECT_EQ(typo.exit_code, 1);
  EXPECT_EQ(typo.out, "vflow versions: no workflow 'X' is deployed\n");
  EXPECT_EQ(vflow("versions WW").out,
            "vflow versions: no workflow 'WW' is deployed; did you mean 'W'?\n");
  EXPECT_EQ(dump(), before);
}

// Item 11: `graph --instance` matched taken steps by (from, to) configuration pairs, bolding
// transitions never taken and missing the ones taken through `done` or `always`. Now each record
// names the transitions it took, and exactly those are drawn bold.
TEST_F(Hardening, GraphOfAnInstanceDrawsTheTransitionsItsJournalRecords) {
  ASSERT_EQ(vflow("deploy " + src("workflows")).exit_code, 0);
  ASSERT_EQ(vflow("start Change --id C-1 summary=s requester=ada risk=low").exit_code, 0);
  ASSERT_EQ(vflow("fire C-1 submit").exit_code, 0);
  ASSERT_EQ(vflow("fire C-1 approve user=bob --actor bob").exit_code, 0);
  const auto r = vflow("graph --instance C-1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::string bold;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("penwidth=2") != std::string::npos) bold += line + "\n";
  }
  EXPECT_EQ(bold,
            "  \"Requested\" -> \"__Approval\" [label=\"submit\", lhead=\"cluster_Approval\", "
            "color=\"#1f77b4\", penwidth=2];\n"
            "  \"__Approval\" -> \"Approved\" [label=\"done\", ltail=\"cluster_Approval\", "
            "color=\"#1f77b4\", penwidth=2];\n"
            "  \"PeerPending\" -> \"PeerApproved\" [label=\"approve\", color=\"#1f77b4\", "
            "penwidth=2];\n"
            "  \"BoardPending\" -> \"BoardApproved\" [label=\"always\\n[risk != \\\"high\\\"]\", "
            "color=\"#1f77b4\", penwidth=2];\n");
  const json path = vflow_json("history C-1")[1]["detail"]["path"];
  ASSERT_EQ(path.size(), 2u);
  EXPECT_EQ(path[0]["kind"], "event");
  EXPECT_EQ(path[1]["kind"], "always");
  EXPECT_EQ(path[1]["from"], "BoardPending");
}

// Item 12: states named like Mermaid keywords (`note`, `class`, `default`, `style`, `end` ...)
// produced text Mermaid's parser rejects; they are declared under ids of their own now.
TEST_F(Hardening, MermaidKeywordsAsStateNames) {
  write(dir / "kw.flow", R"(stream D2C
workflow Kw {
  event go
  initial state note {
    on go -> class
  }
  state class {
    on go -> Box
  }
  state Box {
    initial state style {
      on go -> default
    }
    final state default
    done -> end
  }
  final state end
}
)");
  const auto r = vflow("graph --format mermaid " + (dir / "kw.flow").string(), false);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out,
            "stateDiagram-v2\n"
            "  state \"note\" as vflow_state_0\n"
            "  state \"class\" as vflow_state_1\n"
            "  state \"end\" as vflow_state_5\n"
            "  [*] --> vflow_state_0\n"
            "  state Box {\n"
            "    [*] --> vflow_state_3\n"
            "    state \"style\" as vflow_state_3\n"
            "    state \"default\" as vflow_state_4\n"
            "    vflow_state_4 --> [*]\n"
            "  }\n"
            "  vflow_state_0 --> vflow_state_1 : go\n"
            "  vflow_state_1 --> Box : go\n"
            "  Box --> vflow_state_5 : done\n"
            "  vflow_state_3 --> vflow_state_4 : go\n"
            "  vflow_state_5 --> [*]\n");
}

// Item 12: a transition declared on a compound state to a state inside it was drawn from the dot
// that marks the initial child; transitions between the same two states were stacked (their
// labels overlapped on the incident workflow). Now such transitions leave a hollow point of
// their own, parallel transitions share one edge with a label line each, and guards wrap.
TEST_F(Hardening, DotDrawsInnerTransitionsAndKeepsLabelsApart) {
  const auto r = vflow("graph " + src("workflows/d2c/incident.flow"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("    \"__InProgress__inner\" [shape=point, width=0.1, style=filled, "
                       "fillcolor=white, color=\"#555555\"];\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  \"__InProgress__inner\" -> \"Resume\" [label=\"assign,\\nreprioritize\\n"
                       "[event.priority >= 1 and\\nevent.priority <= 5]\"];\n"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("\"__InProgress\" -> \"Resume\""), std::string::npos);
  EXPECT_EQ(occurrences(r.out, "\"Assigned\" -> \"Assigned\""), 1u);
}

}  // namespace
