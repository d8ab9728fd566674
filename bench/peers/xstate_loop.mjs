// The incident's hold/resume loop in XState 5 (a guard on the event's reason and an assignment of
// it; an assignment back to null), the same events as vflow's `engine_step` and the Boost.MSM
// loop. Prints nanoseconds per step. Usage: node xstate_loop.mjs [steps]
import { assign, createActor, createMachine } from 'xstate';

const machine = createMachine({
  id: 'incident',
  initial: 'InProgress',
  context: { hold_reason: null },
  states: {
    InProgress: {
      on: {
        hold: {
          target: 'OnHold',
          guard: ({ event }) => event.reason.length > 0,
          actions: assign({ hold_reason: ({ event }) => event.reason }),
        },
      },
    },
    OnHold: {
      on: { resume: { target: 'InProgress', actions: assign({ hold_reason: null }) } },
    },
  },
});

const steps = Number(process.argv[2] ?? 400000);
const actor = createActor(machine).start();
const hold = { type: 'hold', reason: 'vendor' };
const resume = { type: 'resume' };
for (let i = 0; i < 20000; ++i) { actor.send(hold); actor.send(resume); }  // warm up the JIT
const start = process.hrtime.bigint();
for (let i = 0; i < steps / 2; ++i) { actor.send(hold); actor.send(resume); }
const ns = Number(process.hrtime.bigint() - start) / steps;
if (actor.getSnapshot().value !== 'InProgress') throw new Error('the loop went astray');
console.log(ns.toFixed(1));
