// The auditor's side of the runtime: the journal's hash chain, the definitions' hashes, the
// replay of every instance's journal against its stored state (`vflow verify`, `vflow digest`),
// and read-only queries (`vflow query`).
#include <set>
#include <tuple>
#include <unordered_map>

#include "runtime/chain.hpp"
#include "runtime/runtime_impl.hpp"

namespace vflow::runtime {

namespace {

std::string record_name(const journal_row& r) {
  return "record #" + std::to_string(r.gseq) + " (" + r.instance + " seq " + std::to_string(r.seq) +
         ")";
}

// Marks `out` broken at `r` (or at the instance, when `r` is null) with `message`.
bool broken(verify_outcome& out, const std::string& instance, const journal_row* r,
            std::string message) {
  out.consistent = false;
  out.instance = instance;
  out.seq = r ? r->seq : 0;
  out.gseq = r ? r->gseq : 0;
  out.message = std::move(message);
  return false;
}

// What each instance's chain has reached in a pass over the journal in global order.
struct instance_chain {
  std::int64_t seq = 0;
  std::string hash;
};

// Checks the whole journal in global order: numbering without gaps, each instance's records in
// order, every hash recomputed from the record and its two predecessors; with `against`, that
// record's hash; then hands each record to `each`, if given. False with `out` naming the first
// break (or `each` returning false).
template <typename Each>
bool chain_matches(store_transaction& t, const std::optional<journal_head>& against,
                   std::unordered_map<std::string, instance_chain>& chains, verify_outcome& out,
                   Each&& each) {
  journal_head head;
  bool reached = false;
  for (;;) {
    auto page = t.journal_after(head.gseq, 4096);
    if (page.empty()) break;
    for (journal_row& r : page) {
      if (r.gseq != head.gseq + 1) {
        return broken(
            out, r.instance, &r,
            record_name(r) + " follows #" + std::to_string(head.gseq) + ": record" +
                (r.gseq == head.gseq + 2 ? " #" + std::to_string(head.gseq + 1) + " is"
                                         : "s #" + std::to_string(head.gseq + 1) + " to #" +
                                               std::to_string(r.gseq - 1) + " are") +
                " missing from the journal");
      }
      instance_chain& c = chains[r.instance];
      if (r.seq != c.seq + 1) {
        return broken(out, r.instance, &r,
                      record_name(r) + " is out of order: the instance's previous record is seq " +
                          std::to_string(c.seq));
      }
      if (chain_hash(r, c.hash, head.hash) != r.hash) {
        return broken(out, r.instance, &r,
                      record_name(r) +
                          " does not match its hash: a field of it was changed, or it was "
                          "inserted, moved or rewritten");
      }
      if (against && r.gseq == against->gseq) {
        reached = true;
        if (r.hash != against->hash) {
          return broken(out, r.instance, &r,
                        record_name(r) + " is not the record the digest " + to_string(*against) +
                            " names: the journal was rewritten up to it");
        }
      }
      ++out.records;
      if (!each(r)) return false;
      c.seq = r.seq;
      c.hash = r.hash;
      head.gseq = r.gseq;
      head.hash = std::move(r.hash);
    }
  }
  out.head = head;
  if (against && !reached) {
    return broken(out, "", nullptr,
                  "the journal ends at #" + std::to_string(head.gseq) + " but the digest " +
                      to_string(*against) + " names #" + std::to_string(against->gseq) +
                      ": records were removed from its end");
  }
  if (against) out.grown = head.gseq - against->gseq;
  return true;
}

}  // namespace

class engine_runtime::impl::replayer {
 public:
  // With `links`, it also follows the links the journal makes (records come in global order),
  // for `links_match`.
  replayer(impl& rt, store_transaction& t, verify_outcome& out, bool links = false)
      : rt_(rt), t_(t), out_(out), follow_links_(links) {}

