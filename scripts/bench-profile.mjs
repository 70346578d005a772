#!/usr/bin/env node
/**
 * Summarises a V8 .cpuprofile (self time by package/file and by function) — the server's main
 * thread under load:
 *
 *   npm run bench -- --levels 16 --duration 15 --node-args "--cpu-prof --cpu-prof-dir=artifacts/prof"
 *   node scripts/bench-profile.mjs artifacts/prof/*.cpuprofile
 */
import * as fs from 'node:fs';

for (const file of process.argv.slice(2)) {
  const p = JSON.parse(fs.readFileSync(file, 'utf8'));
  const nodes = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const byFile = new Map();
  const byFn = new Map();
  let total = 0;
  for (const [id, t] of self) {
    total += t;
    const cf = nodes.get(id).callFrame;
    const url = cf.url.replace(/^.*?\/(dist|src|node_modules)\//, '$1/');
    const pkg = url.startsWith('node_modules/') ? `node_modules/${url.split('/')[1].startsWith('@') ? url.split('/').slice(1, 3).join('/') : url.split('/')[1]}` : url || '(native / idle / gc)';
    byFile.set(pkg, (byFile.get(pkg) ?? 0) + t);
    const fn = `${cf.functionName || '(anonymous)'} ${url}:${cf.lineNumber + 1}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + t);
  }
  const top = (m, n) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${((v / total) * 100).toFixed(1).padStart(5)} %  ${k}`);
  console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled\n\nby package / file:\n${top(byFile, 20).join('\n')}\n\nby function:\n${top(byFn, 25).join('\n')}\n`);
}
