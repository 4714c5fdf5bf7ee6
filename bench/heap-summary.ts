import { readFileSync } from 'node:fs';

/**
 * `node dist/bench/heap-summary.js FILE.heapsnapshot [rows]`: what holds the heap in a V8 snapshot (such as those
 * `npm run bench:memory -- --heap-snapshots DIR` writes). Prints the live heap, the constructors by retained size,
 * and the dominator tree's largest branches: the chain of properties from the roots to each large retainer.
 * Large snapshots need a large heap: run it with `node --max-old-space-size=8000`.
 */
interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

const file = process.argv[2];
if (!file) throw new Error('usage: node dist/bench/heap-summary.js FILE.heapsnapshot [rows]');
const rows = Number(process.argv[3] ?? 25);
const { snapshot, nodes, edges, strings } = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
const meta = snapshot.meta;
const NODE = meta.node_fields.length;
const EDGE = meta.edge_fields.length;
const [TYPE, NAME, SELF, EDGES, ID] = ['type', 'name', 'self_size', 'edge_count', 'id'].map((field) => meta.node_fields.indexOf(field));
const [EDGE_TYPE, EDGE_NAME, TO] = ['type', 'name_or_index', 'to_node'].map((field) => meta.edge_fields.indexOf(field));
// Weak references and shortcuts do not keep anything alive.
const IGNORED = new Set(['weak', 'shortcut'].map((type) => meta.edge_types[0].indexOf(type)));
const count = nodes.length / NODE;
const MB = (bytes: number) => (bytes / 1048576).toFixed(1);

const firstEdge = new Uint32Array(count + 1);
for (let node = 0, edge = 0; node < count; node++) {
  firstEdge[node] = edge;
  edge += nodes[node * NODE + EDGES] * EDGE;
  firstEdge[node + 1] = edge;
}
const label = (node: number): string => {
  const type = meta.node_types[0][nodes[node * NODE + TYPE]];
  const name = strings[nodes[node * NODE + NAME]];
  return type === 'object' || type === 'closure' || type === 'native' ? name : `(${type}) ${name.slice(0, 60).replace(/\s+/g, ' ')}`;
};
const targets = (node: number, visit: (target: number, edge: number) => void) => {
  for (let edge = firstEdge[node]; edge < firstEdge[node + 1]; edge += EDGE) {
    if (!IGNORED.has(edges[edge + EDGE_TYPE])) visit(edges[edge + TO] / NODE, edge);
  }
};

// Depth-first post-order from the root (node 0), then dominators by Cooper, Harvey and Kennedy's iteration.
const postorder = new Int32Array(count).fill(-1);
const byPostorder: number[] = [];
{
  const stack: number[] = [0];
  const next = new Uint32Array(count);
  const seen = new Uint8Array(count);
  seen[0] = 1;
  next[0] = firstEdge[0];
  while (stack.length > 0) {
    const node = stack[stack.length - 1];
    let descended = false;
    while (next[node] < firstEdge[node + 1] && !descended) {
      const edge = next[node];
      next[node] += EDGE;
      if (IGNORED.has(edges[edge + EDGE_TYPE])) continue;
      const target = edges[edge + TO] / NODE;
      if (seen[target]) continue;
      seen[target] = 1;
      next[target] = firstEdge[target];
      stack.push(target);
      descended = true;
    }
    if (!descended) {
      stack.pop();
      postorder[node] = byPostorder.length;
      byPostorder.push(node);
    }
  }
}
const reachable = byPostorder.length;
const predecessors: number[][] = Array.from({ length: reachable }, () => []);
for (let k = 0; k < reachable; k++) targets(byPostorder[k], (target) => predecessors[postorder[target]].push(k));
const root = postorder[0];
const dominator = new Int32Array(reachable).fill(-1);
dominator[root] = root;
for (let changed = true; changed;) {
  changed = false;
  for (let k = reachable - 1; k >= 0; k--) {
    if (k === root) continue;
    let candidate = -1;
    for (const p of predecessors[k]) {
      if (dominator[p] < 0) continue;
      if (candidate < 0) {
        candidate = p;
        continue;
      }
      let a = p;
      let b = candidate;
      while (a !== b) {
        while (a < b) a = dominator[a];
        while (b < a) b = dominator[b];
      }
      candidate = a;
    }
    if (candidate >= 0 && dominator[k] !== candidate) {
      dominator[k] = candidate;
      changed = true;
    }
  }
}
const retained = new Float64Array(reachable);
for (let k = 0; k < reachable; k++) retained[k] += nodes[byPostorder[k] * NODE + SELF];
for (let k = 0; k < reachable; k++) if (k !== root) retained[dominator[k]] += retained[k];
console.log(`${file}: ${reachable} live objects, ${MB(retained[root])} MB`);

// Per constructor: the retained size of its objects that no other object of the same constructor dominates.
const groups = new Map<string, { count: number; self: number; retained: number }>();
for (let k = 0; k < reachable; k++) {
  const key = label(byPostorder[k]);
  const group = groups.get(key) ?? { count: 0, self: 0, retained: 0 };
  groups.set(key, group);
  group.count += 1;
  group.self += nodes[byPostorder[k] * NODE + SELF];
  let up = dominator[k];
  while (up !== root && label(byPostorder[up]) !== key) up = dominator[up];
  if (up === root) group.retained += retained[k];
}
console.log('\n| constructor | objects | self MB | retained MB |\n| --- | ---: | ---: | ---: |');
for (const [key, group] of [...groups].sort((a, b) => b[1].retained - a[1].retained).slice(1, rows + 1)) {
  console.log(`| ${key.slice(0, 70)} | ${group.count} | ${MB(group.self)} | ${MB(group.retained)} |`);
}

const children = new Map<number, number[]>();
for (let k = 0; k < reachable; k++) {
  if (k === root) continue;
  const siblings = children.get(dominator[k]);
  if (siblings) siblings.push(k);
  else children.set(dominator[k], [k]);
}
const edgeName = (from: number, to: number): string => {
  for (let edge = firstEdge[from]; edge < firstEdge[from + 1]; edge += EDGE) {
    if (edges[edge + TO] / NODE !== to) continue;
    const name = edges[edge + EDGE_NAME];
    return ['element', 'hidden'].includes(meta.edge_types[0][edges[edge + EDGE_TYPE]]) ? `[${name}]` : strings[name];
  }
  return '?';
};
console.log('\nLargest retainers (dominator tree, branches over 1 MB):');
const walk = (k: number, depth: number) => {
  const large = (children.get(k) ?? [])
    .filter((child) => retained[child] > 1048576)
    .sort((a, b) => retained[b] - retained[a])
    .slice(0, 6);
  for (const child of large) {
    const node = byPostorder[child];
    console.log(`${'  '.repeat(depth)}${MB(retained[child])} MB .${edgeName(byPostorder[k], node)} → ${label(node).slice(0, 80)} @${nodes[node * NODE + ID]}`);
    if (depth < 8) walk(child, depth + 1);
  }
};
walk(root, 0);
