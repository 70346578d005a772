/**
 * The admin commands as an operator meets them on a fresh machine: a DATABASE_URL naming no file,
 * an email or password the policy refuses. Each is said before a database is touched, with an exit
 * status apart from a failure's (2: the operator's input; 1: the database or configuration).
 */
import { main as rescrubCli } from '../../src/cli/rescrub-descriptions';
import { main as userCreate } from '../../src/cli/user-create';
import { Logger } from '@nestjs/common';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { tempDir } from '../support/app';

function withEnv<T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  return fn().finally(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
}

describe('admin commands: input refused before the database is touched', () => {
  let error: jest.SpyInstance;
  let log: jest.SpyInstance;
  beforeEach(() => {
    Logger.overrideLogger(['error']);
    error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => {
    error.mockRestore();
    log.mockRestore();
  });
  const said = () => error.mock.calls.map((c) => String(c[0])).join('\n');

  it('descriptions:rescrub on a SQLite file that does not exist: exit 1 naming it, no empty database made', async () => {
    // it created the folder and an empty, migrated file, then reported "0 of 0 stored rows changed" (exit 0)
    const dir = path.join(tempDir(), 'nowhere');
    const file = path.join(dir, 'sentinel.db');
    const code = await withEnv({ DATABASE_URL: `file:${file}`, LOG_LEVEL: 'error' }, () => rescrubCli([]));
    expect(code).toBe(1);
    expect(fs.existsSync(dir)).toBe(false);
    expect(said()).toContain(`There is no database file at ${file}`);
    expect(said()).toMatch(/DATABASE_URL/);
    expect(log).not.toHaveBeenCalled();
  });

  it('user:create and descriptions:rescrub: an option given twice is exit 2 naming it, before the database', async () => {
    // `--email a@x.org --email b@x.org` created b@x.org alone (the last one won without a word)
    const file = path.join(tempDir(), 'users.db');
    const code = await withEnv({ DATABASE_URL: `file:${file}`, LOG_LEVEL: 'error' }, () => userCreate(['--email', 'a@example.org', '--email', 'b@example.org']));
    expect(code).toBe(2);
    expect(said()).toContain('--email is given twice ("a@example.org", then "b@example.org")');
    expect(fs.existsSync(file)).toBe(false);
    expect(await withEnv({ DATABASE_URL: `file:${file}`, LOG_LEVEL: 'error' }, () => rescrubCli(['--batch-size', '10', '--batch-size', '500']))).toBe(2);
    expect(said()).toContain('--batch-size is given twice ("10", then "500")');
    expect(fs.existsSync(file)).toBe(false);
  });

  it('descriptions:rescrub --batch-size: only plain decimal digits from 1 to 10000; anything else is exit 2 before the database', async () => {
    // `--batch-size 1e3` ran in batches of 1000 (Number("1e3")), `0x10` of 16, `1.0` of 1, without a word
    const file = path.join(tempDir(), 'rescrub.db');
    const run = (raw: string) => withEnv({ DATABASE_URL: `file:${file}`, LOG_LEVEL: 'error' }, () => rescrubCli([`--batch-size=${raw}`]));
    for (const raw of ['1e3', '0x10', '1.0', '+5', ' 5', '1_000', '0', '10001', '-1', 'Infinity']) {
      error.mockClear();
      expect([raw, await run(raw)]).toEqual([raw, 2]);
      expect(said()).toContain(`--batch-size must be a whole number from 1 to 10000 (got "${raw}")`);
    }
    expect(fs.existsSync(file)).toBe(false);
    // a good value gets past the parsing: to the missing database (exit 1)
    for (const raw of ['1', '10000']) expect([raw, await run(raw)]).toEqual([raw, 1]);
  });

  it('user:create with an invalid email: exit 2 (usage), no database file created', async () => {
    const file = path.join(tempDir(), 'users.db');
    const code = await withEnv({ DATABASE_URL: `file:${file}`, LOG_LEVEL: 'error' }, () => userCreate(['--email', 'not-an-email']));
    expect(code).toBe(2);
    expect(said()).toMatch(/--email: A valid email address is required/);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('user:create with a password from stdin the policy refuses: exit 2 naming the rule, no database file created', async () => {
    const file = path.join(tempDir(), 'users.db');
    const stdin = Readable.from([Buffer.from('short\n')]);
    const code = await withEnv({ DATABASE_URL: `file:${file}`, LOG_LEVEL: 'error' }, () => userCreate(['--email', 'ok@example.test', '--password-stdin'], stdin));
    expect(code).toBe(2);
    expect(said()).toMatch(/--password-stdin: The password must have at least 10 characters/);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('user:create --password-stdin at a terminal: exit 2 saying how to pipe it, instead of waiting without a prompt', async () => {
    // it waited for end of input with no prompt, echoing what was typed (Enter did not end it, only Ctrl-D)
    const file = path.join(tempDir(), 'users.db');
    const tty = Object.assign(Readable.from([]), { isTTY: true });
    const code = await withEnv({ DATABASE_URL: `file:${file}`, LOG_LEVEL: 'error' }, () => userCreate(['--email', 'ok@example.test', '--password-stdin'], tty));
    expect(code).toBe(2);
    expect(said()).toMatch(/--password-stdin reads a pipe, not a terminal/);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('user:create with an email already taken: exit 3 (its own code) naming the email and what to do', async () => {
    // it exited 1 with "Could not create the user: …", the code of a database or configuration failure
    const file = path.join(tempDir(), 'users.db');
    const run = (pw: string) => withEnv({ DATABASE_URL: `file:${file}`, LOG_LEVEL: 'error' }, () => userCreate(['--email', 'Taken@Example.test', '--password-stdin'], Readable.from([Buffer.from(pw)])));
    expect(await run('first-password-9')).toBe(0);
    error.mockClear();
    expect(await run('second-password-9')).toBe(3);
    expect(said()).toBe('A user with the email taken@example.test already exists; nothing was changed. Name another email, or set a new password for that user on /admin/users.');
  });

  it('user:create: stdout holds the result lines only; the "Applied migrations" log line goes to stderr', async () => {
    // Nest's logger wrote it to stdout, before "Created …" and the password: a script reading the password got noise
    const file = path.join(tempDir(), 'users.db');
    Logger.overrideLogger(['fatal', 'error', 'warn', 'log']); // as a command starts: Nest's console logger, log level on
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    let stdout = '';
    let stderr = '';
    try {
      expect(await withEnv({ DATABASE_URL: `file:${file}`, LOG_LEVEL: 'log' }, () => userCreate(['--email', 'fresh@example.test']))).toBe(0);
    } finally {
      // console.log is jest's own (not process.stdout): both are the command's stdout
      stdout = [...out.mock.calls.map((c) => String(c[0])), ...log.mock.calls.map((c) => `${String(c[0])}\n`)].join('');
      stderr = err.mock.calls.map((c) => String(c[0])).join('');
      out.mockRestore();
      err.mockRestore();
    }
    expect(stdout).toMatch(/^Created user fresh@example\.test \(id [^)]+\)\.\nPassword \(shown once\): \S+\n$/);
    expect(stderr).toMatch(/Applied migrations \(sqlite\)/);
  });
});