  // Replays record `r` on its instance (records come in each instance's order); false, with the
  // outcome naming the break, when the replay differs from what the record says.
  bool step(const journal_row& r) {
    auto [it, first] = instances_.try_emplace(r.instance);
    instance& p = it->second;
    if (follow_links_ && !follow_links(r)) return false;
    if (first) {
      p.c = rt_.load(t_, r.definition);
    } else if (r.definition != p.c->row.hash) {
      return differs(r, "it was written by definition " + r.definition.substr(0, 12) +
                            ", but the instance's first record by " + p.c->row.hash.substr(0, 12));
    }
    const engine::machine& m = p.c->machine;
    const engine::link_snapshot snap = links_read(m, r);
    const engine::step_options replay{false, &snap};
    if (r.kind == record_kind::start) {
      std::vector<engine::value> data = engine::initial_data(m);
      const json inputs = json::parse(r.params);
      for (const auto& [name, v] : inputs.items()) {
        if (const auto f = m.find_field(name))
          data[engine::index(*f)] = value_from_json(v, m.field(*f).declared);
      }
      p.state = engine::initial_state(m, std::move(data));
      engine::step_result sr;
      engine::start(m, p.state, actor_value(r.actor), r.at, sr, replay);
    } else if (r.kind == record_kind::timer) {
      const json detail = json::parse(r.detail);
      if (detail.contains("send")) {  // a delayed send the instance made itself
        engine::step_result sr;
        engine::deliver_send(m, p.state, detail["send"]["index"].get<std::size_t>(), r.at, sr,
                             replay);
        if ((r.outcome == record_outcome::taken) != sr.is_taken()) {
          return differs(r, "the delayed send's replay decided differently");
        }
      } else {
        const auto index = detail["timer"]["index"].get<std::uint32_t>();
        engine::step_result sr;
        engine::fire_timer(m, p.state, index, r.at, sr, replay);
        if ((r.outcome == record_outcome::taken) != sr.is_taken()) {
          return differs(r, "the timer's replay decided differently");
        }
        if (!sr.is_taken() && sr.reason != engine::reject_reason::guards_false) {
          auto& timers = p.state.timers;
          timers.erase(std::remove_if(timers.begin(), timers.end(),
                                      [&](const auto& a) { return a.timer == index; }),
                       timers.end());
        }
      }
    } else if (r.kind == record_kind::event && r.outcome == record_outcome::taken) {
      const auto ev = m.match_event(r.event.value_or(""));
      if (!ev) return differs(r, "it names an unknown event");
      engine::event_call call{*ev, {}, r.at, actor_value(r.actor)};
      const json params = json::parse(r.params);
      for (const auto& param : m.event(*ev).params)
        call.params.push_back(value_from_json(params.value(param.name, json()), param.declared));
      if (!engine::step(m, p.state, call, replay).is_taken()) {
        return differs(r, "it was taken, but its replay is rejected");
      }
    }
    if (config_json(m, p.state.configuration).dump() != r.to_config) {
      return differs(r, "the replayed state differs from the state it records");
    }
    p.lc = r.lifecycle;
    ++p.records;
    return true;
  }

  // Compares the store's links with those the journal made; false, with the outcome naming the
  // first difference, when they differ.
  bool links_match(const std::vector<link_row>& stored) {
    std::set<link_key> held;
    for (const link_row& l : stored) held.emplace(l.source, l.name, l.target);
    auto a = held.begin();
    auto b = links_.begin();
    while (a != held.end() || b != links_.end()) {
      if (b == links_.end() || (a != held.end() && *a < *b)) {
        const auto& [source, name, target] = *a;
        return broken(out_, source, nullptr,
                      "the store holds link '" + name + "' of '" + source + "' to '" + target +
                          "', which no journal record made");
      }
      if (a == held.end() || *b < *a) {
        const auto& [source, name, target] = *b;
        return broken(out_, source, nullptr,
                      "link '" + name + "' of '" + source + "' to '" + target +
                          "', which the journal made, is missing from the store");
      }
      ++a;
      ++b;
    }
    return true;
  }

  // Compares instance `row` with the replay of its records; false, with the outcome naming it,
  // when they differ.
  bool finish(const instance_row& row) {
    const auto it = instances_.find(row.id);
    std::string what;
    if (it == instances_.end()) {
      what = "it counts " + std::to_string(row.seq) + " journal records, the journal holds none";
    } else {
      const instance& p = it->second;
      const engine::machine& m = p.c->machine;
      if (p.c->row.hash != row.definition) {
        what = "it runs on definition " + row.definition.substr(0, 12) +
               ", but its journal was written by " + p.c->row.hash.substr(0, 12);
      } else if (p.records != row.seq) {
        what = "it counts " + std::to_string(row.seq) + " journal records, the journal holds " +
               std::to_string(p.records);
      } else if (config_json(m, p.state.configuration).dump() != row.configuration) {
        what = "its stored state differs from the replay of its journal";
      } else if (data_json(m, p.state.data).dump() != row.data) {
        what = "its stored data differs from the replay of its journal";
      } else if (memory_json(m, p.state).dump() != row.memory) {
        what = "its stored timers or history differ from the replay of its journal";
      } else if (p.lc != row.lifecycle) {
        what = "its stored lifecycle (" + std::string(to_string(row.lifecycle)) +
               ") differs from its journal's (" + std::string(p.lc ? to_string(*p.lc) : "none") +
               ")";
      }
      instances_.erase(it);
    }
    if (!what.empty()) return broken(out_, row.id, nullptr, "instance " + row.id + ": " + what);
    return true;
  }

