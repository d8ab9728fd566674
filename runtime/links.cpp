// Links between instances, and the effects that cross them: link changes, spawn and send, applied
// inside the transaction of the request that caused them, each journaled with its cause. Also the
// link and trace requests.
#include <algorithm>
#include <deque>
#include <set>

#include "runtime/runtime_impl.hpp"

namespace vflow::runtime {

namespace {

std::string spelling(engine::cardinality c) {
  switch (c) {
    case engine::cardinality::one: return "exactly one";
    case engine::cardinality::optional: return "at most one";
    case engine::cardinality::many: return "any number of";
  }
  return "?";
}

std::string join_chain(const std::vector<std::string>& chain, const std::string& last) {
  std::string out;
  for (const auto& c : chain) out += c + " -> ";
  return out + last;
}

// The value of a send's argument as the receiver's parameter wants it; a message when it does
// not fit (the receiver's workflow may have been redeployed since the sender was checked).
std::optional<std::string> fit_param(const engine::param_def& p, const engine::value& v) {
  if (v.is_null()) {
    if (p.declared.nullable) return std::nullopt;
    return "parameter '" + p.name + "' is required";
  }
  if (v.kind() != p.declared.base) {
    return "parameter '" + p.name + "' must be " + engine::to_string(p.declared);
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::string> engine_runtime::impl::linked(store_transaction& t, const std::string& id,
                                                      const std::string& name) {
  std::vector<std::string> out;
  for (const auto& l : t.links_from(id)) {
    if (l.name == name) out.push_back(l.target);
  }
  return out;
}

const engine::link_def* detail::inverse_of(const engine::machine& source, const engine::link_def& l,
                                           const engine::machine& target) {
  for (const auto& x : target.links) {
    if (x.workflow != source.name) continue;
    if ((!l.inverse.empty() && x.name == l.inverse) || x.inverse == l.name) return &x;
  }
  return nullptr;
}

std::vector<std::pair<std::string, std::vector<std::string>>> engine_runtime::impl::links_of(
    store_transaction& t, const compiled& c, const std::string& id) {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  for (const auto& l : c.machine.links) out.emplace_back(l.name, std::vector<std::string>{});
  for (const auto& row : t.links_from(id)) {
    auto it =
        std::find_if(out.begin(), out.end(), [&](const auto& p) { return p.first == row.name; });
    if (it == out.end()) {  // a link of another version of the workflow: still shown
      out.emplace_back(row.name, std::vector<std::string>{});
      it = out.end() - 1;
    }
    it->second.push_back(row.target);
  }
  return out;
}

engine::link_snapshot engine_runtime::impl::snapshot(store_transaction& t, const compiled& c,
                                                     const std::vector<link_row>& rows,
                                                     json& reads) {
  engine::link_snapshot out(c.machine.links.size());
  reads = json::object();
  for (const auto& row : rows) {
    const auto link = c.machine.find_link(row.name);
    if (!link) continue;
    const auto target = t.instance(row.target);
    if (!target) continue;
    const auto tc = load(t, target->definition);
    engine::instance_state s = state_of(tc->machine, *target);
    // The compiled machine is cached for the life of the process, so the pointer stays valid.
    out[*link].push_back({row.target, &tc->machine, std::move(s.configuration), std::move(s.data)});
    reads[row.name].push_back({{"id", row.target},
                               {"workflow", target->workflow},
                               {"definition", target->definition},
                               {"configuration", json::parse(target->configuration)},
                               {"data", json::parse(target->data)}});
  }
  return out;
}

std::optional<std::string> engine_runtime::impl::bad_ref(store_transaction& t,
                                                         const std::string& workflow,
                                                         const std::string& id,
                                                         const std::string& what) {
  const auto row = t.instance(id);
  if (!row) return what + " names an unknown instance '" + engine::escape_for_terminal(id) + "'";
  if (row->workflow != workflow) {
    return what + " must name a " + workflow + ", but '" + id + "' is a " + row->workflow;
  }
  return std::nullopt;
}

journal_row engine_runtime::impl::append_link_record(store_transaction& t, const std::string& id,
                                                     bool add, const json& params,
                                                     std::optional<std::int64_t> cause,
                                                     cascade& k) {
  auto row = t.instance(id);
  if (!row) throw request_failure(status::not_found, "unknown instance '" + id + "'");
  journal_row j = next_record(*row, record_kind::link, k.actor, k.at);
  j.event = add ? "link" : "unlink";
  j.params = to_text(params);
  j.outcome = record_outcome::taken;
  j.cause = cause;
  j.detail = to_text(json{{"workflow", row->workflow}});
  append(t, *row, j);
  return j;
}

void engine_runtime::impl::change_link(store_transaction& t, const compiled& c,
                                       const std::string& id, std::uint32_t link,
                                       const std::string& other, bool add,
                                       std::optional<std::int64_t> cause, cascade& k,
                                       bool journal_self, bool replacing,
                                       std::vector<std::pair<std::string, json>>* deferred,
                                       journal_row* self_record) {
  const engine::link_def& l = c.machine.links[link];
  const std::string where = "link '" + l.name + "' of '" + id + "'";
  const auto other_row = t.instance(other);
  if (!other_row) {
    throw request_failure(
        status::invalid, where + ": unknown instance '" + engine::escape_for_terminal(other) + "'");
  }
  if (other_row->workflow != l.workflow) {
    throw request_failure(status::invalid, where + " holds " + l.workflow + " instances, but '" +
                                               other + "' is a " + other_row->workflow);
  }
  if (other == id)
    throw request_failure(status::invalid, where + ": an instance cannot link to itself");
  const auto oc = load(t, other_row->definition);
  const engine::link_def* inverse = inverse_of(c.machine, l, oc->machine);
  const auto held = linked(t, id, l.name);
  const bool holds = std::find(held.begin(), held.end(), other) != held.end();
  if (add) {
    if (holds) return;  // already linked: nothing to do, nothing journaled
    if (l.cardinality != engine::cardinality::many && !held.empty()) {
      throw request_failure(status::invalid, where + " holds " + spelling(l.cardinality) +
                                                 " instance, and already holds '" + held.front() +
                                                 "'");
    }
    if (inverse) {
      const auto back = linked(t, other, inverse->name);
      if (inverse->cardinality != engine::cardinality::many && !back.empty()) {
        throw request_failure(status::invalid,
                              "'" + other + "' cannot be linked to '" + id + "': its link '" +
                                  inverse->name + "' holds " + spelling(inverse->cardinality) +
                                  " instance, and already holds '" + back.front() + "'");
      }
      t.insert_link({other, inverse->name, id, k.at});
    }
    t.insert_link({id, l.name, other, k.at});
  } else {
    if (!holds) {
      throw request_failure(status::invalid, where + " does not hold '" + other + "'");
    }
    if (l.cardinality == engine::cardinality::one && !replacing) {
      throw request_failure(status::invalid, where +
                                                 " must hold exactly one instance: it cannot "
                                                 "be left empty");
    }
    if (inverse && inverse->cardinality == engine::cardinality::one) {
      throw request_failure(status::invalid, "'" + other + "' must hold exactly one '" +
                                                 inverse->name + "': it cannot be unlinked from '" +
                                                 id + "'");
    }
    if (inverse) t.delete_link(other, inverse->name, id);
    t.delete_link(id, l.name, other);
  }
  json on_other{{"link", inverse ? json(inverse->name) : json()}, {"other", id}, {"via", l.name}};
  if (journal_self) {
    journal_row own =
        append_link_record(t, id, add, json{{"link", l.name}, {"other", other}}, cause, k);
    cause = own.gseq;
    if (self_record) *self_record = std::move(own);
  }
  if (deferred) {
    deferred->emplace_back(other, std::move(on_other));
  } else {
    append_link_record(t, other, add, on_other, cause, k);
  }
}

void engine_runtime::impl::apply_effects(store_transaction& t, const compiled& c,
                                         const std::string& id, std::int64_t cause,
                                         const std::vector<engine::effect>& effects, cascade& k) {
  for (const engine::effect& e : effects) {
    // A log is journaled with the step's record; raises and sends to the instance itself are the
    // engine's own queues (never reported). Neither names a link.
    if (e.kind == engine::effect_kind::log || !engine::is_external(e.kind)) continue;
    const engine::link_def& l = c.machine.links[e.link];
    switch (e.kind) {
      case engine::effect_kind::link_add:
      case engine::effect_kind::link_remove:
        change_link(t, c, id, e.link, std::string(e.target.as_string()),
                    e.kind == engine::effect_kind::link_add, cause, k, false);
        break;
      case engine::effect_kind::link_set: {
        // `= null` empties the link; a second instance for it is an error, not an overwrite.
        const std::string wanted = e.target.is_null() ? "" : std::string(e.target.as_string());
        for (const auto& old : linked(t, id, l.name)) {
          if (old == wanted) continue;
          if (!wanted.empty()) {
            throw request_failure(status::invalid,
                                  "link '" + l.name + "' of '" + id + "' (line " +
                                      std::to_string(e.line) + ") already holds '" + old +
                                      "': set it to null first to link '" + wanted + "'");
          }
          change_link(t, c, id, e.link, old, false, cause, k, false, true);
        }
        if (!wanted.empty()) change_link(t, c, id, e.link, wanted, true, cause, k, false);
        break;
      }
      case engine::effect_kind::spawn: spawn(t, c, id, e, cause, k); break;
      case engine::effect_kind::send:
        for (const auto& target : linked(t, id, l.name)) deliver(t, id, target, e, cause, k);
        break;
      case engine::effect_kind::raise:
      case engine::effect_kind::send_self:
      case engine::effect_kind::cancel:
      case engine::effect_kind::log: break;  // skipped above
    }
  }
}

std::string engine_runtime::impl::spawn(store_transaction& t, const compiled& c,
                                        const std::string& parent, const engine::effect& e,
                                        std::int64_t cause, cascade& k) {
  const std::string where = "spawn " + e.name + " (line " + std::to_string(e.line) + " of " +
                            c.machine.name + " '" + parent + "')";
  if (++k.deliveries > max_deliveries) {
    throw request_failure(status::invalid, where + ": the request made more than " +
                                               std::to_string(max_deliveries) +
                                               " sends and spawns; nothing was written");
  }
  const auto def = t.current_definition(e.name);
  if (!def) throw request_failure(status::invalid, where + ": " + e.name + " is not deployed");
  const auto sc = load(t, def->hash);
  const engine::machine& m = sc->machine;
  std::vector<engine::value> data = engine::initial_data(m);
  std::vector<bool> given(m.fields.size(), false);
  std::vector<std::pair<std::uint32_t, std::string>> links;
  json inputs = json::object();
  for (const auto& [name, v] : e.args) {
    if (const auto f = m.find_field(name)) {
      const auto& fd = m.field(*f);
      if (!v.is_null() && v.kind() != fd.declared.base) {
        throw request_failure(status::invalid, where + ": field '" + name + "' of " + m.name +
                                                   " v" + std::to_string(def->version) + " is " +
                                                   engine::to_string(fd.declared));
      }
      if (!fd.ref.empty() && !v.is_null()) {
        if (auto bad = bad_ref(t, fd.ref, std::string(v.as_string()), "field '" + name + "'"))
          throw request_failure(status::invalid, where + ": " + *bad);
      }
      data[engine::index(*f)] = v;
      given[engine::index(*f)] = true;
      inputs[name] = value_to_json(v);
    } else if (const auto link = m.find_link(name)) {
      if (!v.is_null()) links.emplace_back(*link, v.as_string());
      inputs[name] = value_to_json(v);
    } else {
      throw request_failure(status::invalid, where + ": " + m.name + " v" +
                                                 std::to_string(def->version) +
                                                 " has no field or link '" + name + "'");
    }
  }
  for (std::size_t i = 0; i < m.fields.size(); ++i) {
    if (m.fields[i].required && !given[i]) {
      throw request_failure(status::invalid,
                            where + ": missing required field '" + m.fields[i].name + "'");
    }
  }
  const std::string id = generate_id(e.name);
  engine::instance_state state = engine::initial_state(m, std::move(data));
  instance_row row = new_row(id, def->hash, m, state, k.at);
  t.insert_instance(row);
  // Linked first, so that the new instance's own rules and entry see its links; the others'
  // records of the links follow its start record, which causes them.
  std::vector<std::pair<std::string, json>> notes, own;
  change_link(t, c, parent, e.link, id, true, cause, k, false, false, &own);
  for (const auto& [link, other] : links) {
    change_link(t, *sc, id, link, other, true, cause, k, false, false, &notes);
  }
  for (const auto& l : m.links) {
    if (l.cardinality == engine::cardinality::one && linked(t, id, l.name).empty()) {
      throw request_failure(
          status::invalid, where + ": missing required link '" + l.name + "' (" + l.workflow + ")");
    }
  }
  row = *t.instance(id);
  json reads;
  const auto snap = snapshot(t, *sc, id, reads);
  engine::step_result r;
  engine::start(m, state, actor_value(k.actor), k.at, r,
                engine::step_options{true, m.reads_links ? &snap : nullptr});
  if (!r.is_taken()) throw request_failure(status::invalid, where + ": " + r.message);
  const lifecycle lc = engine::is_complete(m, state) ? lifecycle::completed : lifecycle::active;
  row.lifecycle = lc;
  store_state(m, state, row);
  journal_row j = next_record(row, record_kind::start, k.actor, k.at);
  j.from_config = "[]";
  j.params = to_text(inputs);
  j.to_config = row.configuration;
  j.changes = to_text(changes_json(m, r.changes));
  j.outcome = record_outcome::taken;
  j.cause = cause;
  json detail{{"source", def->source_name}, {"workflow", m.name},
              {"version", def->version},    {"spawned_by", parent},
              {"trace", trace_json(m, r)},  {"path", path_json(m, r.path)}};
  if (!reads.empty()) detail["links_read"] = reads;
  if (!r.effects.empty()) detail["effects"] = effects_json(m, r.effects);
  j.detail = to_text(detail);
  j.lifecycle = row.lifecycle;
  append(t, row, j);
  for (const auto& [other, params] : notes) append_link_record(t, other, true, params, j.gseq, k);
  spdlog::debug("spawn {} from {} (cause {})", id, parent, cause);
  if (!r.effects.empty()) {
    k.chain.push_back(id + " start");
    apply_effects(t, *sc, id, j.gseq, r.effects, k);
    k.chain.pop_back();
  }
  return id;
}

void engine_runtime::impl::deliver(store_transaction& t, const std::string& parent,
                                   const std::string& target, const engine::effect& e,
                                   std::int64_t cause, cascade& k) {
  const std::string step = target + " " + e.name;
  const std::string what =
      (e.must ? "send! " : "send ") + e.name + " from '" + parent + "' to '" + target + "'";
  if (++k.deliveries > max_deliveries) {
    throw request_failure(status::invalid, what + ": the request made more than " +
                                               std::to_string(max_deliveries) +
                                               " sends and spawns; nothing was written");
  }
  if (std::find(k.chain.begin(), k.chain.end(), step) != k.chain.end()) {
    throw request_failure(status::invalid, "a cycle of sends: " + join_chain(k.chain, step) +
                                               "; nothing was written");
  }
  if (k.chain.size() >= max_depth) {
    throw request_failure(status::invalid, "sends and spawns went deeper than " +
                                               std::to_string(max_depth) + ": " +
                                               join_chain(k.chain, step) + "; nothing was written");
  }
  auto row = t.instance(target);
  if (!row) throw request_failure(status::invalid, what + ": unknown instance");
  const auto tc = load(t, row->definition);
  const engine::machine& m = tc->machine;
  const auto ev = m.match_event(e.name);
  if (!ev) {
    throw request_failure(status::invalid, what + ": " + m.name + " v" +
                                               std::to_string(tc->row.version) + " has no event '" +
                                               e.name + "'");
  }
  engine::event_call call{*ev, {}, k.at, actor_value(k.actor)};
  json params = json::object();
  for (const auto& p : m.event(*ev).params) {
    const auto given = std::find_if(e.args.begin(), e.args.end(),
                                    [&](const auto& a) { return a.first == p.name; });
    const engine::value v = given == e.args.end() ? engine::value::null() : given->second;
    if (auto problem = fit_param(p, v))
      throw request_failure(status::invalid, what + ": " + *problem);
    call.params.push_back(v);
    params[p.name] = value_to_json(v);
  }
  json reads;
  const auto snap = snapshot(t, *tc, target, reads);
  decision d = decide(*tc, *row, call, target, m.reads_links ? &snap : nullptr, &reads);
  journal_row j = next_record(*row, record_kind::event, k.actor, k.at);
  j.event = e.name;
  j.params = to_text(params);
  j.cause = cause;
  d.detail["sent_by"] = parent;
  if (!d.result.is_taken() && e.must) {
    throw request_failure(status::rejected, what + " was refused: " + d.result.message);
  }
  record_decision(m, d, j, *row);
  append(t, *row, j);
  spdlog::debug("{} -> {} (cause {})", what, to_string(j.outcome), cause);
  if (d.result.is_taken() && !d.result.effects.empty()) {
    k.chain.push_back(step);
    apply_effects(t, *tc, target, j.gseq, d.result.effects, k);
    k.chain.pop_back();
  }
}

step_outcome engine_runtime::link(const link_request& req) {
  if (auto problem = bad_text(req.actor, {{req.link, req.other}})) {
    return invalid_input(std::move(*problem));
  }
  step_outcome out;
  try {
    impl_->write([&](store_transaction& t) {
      out = step_outcome{};
      const auto row = impl::find_instance(t, req.id, out);
      if (!row) return;
      const auto c = impl_->load(t, row->definition);
      const auto link = c->machine.find_link(req.link);
      if (!link) {
        std::string message = "workflow " + c->machine.name + " has no link '" + req.link + "'";
        const std::string help = dsl::did_you_mean(req.link, names_of(c->machine.links));
        message += !help.empty() ? "; " + help
                   : c->machine.links.empty()
                       ? std::string(" (it declares none)")
                       : " (links: " + names_list(names_of(c->machine.links)) + ")";
        throw request_failure(status::invalid, message);
      }
      impl::cascade k{req.actor, req.at.value_or(wall_clock_ms()), 0, {}};
      const bool holds = [&] {
        const auto held = impl::linked(t, req.id, req.link);
        return std::find(held.begin(), held.end(), req.other) != held.end();
      }();
      if (!req.unlink && holds) {
        throw request_failure(status::conflict,
                              "'" + req.id + "' already links '" + req.other + "' as " + req.link);
      }
      journal_row own;
      impl_->change_link(t, *c, req.id, *link, req.other, !req.unlink, std::nullopt, k, true, false,
                         nullptr, &own);
      const auto after = t.instance(req.id);
      out.instance = impl_->view(*c, *after);
      out.instance->links = impl::links_of(t, *c, req.id);
      out.record = std::move(own);
    });
  } catch (const request_failure& f) {
    out = step_outcome{};
    out.status = f.outcome();
    out.message = f.what();
  }
  return out;
}

std::optional<trace_graph> engine_runtime::trace(const trace_request& req) {
  std::optional<trace_graph> out;
  impl_->read([&](store_transaction& t) {
    out.reset();
    if (!t.instance(req.id)) return;
    trace_graph g;
    std::set<std::string> seen{req.id};
    std::set<std::tuple<std::string, std::string, std::string>> edges;
    std::deque<std::pair<std::string, std::size_t>> work{{req.id, 0}};
    while (!work.empty()) {
      const auto [id, depth] = work.front();
      work.pop_front();
      const auto row = t.instance(id);
      if (!row) continue;
      const auto c = impl_->load(t, row->definition);
      const instance_view v = impl_->view(*c, *row, false);
      g.nodes.push_back({id, v.workflow, v.stream, v.version, v.state, v.lifecycle, depth});
      if (req.depth && depth >= *req.depth) continue;
      std::vector<link_row> next;
      if (req.direction != trace_direction::up) {
        for (auto& l : t.links_from(id)) next.push_back(std::move(l));
      }
      if (req.direction != trace_direction::down) {
        for (auto& l : t.links_to(id)) next.push_back(std::move(l));
      }
      for (const link_row& l : next) {
        const std::string& other = l.source == id ? l.target : l.source;
        if (edges.emplace(l.source, l.name, l.target).second) {
          g.edges.push_back({l.source, l.name, l.target});
        }
        if (seen.count(other) > 0) continue;
        if (seen.size() >= req.max_nodes) {
          g.cut = true;
          continue;
        }
        seen.insert(other);
        work.emplace_back(other, depth + 1);
      }
    }
    // Only edges between the nodes shown (every instance queued is shown).
    g.edges.erase(std::remove_if(g.edges.begin(), g.edges.end(),
                                 [&](const trace_edge& e) {
                                   return seen.count(e.from) == 0 || seen.count(e.to) == 0;
                                 }),
                  g.edges.end());
    out = std::move(g);
  });
  return out;
}

}  // namespace vflow::runtime
