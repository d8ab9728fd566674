// The four-eyes policy of the shipped change.flow in json-rules-engine 7 — deny `approve` when
// the approving user or the actor is the requester — asked alternately by the requester (denied)
// and by someone else (allowed), as vflow's `policy_decision` benchmark asks it. Prints
// nanoseconds per decision. Usage: node rules.mjs [decisions]
import { Engine } from 'json-rules-engine';

const engine = new Engine([], { allowUndefinedFacts: true });
engine.addRule({
  conditions: {
    any: [
      { fact: 'user', operator: 'equal', value: { fact: 'requester' } },
      { fact: 'actor', operator: 'equal', value: { fact: 'requester' } },
    ],
  },
  event: { type: 'deny', params: { policy: 'four_eyes' } },
});
const own = { user: 'alice', actor: 'alice', requester: 'alice' };
const other = { user: 'bob', actor: 'bob', requester: 'alice' };

const decisions = Number(process.argv[2] ?? 100000);
let denied = 0;
const ask = async (n) => {
  for (let i = 0; i < n / 2; ++i) {
    denied += (await engine.run(own)).events.length;
    denied += (await engine.run(other)).events.length;
  }
};
await ask(10000);  // warm up the JIT
denied = 0;
const start = process.hrtime.bigint();
await ask(decisions);
const ns = Number(process.hrtime.bigint() - start) / decisions;
if (denied !== decisions / 2) throw new Error('the answers are not one yes and one no');
console.log(ns.toFixed(1));