 private:
  struct instance {
    std::shared_ptr<const compiled> c;
    engine::instance_state state;
    std::optional<runtime::lifecycle> lc;
    std::int64_t records = 0;
  };

  bool differs(const journal_row& r, const std::string& what) {
    return broken(out_, r.instance, &r, record_name(r) + ": " + what);
  }

  using link_key = std::tuple<std::string, std::string, std::string>;  // source, name, target

  // The spawns a record made, in order: (workflow, link).
  struct spawns {
    std::vector<std::pair<std::string, std::string>> made;
    std::size_t used = 0;
  };

  void change(bool add, link_key link) {
    if (add) {
      links_.insert(std::move(link));
    } else {
      links_.erase(link);
    }
  }

  // Follows the links record `r` makes: a link record names the other end of a change and its
  // link (`via`), and the link back (`link`), when the change was made by the other end (the end
  // that made it names the change in its own record, or its effects); an instance spawned into
  // a link was linked by the record that spawned it, the n-th spawn of that record's effects
  // making its n-th child.
  bool follow_links(const journal_row& r) {
    if (r.outcome != record_outcome::taken) return true;
    if (r.kind == record_kind::link) {
      const json params = json::parse(r.params);
      if (!params.contains("via")) return true;
      const std::string other = params.value("other", "");
      const bool add = r.event == "link";
      change(add, {other, params["via"].get<std::string>(), r.instance});
      if (params["link"].is_string()) change(add, {r.instance, params["link"], other});
      return true;
    }
    const bool has_effects = r.detail.find("\"effects\"") != std::string::npos;
    const bool spawned = r.kind == record_kind::start && r.cause &&
                         r.detail.find("\"spawned_by\"") != std::string::npos;
    if (!has_effects && !spawned) return true;
    const json detail = json::parse(r.detail);
    if (spawned && detail["spawned_by"].is_string() && !spawned_into(r, detail)) return false;
    if (has_effects) {
      spawns& s = spawns_[r.gseq];
      for (const auto& e : detail["effects"]) {
        if (e.value("kind", "") == "spawn") s.made.emplace_back(e["workflow"], e["link"]);
      }
    }
    return true;
  }

  // Links the instance record `r` started to the instance that spawned it.
  bool spawned_into(const journal_row& r, const json& detail) {
    const std::string parent = detail["spawned_by"];
    const std::string workflow = detail.value("workflow", "");
    const auto pit = instances_.find(parent);
    if (pit == instances_.end()) {
      return differs(r, "it says it was spawned by '" + parent + "', which has no earlier record");
    }
    const engine::machine& pm = pit->second.c->machine;
    std::optional<std::uint32_t> link;
    const auto sit = spawns_.find(*r.cause);
    if (sit != spawns_.end() && sit->second.used < sit->second.made.size()) {
      const auto& [w, name] = sit->second.made[sit->second.used++];
      if (w != workflow) {
        return differs(r, "it is a " + workflow + ", but the spawn of record #" +
                              std::to_string(*r.cause) + " it follows makes a " + w);
      }
      link = pm.find_link(name);
    } else {
      // A journal from before spawned instances kept their effects: the one link to `workflow`.
      for (std::uint32_t i = 0; i < pm.links.size(); ++i) {
        if (pm.links[i].workflow != workflow) continue;
        if (link)
          return differs(r, "which link of '" + parent +
                                "' it was spawned into is "
                                "not recorded");
        link = i;
      }
    }
    if (!link) {
      return differs(r, "it says it was spawned by '" + parent + "', whose record #" +
                            std::to_string(*r.cause) + " spawned no " + workflow);
    }
    const engine::link_def& l = pm.links[*link];
    change(true, {parent, l.name, r.instance});
    const auto child = rt_.load(t_, r.definition);
    if (const engine::link_def* back = inverse_of(pm, l, child->machine)) {
      change(true, {r.instance, back->name, parent});
    }
    return true;
  }

