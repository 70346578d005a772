/**
 * Issue 11 F7 — the production process ends on SIGTERM (main.ts closes the server, the workers
 * and the database, then exits 0; a hung step is cut off by a deadline, exit code 1).
 * Runs the built dist/main.js like `npm start`; skipped when there is no build (CI builds first).
 */
import * as http from 'node:http';
import { eventually } from '../helpers/eventually';
import { solidPng } from '../support/images';
import { builtToken, hasBuild, startBuilt } from '../support/built-app';

(hasBuild() ? describe : describe.skip)('SIGTERM (built server)', () => {
  // exit code 0 after a clean close: Nest's own shutdown hooks re-raised the signal, so every stop
  // asked for ended 'killed by SIGTERM' (143), and `npm start` reported it as a failure
  it.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)('stops serving and exits 0 after a %s, with workers and models loaded', async (signal) => {
    const app = await startBuilt();
    app.child.kill(signal);
    const end = await app.done;
    expect(end).toEqual({ code: 0, signal: null });
    expect(app.log).toContain(`${signal}: shutting down`);
    expect(app.log).toContain('Shut down: requests answered, workers and database closed.');
    expect(app.log).not.toContain('did not finish');
    await expect(fetch(`http://127.0.0.1:${app.port}/healthz`)).rejects.toThrow();
  });

  // Closing the listener on the signal reset every connection still waiting to be accepted: 7 of 12
  // analyses sent 150 ms before a SIGTERM got ECONNRESET, unlogged, and a client cannot tell whether
  // a reset POST was processed. Now /readyz turns 503 first and the server serves on for
  // SHUTDOWN_DELAY_MS (so a load balancer stops sending); a second signal ends the wait.
  it('with SHUTDOWN_DELAY_MS: not ready but still accepting and serving after SIGTERM; a second SIGTERM closes at once and exits 0', async () => {
    const email = 'admin@example.test';
    const password = 'a long shutdown passphrase';
    const app = await startBuilt({ SHUTDOWN_DELAY_MS: '60000', SEED_ADMIN_EMAIL: email, SEED_ADMIN_PASSWORD: password });
    const token = await builtToken(app.port, email, password);
    const base = `http://127.0.0.1:${app.port}`;
    app.child.kill('SIGTERM');
    const ready = await eventually(
      () => fetch(`${base}/readyz`).then(async (r) => ({ status: r.status, body: (await r.json()) as { checks: Record<string, { code?: string }> } })),
      (r) => r.status === 503,
    );
    expect(ready.status).toBe(503);
    expect(ready.body.checks.shutdown).toEqual({ ok: false, code: 'SHUTTING_DOWN' });
    // new connections are still accepted and served: an analysis, on its own connection
    const form = new FormData();
    form.append('image', new Blob([await solidPng(256, 256, 255)], { type: 'image/png' }), 'x.png');
    const analysis = await fetch(`${base}/api/v1/analyses`, { method: 'POST', headers: { authorization: `Bearer ${token}`, connection: 'close' }, body: form });
    expect(analysis.status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    app.child.kill('SIGTERM');
    expect(await app.done).toEqual({ code: 0, signal: null });
    expect(app.log).toContain('/readyz answers 503; still serving for 60000 ms (SHUTDOWN_DELAY_MS)');
    expect(app.log).toContain('SIGTERM again: closing now, without the rest of the 60000 ms delay');
    expect(app.log).toContain('Shut down: requests answered, workers and database closed.');
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });

  // The last line said "requests answered" right after the drain's warning that some were cut off.
  it('a request still running at the end of the drain: cut off, and the last line says so', async () => {
    const email = 'admin@example.test';
    const password = 'a long shutdown passphrase';
    const app = await startBuilt({ SEED_ADMIN_EMAIL: email, SEED_ADMIN_PASSWORD: password });
    const token = await builtToken(app.port, email, password);
    const boundary = 'shutdown-stall-boundary';
    // an upload that stops halfway: its request is in flight until the drain gives up on it
    const req = http.request({ host: '127.0.0.1', port: app.port, path: '/api/v1/analyses', method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': 100_000 } });
    const ended = new Promise<string>((resolve) => {
      req.on('response', (res) => resolve(`answered ${res.statusCode}`));
      req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
    await new Promise<void>((resolve) => req.write(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="x.png"\r\nContent-Type: image/png\r\n\r\n${'x'.repeat(1000)}`, () => resolve()));
    // a request on a later connection answered: the server has taken the stalled one (accepted in order)
    expect((await fetch(`http://127.0.0.1:${app.port}/healthz`)).status).toBe(200);
    app.child.kill('SIGTERM');
    expect(await app.done).toEqual({ code: 0, signal: null });
    expect(await ended).toBe('ECONNRESET');
    expect(app.log).toMatch(/1 request\(s\) still running after \d+ ms were cut off/);
    expect(app.log).toContain('Shut down: 1 request(s) cut off unanswered, the others answered; workers and database closed.');
    expect(app.log).not.toContain('Shut down: requests answered');
  });

  // A supervisor that signals the process it started (supervisord, pm2, `timeout`, systemd with
  // KillMode=mixed) sends `npm start` the SIGTERM. npm passes it to its child, which was the
  // `sh -c` running the script: the shell died and node, orphaned, went on serving on the port
  // with the database open (seen: /healthz 200 after npm had exited 143). The script now execs node.
  it('npm start: a SIGTERM to npm reaches the server, which has ended when npm exits', async () => {
    const app = await startBuilt({}, true);
    const pid = Number(/\[Nest\] (\d+) /.exec(app.log)?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(pid).not.toBe(app.child.pid);
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    try {
      app.child.kill('SIGTERM');
      expect(await app.done).toEqual({ code: 0, signal: null });
      expect(alive()).toBe(false);
      expect(app.log).toContain('SIGTERM: shutting down');
      await expect(fetch(`http://127.0.0.1:${app.port}/healthz`)).rejects.toThrow();
    } finally {
      if (alive()) process.kill(pid, 'SIGKILL');
    }
  });

  // Under steady load every client reuses its kept-alive socket, so a server that only stops
  // accepting connections never empties (it went on answering until the 10-s deadline exited
  // with code 1), and the destroy hooks ran under requests still in flight (with inference
  // workers: jobs failed 503 and onnxruntime aborted the process, SIGABRT).
  it.each(['0', '2'])('under keep-alive load (INFERENCE_WORKERS=%s): answers what it took and exits on the signal, not the deadline', async (workers) => {
    const email = 'admin@example.test';
    const password = 'a long shutdown passphrase';
    const app = await startBuilt({ INFERENCE_WORKERS: workers, SEED_ADMIN_EMAIL: email, SEED_ADMIN_PASSWORD: password, RATE_LIMIT_ANALYSES_PER_MINUTE: '1000000', RATE_LIMIT_REQUESTS_PER_MINUTE: '1000000' });
    const token = await builtToken(app.port, email, password);
    const boundary = 'shutdown-test-boundary';
    const png = await solidPng(256, 256, 255);
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="x.png"\r\nContent-Type: image/png\r\n\r\n`),
      png,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    let gone = false;
    const answers: { status: number }[] = [];
    const post = () =>
      new Promise<void>((resolve) => {
        const req = http.request(
          { host: '127.0.0.1', port: app.port, path: '/api/v1/analyses', method: 'POST', agent, headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': body.length } },
          (res) => {
            res.resume();
            res.on('end', () => (answers.push({ status: res.statusCode ?? 0 }), resolve()));
          },
        );
        // refused once the server stopped listening, or a socket closed as it sat idle: the client moves on
        req.on('error', () => resolve());
        req.end(body);
      });
    const clients = Array.from({ length: 4 }, async () => {
      while (!gone) await post();
    });
    // every client on a kept-alive socket before the signal
    expect(await eventually(() => answers.length, (n) => n >= 12)).toBeGreaterThanOrEqual(12);
    app.child.kill('SIGTERM');
    const end = await app.done;
    gone = true;
    await Promise.all(clients);
    agent.destroy();

    expect(app.log.split('\n').filter((l) => /did not finish|terminate called|cut off/.test(l))).toEqual([]);
    expect(end).toEqual({ code: 0, signal: null });
    // every request it answered was answered in full, none with a failure (before: 503s as the
    // workers closed under them). Which of them carried `Connection: close` races the signal's
    // delivery, so it is not asserted: the clean exit above is what those headers make possible.
    expect(answers.length).toBeGreaterThanOrEqual(12);
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
  });
});
