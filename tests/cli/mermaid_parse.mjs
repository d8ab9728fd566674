// Reads Mermaid files with Mermaid's own parser (mermaid + jsdom from npm; scripts/test.sh
// installs them into BUILD/npm) and prints one JSON line per file: whether it parsed, the error
// if not, and each state's classes and descriptions as Mermaid understood them.
import { JSDOM } from 'jsdom';
import { readFileSync } from 'node:fs';

const dom = new JSDOM('<!DOCTYPE html><body></body>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });

for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, 'utf8');
  const result = { file, ok: true, error: null, states: {} };
  try {
    await mermaid.parse(text);
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
    const db = diagram.db;
    if (typeof db.getRootDocV2 !== 'function') {  // not a state diagram (a trace's flowchart)
      console.log(JSON.stringify(result));
      continue;
    }
    const root = db.getRootDocV2();
    // Descriptions live in the document tree (nested states' too); classes in the state table.
    const descriptions = {};
    const walk = (doc) => {
      for (const node of doc ?? []) {
        if (node.stmt !== 'state') continue;
        const d = node.description;
        if (d) (descriptions[node.id] ??= []).push(...(Array.isArray(d) ? d : [d]));
        walk(node.doc);
      }
    };
    walk(root.doc);
    db.extract(root);
    const states = db.getStates();
    for (const [id, s] of states instanceof Map ? states : Object.entries(states)) {
      result.states[id] = { classes: s.classes ?? [], descriptions: descriptions[id] ?? [] };
    }
  } catch (e) {
    result.ok = false;
    result.error = String(e.message ?? e).split('\n').slice(0, 3).join(' ');
  }
  console.log(JSON.stringify(result));
}
