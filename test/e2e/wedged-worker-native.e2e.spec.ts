import * as path from 'node:path';
import { REPO_ROOT } from '../support/app';
import { eventually } from '../helpers/eventually';
import { builtToken, hasBuild, startBuilt } from '../support/built-app';
import { phantomPng } from '../support/images';

/**
 * A job past INFERENCE_JOB_TIMEOUT_MS while its worker is inside onnxruntime's session.run().
 * The pool used to terminate the worker there; when the native run returned into the dying
 * thread, onnxruntime-node threw Napi::Error out of C++ and the WHOLE server aborted ("terminate
 * called after throwing an instance of 'Napi::Error'", exit 134) — found by the privacy QA pass
 * with 6 concurrent analyses at a 100 ms deadline. Now such a worker is told to stop and ends
 * itself when its run returns (src/inference/worker-control.ts).
 *
 * The built server with the real models in a child process (an abort would take jest with it),
 * the deadline at its minimum, and bursts of 64 concurrent analyses queued in the two workers, so
 * that deadlines pass while a worker is busy in native code. Whether a given burst wedges a
 * worker depends on the box's speed, so bursts go on until three wedges have been logged (at most
 * 30); no duration is asserted.
 */
const email = 'admin@example.test';
const password = 'a long wedging passphrase';

(hasBuild() ? describe : describe.skip)('a worker wedged inside a model run (built server, real models)', () => {
  it('answers 504 for the jobs past the deadline, keeps serving and exits 0 — never aborts the process', async () => {
    const app = await startBuilt({
      MODELS_DIR: path.join(REPO_ROOT, 'models'),
      INFERENCE_WORKERS: '2',
      INFERENCE_JOB_TIMEOUT_MS: '100',
      // 64 jobs in flight: ~30 queue in each worker behind its native runs, so the later ones pass
      // the deadline while the worker is inside session.run() whatever the box's speed
      INFERENCE_POOL_SIZE: '64',
      INFERENCE_QUEUE_LIMIT: '256',
      SEED_ADMIN_EMAIL: email,
      SEED_ADMIN_PASSWORD: password,
      RATE_LIMIT_ANALYSES_PER_MINUTE: '1000000',
      RATE_LIMIT_REQUESTS_PER_MINUTE: '1000000',
    });
    try {
      const token = await builtToken(app.port, email, password);
      const png = new Blob([await phantomPng(256)], { type: 'image/png' });
      const analyse = async () => {
        const form = new FormData();
        form.append('image', png, 'x.png');
        try {
          const res = await fetch(`http://127.0.0.1:${app.port}/api/v1/analyses`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
          await res.arrayBuffer();
          return res.status;
        } catch {
          return 0; // no answer: the server is gone
        }
      };
      const wedges = () => (app.log.match(/Inference worker wedged/g) ?? []).length;
      const statuses: number[] = [];
      for (let burst = 0; burst < 30 && wedges() < 3; burst++) {
        statuses.push(...(await Promise.all(Array.from({ length: 64 }, analyse))));
        if (statuses.includes(0)) break;
      }

      expect(app.log).not.toMatch(/terminate called|Napi::Error/);
      expect(statuses.filter((s) => s !== 200 && s !== 504)).toEqual([]);
      expect(wedges()).toBeGreaterThanOrEqual(3);
      expect(statuses).toContain(504);
      // the workers that were mid-run ended themselves, and the pool answers again (a replacement
      // still opening its models past the 100-ms deadline answers 504 meanwhile)
      expect(app.log).toMatch(/worker ends itself when its model run returns/);
      expect(await eventually(analyse, (s) => s === 200, 100, 100)).toBe(200);
      expect((await fetch(`http://127.0.0.1:${app.port}/readyz`)).status).toBe(200);

      app.child.kill('SIGTERM');
      expect(await app.done).toEqual({ code: 0, signal: null });
    } finally {
      if (app.child.exitCode === null && app.child.signalCode === null) app.child.kill('SIGKILL');
    }
  });
});