  // What a record's guards read of linked instances, as the record keeps it: the replay reads
  // the same, whatever those instances became since. Only a machine that reads links has any.
  engine::link_snapshot links_read(const engine::machine& m, const journal_row& r) {
    engine::link_snapshot snap(m.links.size());
    if (!m.reads_links) return snap;
    const json detail = json::parse(r.detail);
    if (!detail.contains("links_read")) return snap;
    for (const auto& [name, targets] : detail["links_read"].items()) {
      const auto link = m.find_link(name);
      if (!link) continue;
      for (const auto& x : targets) {
        const auto tc = rt_.load(t_, x.at("definition").get<std::string>());  // cached for good
        snap[*link].push_back({x.at("id").get<std::string>(), &tc->machine,
                               config_from_json(tc->machine, x.at("configuration").dump()),
                               data_from_json(tc->machine, x.at("data").dump())});
      }
    }
    return snap;
  }

  impl& rt_;
  store_transaction& t_;
  verify_outcome& out_;
  std::unordered_map<std::string, instance> instances_;
  bool follow_links_;
  std::set<link_key> links_;                         // the links the journal made
  std::unordered_map<std::int64_t, spawns> spawns_;  // by the gseq of the record that made them
};

verify_outcome engine_runtime::verify(const std::string& id) {
  verify_outcome out;
  impl_->read([&](store_transaction& t) {
    out = verify_outcome{};
    const auto row = t.instance(id);
    if (!row) {
      out.status = status::not_found;
      out.message = "unknown instance '" + id + "'";
      return;
    }
    out.instances = 1;
    const auto records = t.history(id);
    out.records = records.size();
    // Each record's hash, from its content, its instance's previous record and the journal's
    // previous record (as stored: `verify --all` checks that one in turn).
    std::string previous;
    for (const journal_row& r : records) {
      const std::string before =
          r.gseq > 1 ? t.journal_after(r.gseq - 2, 1).front().hash : std::string();
      const bool numbered = r.seq == (&r - records.data()) + 1;
      if (!numbered || chain_hash(r, previous, before) != r.hash) {
        broken(out, id, &r,
               record_name(r) + (numbered ? " does not match its hash: a field of it was changed, "
                                            "or it was inserted, moved or rewritten"
                                          : " is out of order"));
        return;
      }
      previous = r.hash;
    }
    impl::replayer replay(*impl_, t, out);
    for (const journal_row& r : records) {
      if (!replay.step(r)) return;
    }
    out.consistent = replay.finish(*row);
    if (out.consistent) {
      out.message = "the instance equals the replay of its " + std::to_string(records.size()) +
                    " journal records, each matching its hash";
    }
  });
  return out;
}

verify_outcome engine_runtime::verify_all(const std::optional<journal_head>& against, bool replay) {
  verify_outcome out;
  impl_->read([&](store_transaction& t) {
    out = verify_outcome{};
    out.notes = t.journal_notes();
    // Definitions first: a replay on an altered definition would prove nothing.
    for (const definition_row& d : t.definitions()) {
      ++out.definitions;
      try {
        impl_->load(t, d.hash);
      } catch (const store_error& e) {
        broken(out, "", nullptr, e.what());
        return;
      }
    }
    // One pass over the journal: each record's hash, then its replay on its instance.
    std::unordered_map<std::string, instance_chain> chains;
    impl::replayer replayer(*impl_, t, out, true);
    const auto step = [&](const journal_row& r) { return !replay || replayer.step(r); };
    if (!chain_matches(t, against, chains, out, step)) return;
    instance_filter all;
    all.limit = std::numeric_limits<std::size_t>::max() / 2;
    for (const instance_row& row : t.list(all)) {
      ++out.instances;
      if (replay && !replayer.finish(row)) return;
      chains.erase(row.id);
    }
    if (replay) {
      const auto links = t.all_links();
      out.links = links.size();
      if (!replayer.links_match(links)) return;
    }
    if (!chains.empty()) {
      const auto& [id, c] = *chains.begin();
      broken(out, id, nullptr,
             "the journal holds " + std::to_string(c.seq) + " records of '" + id +
                 "', an instance the store no longer has");
      return;
    }
    out.consistent = true;
    out.message = std::to_string(out.definitions) + " definitions, " + std::to_string(out.records) +
                  " journal records" +
                  (replay ? ", " + std::to_string(out.instances) + " instances and " +
                                std::to_string(out.links) + " links"
                          : " and " + std::to_string(out.instances) + " instances") +
                  " verified: every hash matches" +
                  (replay ? ", and every instance and link equals the replay of the journal"
                          : " (instances and links not replayed)");
  });
  return out;
}

query_result engine_runtime::query(const std::string& sql, const query_limits& limits) {
  return impl_->db->query(sql, limits);
}

journal_head engine_runtime::digest() {
  journal_head out;
  impl_->read([&](store_transaction& t) { out = t.head(); });
  return out;
}

}  // namespace vflow::runtime
