// The runtime: requests in, one store transaction each, outcomes out. Instance data is a typed
// vector inside; JSON only at the store boundary.
#include "runtime/runtime.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <tuple>

#include "runtime/runtime_impl.hpp"

namespace vflow::runtime {

std::string_view to_string(status s) {
  switch (s) {
    case status::ok: return "ok";
    case status::rejected: return "rejected";
    case status::not_found: return "not_found";
    case status::conflict: return "conflict";
    case status::invalid: return "invalid";
  }
  return "?";
}

std::int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

engine_runtime::engine_runtime(std::unique_ptr<store> s) : impl_(std::make_unique<impl>()) {
  impl_->db = std::move(s);
}
engine_runtime::~engine_runtime() = default;
engine_runtime::engine_runtime(engine_runtime&&) noexcept = default;

engine_runtime engine_runtime::open(const std::string& path, const sqlite_options& options) {
  engine_runtime rt(
      is_postgres_url(path)
          ? open_postgres_store(path, {options.create, options.read_only, options.busy_timeout_ms})
          : open_sqlite_store(path, options));
  spdlog::debug("opened {} ({})", path, rt.backend());
  return rt;
}

std::string engine_runtime::backend() const { return impl_->db->backend(); }

deploy_outcome engine_runtime::deploy(const std::vector<source_file>& files) {
  deploy_outcome out;
  struct candidate {
    std::string source_name, source, name, stream, hash, imports;
  };
  std::vector<candidate> candidates;
  std::map<std::string, std::string> defined_in;
  std::vector<dsl::flow_source> sources;
  for (const source_file& f : files) {
    if (!engine::is_utf8(f.name)) {
      out.diagnostics.push_back({"F0001",
                                 dsl::severity::error,
                                 engine::escape_for_terminal(f.name),
                                 {},
                                 "the file name is not valid UTF-8; rename the file",
                                 {}});
      continue;
    }
    sources.push_back({f.name, f.text, f.context});
  }
  // The files are compiled together: a workflow may link to one in another file of the deploy,
  // or to one deployed before (its current version).
  const auto deployed = [&](const std::string& name) -> std::optional<dsl::workflow_signature> {
    std::optional<dsl::workflow_signature> s;
    impl_->read([&](store_transaction& t) {
      s.reset();
      if (const auto d = t.current_definition(name)) {
        s = dsl::signature_of(impl_->load(t, d->hash)->machine);
      }
    });
    return s;
  };
  auto results = dsl::compile_set(sources, deployed);
  for (std::size_t n = 0; n < sources.size(); ++n) {
    const dsl::flow_source& f = sources[n];
    auto& r = results[n];
    if (f.context) {  // an imported file: only its parse errors matter here
      out.diagnostics.insert(out.diagnostics.end(), r.diagnostics.begin(), r.diagnostics.end());
      continue;
    }
    out.diagnostics.insert(out.diagnostics.end(), r.diagnostics.begin(), r.diagnostics.end());
    if (!r.ok()) continue;
    for (std::size_t i = 0; i < r.ast->workflows.size(); ++i) {
      const auto& w = r.ast->workflows[i];
      if (const auto [it, fresh] = defined_in.emplace(w.name, f.name); !fresh) {
        out.diagnostics.push_back({"F0101", dsl::severity::error, f.name, w.name_span,
                                   "duplicate workflow '" + w.name + "'",
                                   "it is also defined in " + it->second});
        continue;
      }
      // What the file names of other files' workflows: kept with each of its workflows, to
      // compile the stored file the same way later.
      const auto& imports = r.imports;
      // The hash is of the canonical text, so comments and layout do not make a new version;
      // the file itself is stored, so explanations point at the lines its author wrote.
      candidates.push_back({std::string(f.name), std::string(f.text), w.name,
                            r.ast->stream.value_or(""), canonical_hash(*r.ast, w.name),
                            signatures_json(imports).dump()});
    }
  }
  if (!out.ok()) return out;
  const std::int64_t now = wall_clock_ms();
  impl_->write([&](store_transaction& t) {
    out.workflows.clear();
    for (const candidate& c : candidates) {
      deployed_workflow d{c.source_name, c.name, 0, c.hash, false, false};
      if (const auto existing = t.definition(c.hash)) {
        d.version = existing->version;
        // An older source deployed again is what new instances should run: make it current.
        const auto current = t.current_definition(c.name);
        d.made_current = !current || current->hash != c.hash;
      } else {
        const auto latest = t.latest_definition(c.name);
        d.version = latest ? latest->version + 1 : 1;
        d.created = true;
        d.made_current = true;
        definition_row row{c.hash,   c.name,        d.version, c.stream,
                           c.source, c.source_name, now,       c.imports};
        row.seal = definition_seal(row);
        t.insert_definition(row);
      }
      if (d.made_current) t.set_current(c.name, c.hash, now);
      out.workflows.push_back(std::move(d));
    }
  });
  for (const auto& d : out.workflows) {
    spdlog::debug("deploy {} v{} {} ({})", d.name, d.version, d.hash.substr(0, 12),
                  d.created        ? "new"
                  : d.made_current ? "current again"
                                   : "unchanged");
  }
  return out;
}

void engine_runtime::set_secret_key(std::string key) { impl_->key.emplace(std::move(key)); }

step_outcome engine_runtime::start(const start_request& req) {
  if (auto problem = bad_id("instance id", req.id)) return invalid_input(std::move(*problem));
  if (auto problem = bad_text(req.actor, req.fields)) return invalid_input(std::move(*problem));
  step_outcome out;
  const std::int64_t at = req.at.value_or(wall_clock_ms());
  const auto work = [&](store_transaction& t) {
    out = step_outcome{};
    const auto def = req.version ? t.definition_version(req.workflow, *req.version)
                                 : t.current_definition(req.workflow);
    if (!def) {
      out.status = status::not_found;
      const auto current = req.version ? t.current_definition(req.workflow) : std::nullopt;
      out.message =
          current ? "workflow " + req.workflow + " has no version " + std::to_string(*req.version) +
                        " (the current one is v" + std::to_string(current->version) + ")"
                  : "unknown workflow '" + req.workflow + "' (deploy it first: vflow deploy FILE)";
      return;
    }
    const auto c = impl_->load(t, def->hash);
    const engine::machine& m = c->machine;
    const std::string id = req.id.value_or(generate_id(req.workflow));
    if (t.instance(id)) {
      out.status = status::conflict;
      out.message = "instance '" + id + "' already exists";
      return;
    }
    std::vector<engine::value> data = engine::initial_data(m);
    std::vector<bool> given(m.fields.size(), false);
    std::vector<std::vector<std::string>> links(m.links.size());
    json inputs = json::object();
    const auto refuse = [&](std::string message) {
      out.status = status::invalid;
      out.message = std::move(message);
    };
    for (const auto& [name, text] : req.fields) {
      if (const auto link = m.find_link(name)) {  // service=AS-7, incidents=INC-1,INC-2
        std::size_t from = 0;
        do {
          const std::size_t comma = text.find(',', from);
          const std::string other =
              text.substr(from, comma == std::string::npos ? std::string::npos : comma - from);
          from = comma == std::string::npos ? text.size() + 1 : comma + 1;
          if (other.empty()) continue;
          if (auto bad = impl_->bad_ref(t, m.links[*link].workflow, other, "link '" + name + "'")) {
            return refuse(*bad);
          }
          if (std::find(links[*link].begin(), links[*link].end(), other) == links[*link].end())
            links[*link].push_back(other);
        } while (from <= text.size());
        continue;
      }
      const auto f = m.find_field(name);
      if (!f) {
        std::vector<std::string_view> names = names_of(m.fields);
        for (const auto& l : m.links) names.emplace_back(l.name);
        const std::string help = dsl::did_you_mean(name, names);
        return refuse("unknown field '" + name + "' of workflow " + m.name +
                      (help.empty() ? " (fields: " + names_list(names) + ")" : "; " + help));
      }
      if (given[engine::index(*f)]) return refuse("field '" + name + "' is given twice");
      const auto& fd = m.field(*f);
      std::string problem;
      const auto v = impl_->input_value(fd.declared, text, "field '" + name + "'", problem);
      if (!v) return refuse(problem);
      if (!fd.ref.empty() && !v->is_null()) {
        if (auto bad =
                impl_->bad_ref(t, fd.ref, std::string(v->as_string()), "field '" + name + "'"))
          return refuse(*bad);
      }
      data[engine::index(*f)] = *v;
      given[engine::index(*f)] = true;
      inputs[name] = value_to_json(*v);
    }
    for (std::size_t i = 0; i < m.fields.size(); ++i) {
      if (m.fields[i].required && !given[i]) {
        return refuse("missing required field '" + m.fields[i].name + "' (" +
                      engine::to_string(m.fields[i].declared) + ")");
      }
    }
    for (std::size_t l = 0; l < m.links.size(); ++l) {
      const engine::link_def& ld = m.links[l];
      if (ld.cardinality == engine::cardinality::one && links[l].empty()) {
        return refuse("missing required link '" + ld.name + "' (" + ld.workflow + "): give it as " +
                      ld.name + "=ID");
      }
      if (ld.cardinality != engine::cardinality::many && links[l].size() > 1) {
        return refuse("link '" + ld.name + "' holds at most one instance, but " +
                      std::to_string(links[l].size()) + " are given");
      }
      if (!links[l].empty()) inputs[ld.name] = links[l];
    }
    engine::instance_state state = engine::initial_state(m, data);
    instance_row row = impl::new_row(id, def->hash, m, state, at);
    t.insert_instance(row);
    // Linked before it starts, so its first guards and rules see the links; the others' records
    // of the links follow the start record, which causes them.
    impl::cascade k{req.actor, at, 0, {id + " start"}};
    std::vector<std::pair<std::string, json>> notes;
    for (std::size_t l = 0; l < m.links.size(); ++l) {
      for (const auto& other : links[l]) {
        impl_->change_link(t, *c, id, static_cast<std::uint32_t>(l), other, true, std::nullopt, k,
                           false, false, &notes);
      }
    }
    json reads;
    const auto snap = impl_->snapshot(t, *c, id, reads);
    engine::step_result r;
    engine::start(m, state, actor_value(req.actor), at, r,
                  engine::step_options{true, m.reads_links ? &snap : nullptr});
    if (!r.is_taken()) {  // a rule cycle or failure on start: nothing is created
      throw request_failure(status::rejected, r.message);
    }
    const lifecycle lc = engine::is_complete(m, state) ? lifecycle::completed : lifecycle::active;
    store_state(m, state, row);
    json changes = json::array();
    for (std::size_t i = 0; i < state.data.size(); ++i) {
      changes.push_back(
          {{"field", m.fields[i].name}, {"before", nullptr}, {"after", shown_json(state.data[i])}});
    }
    journal_row j = impl::next_record(row, record_kind::start, req.actor, at);
    j.params = to_text(inputs);  // the fields given: replaying start from them reproduces the rules
    j.from_config = "[]";
    j.to_config = row.configuration;
    j.changes = to_text(changes);
    j.outcome = record_outcome::taken;
    json detail{{"source", def->source_name},
                {"workflow", m.name},
                {"version", def->version},
                {"trace", trace_json(m, r)},
                {"path", path_json(m, r.path)}};
    if (!reads.empty()) detail["links_read"] = reads;
    if (!r.effects.empty()) detail["effects"] = effects_json(m, r.effects);
    j.detail = to_text(detail);
    j.lifecycle = lc;
    impl::append(t, row, j);
    for (const auto& [other, params] : notes)
      impl_->append_link_record(t, other, true, params, j.gseq, k);
    if (!r.effects.empty()) impl_->apply_effects(t, *c, id, j.gseq, r.effects, k);
    const auto now_row = t.instance(id);
    out.instance = impl_->view(*c, *now_row);
    if (!m.links.empty()) out.instance->links = impl::links_of(t, *c, id);
    out.record = std::move(j);
  };
  try {
    impl_->write(work);
  } catch (const request_failure& f) {
    out = step_outcome{};
    out.status = f.outcome();
    out.message = f.what();
  }
  impl_->redact(out);
  return out;
}

// One event on its instance inside transaction `t` (fire, and each event of a batch).
void engine_runtime::impl::fire_in(store_transaction& t, const fire_request& req,
                                   std::int64_t clock, step_outcome& out) {
  out = step_outcome{};
  // The instance and an earlier delivery of this event id, read together (one round trip).
  auto [row, first] = t.instance_and_delivery(req.id, req.dry_run ? std::nullopt : req.event_id);
  if (!row) {
    out.status = status::not_found;
    out.message = "unknown instance '" + req.id + "'";
    return;
  }
  const auto c = load(t, row->definition);
  const engine::machine& m = c->machine;
  // Without --at, the wall clock, but never before the instance's last record: concurrent
  // writers read the clock before they take the write lock.
  const std::int64_t at = req.at ? clock : std::max(clock, row->updated_at);
  json params = json::object();
  const auto made = make_call(m, req.event, req.params, at, req.actor, params, out);
  if (!made) return;
  const engine::event_call& call = *made;
  if (auto foreign = foreign_secrets(*c, *row); foreign && has_secret(call)) {
    out.status = status::invalid;
    out.message = std::move(*foreign);
    return;
  }
  if (first) {  // delivered before: its outcome, once
    if (first->event != req.event || json::parse(first->params) != params) {
      out.status = status::conflict;
      out.message = "event id '" + *req.event_id + "' was already used for event '" +
                    first->event.value_or("?") + "' with other parameters (journal seq " +
                    std::to_string(first->seq) + ")";
      return;
    }
    out.duplicate = true;
    out.status = first->outcome == record_outcome::taken ? status::ok : status::rejected;
    out.message = first->reason.value_or("");
    out.instance = view(*c, *row);
    out.record = std::move(first);
    return;
  }
  // The instance as the caller saw it at `expect_seq`: only gate answers may have come since
  // (a CI job polling a gate must not make this update fail).
  if (req.expect_seq &&
      (*req.expect_seq > row->seq ||
       (*req.expect_seq < row->seq && t.changed_after(req.id, *req.expect_seq)))) {
    out.status = status::conflict;
    out.message = *req.expect_seq > row->seq
                      ? "instance '" + req.id + "' is at seq " + std::to_string(row->seq) +
                            ", not the expected " + std::to_string(*req.expect_seq)
                      : "instance '" + req.id + "' changed after the expected seq " +
                            std::to_string(*req.expect_seq) + " (it is at seq " +
                            std::to_string(row->seq) + ")";
    return;
  }
  if (auto bad = bad_refs(t, m, call)) {
    out.status = status::invalid;
    out.message = std::move(*bad);
    return;
  }
  // Events are applied in time order: one dated before the instance's last record would be
  // decided against a state it never saw.
  if (at < row->updated_at && !m.accepts_late_events) {
    out.status = status::invalid;
    out.message = "the event's time " + engine::format_time(at) +
                  " is before the last record of '" + req.id + "' (" +
                  engine::format_time(row->updated_at) +
                  "): events are applied in time order (a workflow may 'accept late events')";
    return;
  }
  // A timer due by the event's time fires first, as a tick at that time would have fired it:
  // an overdue SLA is journaled as breached, never lost for want of a tick.
  if (req.dry_run) {
    row = with_due_timers(t, *c, *row, at);
  } else if (row->next_due && *row->next_due <= at && row->lifecycle == lifecycle::active) {
    out.timers = fire_due(t, req.id, at);
    row = t.instance(req.id);
  }
  json reads;
  const auto snap = snapshot(t, *c, req.id, reads);
  impl::decision d =
      decide(*c, *row, call, req.id, m.reads_links ? &snap : nullptr, &reads, req.dry_run);
  out.blockers = d.result.blockers;
  journal_row j = impl::next_record(*row, record_kind::event, req.actor, at);
  j.event = req.event;
  j.params = to_text(params);
  j.event_id = req.event_id;
  impl::record_decision(m, d, j, *row);
  if (req.dry_run) {  // the same decision, nothing written
    out.status = j.outcome == record_outcome::taken ? status::ok : status::rejected;
    out.message = j.reason.value_or("");
    out.instance = view(*c, *row);
    out.record = std::move(j);
    return;
  }
  commit(t, *c, *row, std::move(j), out, &d.after);
  remember_state(*row, d.after);  // the row's columns were just written from it
  if (d.result.is_taken() && !d.result.effects.empty()) {
    impl::cascade k{req.actor, at, 0, {req.id + " " + req.event}};
    apply_effects(t, *c, req.id, out.record->gseq, d.result.effects, k);
    out.instance = view(*c, *t.instance(req.id));
  }
  // One more query per event only for workflows that have links.
  if (!m.links.empty()) out.instance->links = impl::links_of(t, *c, req.id);
}

step_outcome engine_runtime::fire(const fire_request& req) {
  if (auto problem = bad_id("event id", req.event_id)) return invalid_input(std::move(*problem));
  if (auto problem = bad_text(req.actor, req.params)) return invalid_input(std::move(*problem));
  step_outcome out;
  const std::int64_t clock = req.at.value_or(wall_clock_ms());
  const auto work = [&](store_transaction& t) { impl_->fire_in(t, req, clock, out); };
  try {
    if (req.dry_run) {
      impl_->read(work);
    } else {
      impl_->write(work);
    }
  } catch (const request_failure& f) {
    out = step_outcome{};
    out.status = f.outcome();
    out.message = f.what();
  }
  if (out.record && !out.duplicate) {
    spdlog::debug("fire {} {} -> {} (seq {}){}{}", req.id, req.event,
                  to_string(out.record->outcome), out.record->seq,
                  out.message.empty() ? "" : ": " + out.message, req.dry_run ? " [dry run]" : "");
  }
  impl_->redact(out);
  return out;
}

batch_outcome engine_runtime::fire_batch(const std::vector<fire_request>& requests,
                                         bool all_or_nothing) {
  batch_outcome out;
  const std::int64_t now = wall_clock_ms();
  struct abandon {};  // all or nothing, and one was not taken: roll the batch back
  try {
    impl_->write([&](store_transaction& t) {
      out = batch_outcome{};
      for (const fire_request& req : requests) {
        step_outcome one;
        if (auto problem = bad_id("event id", req.event_id)) {
          one = invalid_input(std::move(*problem));
        } else if (auto bad = bad_text(req.actor, req.params)) {
          one = invalid_input(std::move(*bad));
        } else if (req.dry_run) {
          one = invalid_input("a batch applies events: it takes no dry run");
        } else {
          t.mark();  // what this event writes can be undone alone
          try {
            impl_->fire_in(t, req, req.at.value_or(now), one);
            t.release_mark();
          } catch (const request_failure& f) {
            t.rollback_to_mark();
            one = step_outcome{};
            one.status = f.outcome();
            one.message = f.what();
          }
        }
        impl_->redact(one);
        const bool taken = one.status == status::ok;
        out.events.push_back(std::move(one));
        if (all_or_nothing && !taken) throw abandon{};
      }
      out.committed = true;
    });
  } catch (const abandon&) {
    out.committed = false;
  }
  spdlog::debug("batch of {} events {}", requests.size(),
                out.committed ? "committed" : "rolled back");
  return out;
}

step_outcome engine_runtime::gate(const gate_request& req) {
  if (auto problem = bad_text(req.actor, req.params)) return invalid_input(std::move(*problem));
  const std::int64_t at = req.at.value_or(wall_clock_ms());
  auto answer =
      impl_->on_instance(req.id, [&](store_transaction& t, std::optional<instance_row>& row,
                                     const std::shared_ptr<const compiled>& c, step_outcome& out) {
        const engine::machine& m = c->machine;
        journal_row j = impl::next_record(*row, record_kind::gate, req.actor, at);
        json detail;
        bool yes = false;
        // Answered for the instance as it will be when the event comes: timers due by then fired.
        const instance_row asked = impl_->with_due_timers(t, *c, *row, at);
        if (req.can) {
          json params = json::object();
          const auto made = impl_->make_call(m, *req.can, req.params, at, req.actor, params, out);
          if (!made) return;
          const engine::event_call& call = *made;
          if (auto bad = impl_->bad_refs(t, m, call)) {
            out.status = status::invalid;
            out.message = std::move(*bad);
            return;
          }
          if (auto foreign = impl_->foreign_secrets(*c, *row); foreign && has_secret(call)) {
            out.status = status::invalid;
            out.message = std::move(*foreign);
            return;
          }
          json reads;
          const auto snap = impl_->snapshot(t, *c, req.id, reads);
          impl::decision d =
              impl_->decide(*c, asked, call, req.id, m.reads_links ? &snap : nullptr, &reads, true);
          yes = d.result.is_taken();
          out.blockers = d.result.blockers;
          j.event = *req.can;
          j.params = to_text(params);
          detail = std::move(d.detail);
          detail["question"] = "can " + *req.can;
          if (!yes) j.reason = d.result.message;
        } else {
          std::string wanted;
          for (const auto& s : req.in) {
            if (!m.find_state(s)) {
              out.status = status::invalid;
              out.message = "unknown state '" + s + "' of workflow " + m.name;
              const std::string help = dsl::did_you_mean(s, names_of(m.states));
              if (!help.empty()) out.message += "; " + help;
              return;
            }
            wanted += (wanted.empty() ? "" : ",") + s;
          }
          const json active = json::parse(asked.configuration);
          for (const auto& s : req.in) {
            for (const auto& a : active) yes = yes || a.get<std::string>() == s;
          }
          detail = json{
              {"source", c->row.source_name}, {"question", "in " + wanted}, {"active", active}};
        }
        if (!yes && !req.can) {
          std::string states;
          for (const auto& a : json::parse(asked.configuration))
            states += (states.empty() ? "" : ", ") + a.get<std::string>();
          std::string wanted;
          for (const auto& s : req.in) wanted += (wanted.empty() ? "" : ", ") + s;
          j.reason = "instance '" + req.id + "' is in " + states + ", not in " + wanted;
        }
        j.outcome = yes ? record_outcome::taken : record_outcome::rejected;
        j.detail = to_text(detail);
        impl_->commit(t, *c, *row, std::move(j), out);
      });
  impl_->redact(answer);
  return answer;
}

instance_row engine_runtime::impl::with_due_timers(store_transaction& t, const compiled& c,
                                                   instance_row row, std::int64_t now) {
  if (!row.next_due || *row.next_due > now || row.lifecycle != lifecycle::active) return row;
  const engine::machine& m = c.machine;
  engine::instance_state state = state_of(m, row);
  json reads;
  const auto snap = snapshot(t, c, row.id, reads);
  for (;;) {
    engine::step_result r;
    const engine::step_options options{false, m.reads_links ? &snap : nullptr};
    if (!fire_earliest_due(m, state, now, r, options)) break;
    if (r.is_taken() && engine::is_complete(m, state)) {
      row.lifecycle = lifecycle::completed;
      break;
    }
  }
  store_state(m, state, row);
  return row;
}

std::vector<journal_row> engine_runtime::impl::fire_due(store_transaction& t, const std::string& id,
                                                        std::int64_t now) {
  std::vector<journal_row> fired;
  auto row = t.instance(id);
  if (!row || row->lifecycle != lifecycle::active) return fired;
  const auto c = load(t, row->definition);
  const engine::machine& m = c->machine;
  engine::instance_state state = state_of(m, *row);
  for (;;) {
    const auto due = engine::next_due(state);
    if (!due || *due > now || row->lifecycle != lifecycle::active) break;
    json reads;
    const auto snap = snapshot(t, *c, id, reads);
    engine::step_result r;
    const fired_due due_item =
        *fire_earliest_due(m, state, now, r, {true, m.reads_links ? &snap : nullptr});
    journal_row j = next_record(*row, record_kind::timer, std::nullopt, now);
    json detail{{"source", c->row.source_name},
                {"reason_code", std::string(engine::to_string(r.reason))},
                {"trace", trace_json(m, r)}};
    if (due_item.timer) {
      const engine::timer_def& def = m.timers[due_item.timer->timer];
      j.event = "after " + def.delay_text;
      detail["timer"] = {{"index", due_item.timer->timer},
                         {"state", m.state(def.source).name},
                         {"line", def.pos.line},
                         {"after", def.delay_text},
                         {"due", engine::format_time(due_item.timer->due)}};
    } else {  // a delayed send the instance made itself
      const engine::event_def& ev = m.event(due_item.send.event);
      j.event = ev.name;
      j.params = to_text(params_json(ev, due_item.send.params));
      detail["send"] = {{"index", due_item.send_index},
                        {"event", ev.name},
                        {"due", engine::format_time(due_item.send.due)}};
      if (!due_item.send.name.empty()) detail["send"]["name"] = due_item.send.name;
    }
    if (r.is_taken()) detail["path"] = path_json(m, r.path);
    if (!reads.empty()) detail["links_read"] = reads;
    if (r.is_taken() && !r.effects.empty()) detail["effects"] = effects_json(m, r.effects);
    j.detail = to_text(detail);
    if (r.is_taken()) {
      j.outcome = record_outcome::taken;
      j.to_config = to_text(config_json(m, state.configuration));
      j.changes = to_text(changes_json(m, r.changes));
      if (engine::is_complete(m, state)) {
        row->lifecycle = next_lifecycle(lifecycle::active, lifecycle_event::complete)
                             .value_or(lifecycle::active);
      }
    } else {
      j.outcome = record_outcome::rejected;
      j.reason = r.message;
    }
    j.lifecycle = row->lifecycle;
    store_state(m, state, *row);
    append(t, *row, j);
    if (r.is_taken() && !r.effects.empty()) {
      // The effects may come back to this instance: read it again afterwards.
      cascade k{std::nullopt, now, 0, {id + " " + j.event.value_or("timer")}};
      apply_effects(t, *c, id, j.gseq, r.effects, k);
      row = t.instance(id);
      state = state_of(m, *row);
    }
    fired.push_back(std::move(j));
  }

  return fired;
}

tick_outcome engine_runtime::tick(std::optional<std::int64_t> now_opt) {
  tick_outcome out;
  out.now = now_opt.value_or(wall_clock_ms());
  const std::int64_t now = out.now;
  std::vector<std::string> ids;
  impl_->read([&](store_transaction& t) { ids = t.due_instances(now, 100000); });
  for (const std::string& id : ids) {
    std::vector<journal_row> fired;
    // One transaction per instance: the due timers are read again under the write lock, so two
    // ticks running at once never fire a timer twice. A timer whose sends or spawns fail is left
    // due, with nothing written, and reported: the next tick tries it again.
    try {
      impl_->write([&](store_transaction& t) { fired = impl_->fire_due(t, id, now); });
    } catch (const request_failure& f) {
      spdlog::warn("tick {}: a timer's effects failed, nothing written: {}", id, f.what());
      out.failed.emplace_back(id, f.what());
      continue;
    }
    for (auto& j : fired) {
      spdlog::debug("tick {} {} -> {}", j.instance, j.event.value_or(""), to_string(j.outcome));
      out.fired.push_back(std::move(j));
    }
  }
  return out;
}

step_outcome engine_runtime::change_lifecycle(const lifecycle_request& req) {
  if (auto problem = bad_text(req.actor, {}, req.reason)) return invalid_input(std::move(*problem));
  const std::int64_t at = req.at.value_or(wall_clock_ms());
  return impl_->on_instance(req.id, [&](store_transaction& t, std::optional<instance_row>& row,
                                        const std::shared_ptr<const compiled>& c,
                                        step_outcome& out) {
    if (req.at && *req.at < row->updated_at) {  // in time order, like events
      out.status = status::invalid;
      out.message = "the time " + engine::format_time(*req.at) + " is before the last record of '" +
                    req.id + "' (" + engine::format_time(row->updated_at) + ")";
      return;
    }
    const lifecycle from = row->lifecycle;
    const auto to = next_lifecycle(from, req.action);
    journal_row j = impl::next_record(*row, record_kind::lifecycle, req.actor, at);
    j.event = std::string(to_string(req.action));
    json detail{{"from", to_string(from)}};
    if (req.reason) detail["reason"] = *req.reason;
    if (to) {
      j.outcome = record_outcome::taken;
      detail["to"] = to_string(*to);
      row->lifecycle = *to;
    } else {
      j.outcome = record_outcome::rejected;
      j.reason = "cannot " + std::string(to_string(req.action)) + " instance '" + req.id +
                 "': it is " + std::string(to_string(from));
    }
    j.detail = to_text(detail);
    j.lifecycle = row->lifecycle;
    impl_->commit(t, *c, *row, std::move(j), out);
  });
}

std::optional<instance_view> engine_runtime::status(const std::string& id) {
  std::optional<instance_view> out;
  impl_->read([&](store_transaction& t) {
    out.reset();
    if (const auto row = t.instance(id)) {
      const auto c = impl_->load(t, row->definition);
      out = impl_->view(*c, *row);
      out->links = impl::links_of(t, *c, id);
    }
  });
  return out;
}

std::vector<workflow_version> engine_runtime::versions(const std::string& name) {
  std::vector<workflow_version> out;
  impl_->read([&](store_transaction& t) {
    out.clear();
    std::map<std::string, std::string> current;  // workflow -> hash
    for (const definition_row& d : t.definitions()) {
      if (!name.empty() && d.name != name) continue;
      if (!current.count(d.name)) current[d.name] = t.current_definition(d.name)->hash;
      out.push_back({d.name, d.version, d.hash, d.stream, d.source_name, d.deployed_at,
                     current[d.name] == d.hash});
    }
  });
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.workflow, a.version) < std::tie(b.workflow, b.version);
  });
  return out;
}

