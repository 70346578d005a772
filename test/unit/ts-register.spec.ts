/**
 * scripts/ts-register.cjs: how the tests' worker threads and spawned entries run TypeScript from
 * the sources. It must run what ts-node ran, transpile a file once per content (the compiler not
 * even loaded on a hit: that is the point), never serve a stale file, keep stack traces on the
 * .ts lines, and work without a writable cache.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TS_REGISTER } from '../../src/common/source-exec-argv';
import { tempDir } from '../support/app';

const PROBE = `
interface Shape { side: number }
type Area = number;
enum Unit { Mm = 'mm' }
function area(s: Shape): Area { return s.side * s.side; }
const compilerLoaded = Object.keys(require.cache).some((k) => k.includes('/node_modules/typescript/'));
console.log(JSON.stringify({ value: area({ side: SIDE }), unit: Unit.Mm, compilerLoaded }));
`;

function run(file: string, cache: string): { value: number; unit: string; compilerLoaded: boolean } {
  const out = execFileSync(process.execPath, ['-r', TS_REGISTER, file], { env: { ...process.env, TS_REGISTER_CACHE: cache }, encoding: 'utf8' });
  return JSON.parse(out.trim()) as { value: number; unit: string; compilerLoaded: boolean };
}

describe('scripts/ts-register.cjs', () => {
  it('runs TypeScript (types, enums) and loads the compiler only on a cache miss', () => {
    const dir = tempDir('ts-register-');
    const cache = path.join(dir, 'cache');
    const file = path.join(dir, 'probe.ts');
    fs.writeFileSync(file, PROBE.replace('SIDE', '6'));
    expect(run(file, cache)).toEqual({ value: 36, unit: 'mm', compilerLoaded: true });
    expect(fs.readdirSync(cache).filter((f) => f.endsWith('.js'))).toHaveLength(1);
    expect(run(file, cache)).toEqual({ value: 36, unit: 'mm', compilerLoaded: false });
  });

  it('never serves a stale file: a changed source is transpiled again', () => {
    const dir = tempDir('ts-register-');
    const cache = path.join(dir, 'cache');
    const file = path.join(dir, 'probe.ts');
    fs.writeFileSync(file, PROBE.replace('SIDE', '6'));
    expect(run(file, cache).value).toBe(36);
    fs.writeFileSync(file, PROBE.replace('SIDE', '7'));
    expect(run(file, cache)).toEqual({ value: 49, unit: 'mm', compilerLoaded: true });
  });

  it('keeps stack traces on the TypeScript lines (types removed above the throw)', () => {
    const dir = tempDir('ts-register-');
    const file = path.join(dir, 'throws.ts');
    fs.writeFileSync(file, ['interface A { a: number }', 'type B = A | null;', 'import type { Server } from "node:http";', 'const b: B = null;', 'if (b === null) throw new Error("line five");', ''].join('\n'));
    for (let i = 0; i < 2; i++) {
      // the second run reads the cache: the map travels inline with the cached output
      let stderr = '';
      try {
        execFileSync(process.execPath, ['-r', TS_REGISTER, file], { env: { ...process.env, TS_REGISTER_CACHE: path.join(dir, 'cache') }, encoding: 'utf8', stdio: 'pipe' });
      } catch (e) {
        stderr = String((e as { stderr: string }).stderr);
      }
      expect(stderr).toContain('line five');
      expect(stderr).toContain(`${file}:5`);
    }
  });

  it('works when the cache cannot be written (a file where the folder should be)', () => {
    const dir = tempDir('ts-register-');
    const blocker = path.join(dir, 'not-a-folder');
    fs.writeFileSync(blocker, '');
    const file = path.join(dir, 'probe.ts');
    fs.writeFileSync(file, PROBE.replace('SIDE', '3'));
    expect(run(file, path.join(blocker, 'cache'))).toEqual({ value: 9, unit: 'mm', compilerLoaded: true });
    expect(fs.readdirSync(dir).sort()).toEqual(['not-a-folder', 'probe.ts']);
  });
});
