// `npm run cluster`'s options, refused before anything starts (no PostgreSQL, Redis or replica):
// `--replicas 1e0` passed Number() as 1, and `--port abc` was not checked — PostgreSQL, Redis and
// the replicas started, then HAProxy failed on port NaN. Needs the build (test:cluster builds first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/cluster.mjs');

function run(args) {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

test('npm run cluster: a number option that is not plain digits within its range is exit 2 naming it, nothing started', () => {
  const cases = [
    [['--port', 'abc'], '--port must be a whole number from 1 to 65535 (got "abc")'],
    [['--port', '70000'], '--port must be a whole number from 1 to 65535 (got "70000")'],
    [['--port', '80.5'], '--port must be a whole number from 1 to 65535 (got "80.5")'],
    [['--replicas', '1e0'], '--replicas must be a whole number from 1 to 16 (got "1e0")'],
    [['--replicas', '17'], '--replicas must be a whole number from 1 to 16 (got "17")'],
    [['--replicas', '2', '--replicas', '3'], '--replicas is given twice ("2", then "3")'],
  ];
  for (const [args, said] of cases) {
    const r = run(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.ok(r.stderr.includes(said), `${args.join(' ')}: ${r.stderr}`);
    assert.ok(!r.stdout.includes('[cluster]'), `${args.join(' ')} started something: ${r.stdout}`);
  }
});

test('npm run cluster --help: the usage with the ranges, exit 0', () => {
  const r = run(['--help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /replicas 1 to 16, default 2; port 1 to 65535/);
});