std::optional<definition_row> engine_runtime::definition_of(const std::string& id) {
  std::optional<definition_row> out;
  impl_->read([&](store_transaction& t) {
    out.reset();
    if (const auto row = t.instance(id)) out = t.definition(row->definition);
  });
  return out;
}

std::optional<engine::machine> engine_runtime::machine_of(const std::string& id) {
  std::optional<engine::machine> out;
  impl_->read([&](store_transaction& t) {
    out.reset();
    if (const auto row = t.instance(id)) out = impl_->load(t, row->definition)->machine;
  });
  return out;
}

std::optional<std::vector<journal_row>> engine_runtime::history(const std::string& id) {
  std::optional<std::vector<journal_row>> out;
  impl_->read([&](store_transaction& t) {
    out.reset();
    if (const auto row = t.instance(id)) {
      impl_->load(t, row->definition);  // for redact
      out = t.history(id);
    }
  });
  if (out) {
    for (auto& r : *out) impl_->redact(r);
  }
  return out;
}

void engine_runtime::impl::redact(journal_row& r) {
  if (r.params == "{}") return;
  std::shared_ptr<const compiled> c;
  {
    std::lock_guard lock(cache_mutex);
    if (const auto it = cache.find(r.definition); it != cache.end()) c = it->second;
  }
  if (c && !c->secrets) return;
  json params = json::parse(r.params);
  const auto secret = [&](const std::string& name) {
    if (!c) return true;  // not loaded: nothing is shown rather than a secret
    const engine::machine& m = c->machine;
    const auto is_secret = [](const engine::type& t) {
      return t.base == engine::base_type::secret_type;
    };
    if (r.kind == record_kind::start) {
      const auto f = m.find_field(name);
      return f && is_secret(m.field(*f).declared);
    }
    const auto ev = r.event ? m.match_event(*r.event) : std::nullopt;
    if (!ev || (r.kind != record_kind::event && r.kind != record_kind::gate)) return false;
    for (const auto& p : m.event(*ev).params) {
      if (p.name == name) return is_secret(p.declared);
    }
    return false;
  };
  for (auto& [name, value] : params.items()) {
    if (value.is_string() && secret(name)) value = "***";
  }
  r.params = to_text(params);
}

std::vector<instance_view> engine_runtime::list(const instance_filter& f) {
  std::vector<instance_view> out;
  impl_->read([&](store_transaction& t) {
    out.clear();
    for (const auto& row : t.list(f))
      out.push_back(impl_->view(*impl_->load(t, row.definition), row, false));
  });
  return out;
}

}  // namespace vflow::runtime
