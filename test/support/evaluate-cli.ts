/**
 * The built `npm run evaluate` (dist/cli/evaluate.js) in a child process: for the tests whose subject is the
 * process itself — its exit status, a real SIGINT, what another user may read — which an in-process call
 * cannot show. Skip such a test when there is no build (`npm test` does not build; CI builds first).
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FAKE_MODELS_DIR, REPO_ROOT } from './app';

export const EVALUATE_CLI = path.join(REPO_ROOT, 'dist/cli/evaluate.js');
export const hasEvaluateBuild = (): boolean => fs.existsSync(EVALUATE_CLI);

export interface CliRun {
  child: ChildProcess;
  /** resolves when the process has exited, with all it wrote */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** resolves with stdout as it stands once it holds a whole line */
  firstLine: Promise<string>;
}

const NOBODY = 65534;

/**
 * How this test process can run the CLI as a user without root's override of file modes: as itself when it
 * is not root; as root, through setpriv as nobody (65534). Null with the reason when neither is possible.
 */
export function unprivileged(): { wrap: (argv: string[]) => string[] } | { skip: string } {
  if (process.getuid?.() !== 0) return { wrap: (argv) => argv };
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => fs.existsSync(p));
  if (!setpriv) return { skip: 'running as root without setpriv: a chmod 000 folder is readable to root, so nothing would be refused' };
  return { wrap: (argv) => [setpriv, `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', ...argv] };
}

/** dist/cli/evaluate.js with `args`, the fake models; `wrap` puts a command in front (setpriv). */
export function runEvaluate(args: string[], o: { cwd?: string; wrap?: (argv: string[]) => string[] } = {}): CliRun {
  const [command, ...rest] = (o.wrap ?? ((a: string[]) => a))([process.execPath, EVALUATE_CLI, ...args]);
  const child = spawn(command, rest, { cwd: o.cwd ?? REPO_ROOT, env: { ...process.env, MODELS_DIR: FAKE_MODELS_DIR, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let lineSeen: (s: string) => void = () => undefined;
  const firstLine = new Promise<string>((resolve) => (lineSeen = resolve));
  child.stdout?.on('data', (d) => {
    stdout += String(d);
    if (stdout.includes('\n')) lineSeen(stdout);
  });
  child.stderr?.on('data', (d) => (stderr += String(d)));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done, firstLine };
}

/** Every line of `text` is whole JSON ending in a newline (a line cut mid-write would not parse). */
export function wholeJsonLines(text: string): unknown[] {
  expect(text.endsWith('\n')).toBe(true);
  return text.slice(0, -1).split('\n').map((l) => JSON.parse(l) as unknown);
}
