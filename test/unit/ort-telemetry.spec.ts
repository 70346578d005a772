/**
 * Issue 11 L8 — loading the models writes nothing under the user's cache folder (onnxruntime's
 * telemetry database). Runs a session in a child process whose HOME and XDG_CACHE_HOME point at
 * an empty temp folder, through the same module the service uses.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FAKE_MODELS_DIR, REPO_ROOT, tempDir } from '../support/app';
import { TS_REGISTER } from '../../src/common/source-exec-argv';

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe('onnxruntime telemetry', () => {
  it('is off: a session runs without creating ~/.cache/…/onnxruntime.db', () => {
    const home = tempDir('sentinel-home-');
    const script = `
      require('${path.join(REPO_ROOT, 'src/inference/ort-telemetry.ts')}');
      const ort = require('onnxruntime-node');
      const fs = require('node:fs');
      ort.InferenceSession.create(fs.readFileSync('${path.join(FAKE_MODELS_DIR, 'triage/model.onnx')}')).then(() => console.log('session ok'));
    `;
    const out = execFileSync(process.execPath, ['-r', TS_REGISTER, '-e', script], {
      cwd: REPO_ROOT,
      env: { ...process.env, ORT_DISABLE_TELEMETRY: undefined, HOME: home, XDG_CACHE_HOME: path.join(home, '.cache') },
      encoding: 'utf8',
    });
    expect(out).toContain('session ok');
    expect(filesUnder(home)).toEqual([]);
  });
});
