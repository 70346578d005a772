#!/usr/bin/env node
/**
 * Ten users sending a whole study at the same moment, before/after in one run (not a timed test).
 *
 *   npm run build && node scripts/bench-study-burst.mjs --baseline /tmp/base   # /tmp/base: a built copy of another commit
 *   node scripts/bench-study-burst.mjs --rounds 4 --studies 10 --image-seconds 10
 *   node scripts/bench-study-burst.mjs --baseline /tmp/base --forms none --rounds 8   # single images only
 *   node scripts/bench-study-burst.mjs --help     # every option and its range (a bad one: exit 2 before anything starts)
 *
 * Starts this checkout's `dist/main.js` and, with --baseline DIR, DIR's (`git archive <commit> | tar -x -C DIR`,
 * node_modules linked, `npm run build` there), both on free ports with the same models and settings. Rounds alternate
 * the apps (A B B A …) so that load from elsewhere on the box falls on both alike. In a round, for each app:
 * for each form (the 24-slice 256² DICOM files and NIfTI of bench-study.mjs) `--studies` POSTs at once, every
 * latency counted (first byte sent → last byte of the JSON), and the server's CPU per study by thread; then
 * `--image-clients` users sending single images in a closed loop for `--image-seconds` (bench.mjs's mix) for
 * their p95. Every study answer of both apps must be the same (timings and record ids aside), heat maps and
 * thumbnails included, or the run fails. Prints pooled p50/p95 per app and after/before ratios; JSON under artifacts/.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { cpuTicksByThread, freePort, round } from './bench-lib.mjs';
import { loadImages, ROOT, signIn, startServer } from './bench-setup.mjs';
import { makePicker, runLevel } from './bench-load.mjs';
import { brainSlices, dicomSeries, niftiVolume } from './bench-study.mjs';
import { benchOptions } from './bench-args.mjs';

const FORMS = ['dicom_files', 'nifti'];

const USAGE = `Usage: node scripts/bench-study-burst.mjs [options]   (after \`npm run build\`)
  --baseline DIR         also run DIR's build (another commit, built) and compare
  --rounds N             rounds, each app in turn (A B B A …), 1 to 100 (default 4)
  --studies N            studies POSTed at once per form and round, 1 to 64 (default 10)
  --image-clients N      single-image clients after each burst, 1 to 256 (default 10)
  --image-seconds S      seconds of single images per round, a whole number 1 to 3600 (default 10)
  --slices N             slices of each study, 1 to 500 (default 24)
  --forms F,F            dicom_files, nifti, both separated by a comma, or none: single images only (default both)
  --out FILE             the JSON report (default artifacts/bench-study-burst.json)
Exit 2: a bad option, said before anything starts.`;

const OPTIONS = {
  baseline: { type: 'string' },
  rounds: { type: 'string' },
  studies: { type: 'string' },
  'image-clients': { type: 'string' },
  'image-seconds': { type: 'string' },
  slices: { type: 'string' },
  forms: { type: 'string' },
  out: { type: 'string' },
};

/** --forms: known names only (an unknown one was dropped without a word: \`--forms nifty\` ran no study). */
function formsOption(raw) {
  if (raw === undefined) return FORMS;
  if (raw === 'none') return [];
  const forms = raw.split(',');
  if (!forms.every((f) => FORMS.includes(f)) || new Set(forms).size !== forms.length) throw new Error(`--forms must be dicom_files, nifti, both separated by a comma, or none (got "${raw}")`);
  return forms;
}

function parseArgs(argv) {
  return benchOptions(argv, OPTIONS, USAGE, (v, p) => ({
    baseline: v.baseline === undefined ? null : path.resolve(v.baseline),
    rounds: p.integer('rounds', v.rounds, { min: 1, max: 100 }) ?? 4,
    studies: p.integer('studies', v.studies, { min: 1, max: 64 }) ?? 10,
    imageClients: p.integer('image-clients', v['image-clients'], { min: 1, max: 256 }) ?? 10,
    imageSeconds: p.integer('image-seconds', v['image-seconds'], { min: 1, max: 3600 }) ?? 10,
    slices: p.integer('slices', v.slices, { min: 1, max: 500 }) ?? 24,
    forms: formsOption(v.forms),
    out: v.out ?? 'artifacts/bench-study-burst.json',
  }));
}

const pct = (v, p) => (v.length ? [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.ceil((p / 100) * v.length) - 1)] : null);

async function start(dir, modelsDir, tmp, name) {
  const email = 'bench-admin@example.org';
  const password = `bench-${createHash('sha256').update(tmp + name).digest('hex').slice(0, 20)}`;
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    DATABASE_URL: `file:${path.join(tmp, `${name}.db`)}`,
    MODELS_DIR: modelsDir,
    LOG_LEVEL: 'warn',
    SESSION_SECRET: createHash('sha256').update(`bench${tmp}${name}`).digest('hex'),
    SEED_ADMIN_EMAIL: email,
    SEED_ADMIN_PASSWORD: password,
    SEED_ADMIN_PRINT: 'false',
    RATE_LIMIT_ANALYSES_PER_MINUTE: '1000000',
    RATE_LIMIT_REQUESTS_PER_MINUTE: '1000000',
  };
  const { child, base } = await startServer(env, [], dir);
  const auth = await signIn(base, email, password);
  return { name, child, base, auth };
}

async function postStudy(app, files) {
  const fd = new FormData();
  files.forEach((f) => fd.append('files', new Blob([f.bytes]), f.name));
  const t0 = performance.now();
  const r = await fetch(`${app.base}/api/v1/studies`, { method: 'POST', body: fd, headers: { accept: 'application/json', ...app.auth.headers } });
  const body = await r.json();
  const ms = performance.now() - t0;
  if (r.status !== 200) throw new Error(`${app.name}: HTTP ${r.status} ${JSON.stringify(body).slice(0, 300)}`);
  return { ms, body };
}

/** The answer without what differs between runs (timings, record id): compared across apps. */
function answerOf(body) {
  return JSON.stringify(body, (k, v) => (k === 'timingsMs' || k === 'analysisId' ? undefined : v));
}

async function burst(app, files, n) {
  const cpu0 = cpuTicksByThread(app.child.pid);
  const all = await Promise.all(Array.from({ length: n }, () => postStudy(app, files)));
  const cpu1 = cpuTicksByThread(app.child.pid);
  return {
    ms: all.map((r) => r.ms),
    answers: new Set(all.map((r) => answerOf(r.body))),
    stages: all.map((r) => r.body.timingsMs),
    cpuMsPerStudy: { total: ((cpu1.total - cpu0.total) * 10) / n, main: ((cpu1.main - cpu0.main) * 10) / n },
  };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const modelsDir = path.resolve(ROOT, process.env.MODELS_DIR ?? 'models');
  const grey = await brainSlices(args.slices, 256);
  const dcm = dicomSeries(grey, 256);
  const all = {
    dicom_files: dcm.map((b, i) => ({ bytes: b, name: `IM${i}` })),
    nifti: [{ bytes: niftiVolume(grey, 256), name: 'volume.nii' }],
  };
  const forms = Object.fromEntries(Object.entries(all).filter(([k]) => args.forms.includes(k)));
  const images = loadImages(48);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-bench-burst-'));
  const apps = [];
  try {
    if (args.baseline) apps.push(await start(args.baseline, modelsDir, tmp, 'before'));
    apps.push(await start(ROOT, modelsDir, tmp, 'after'));
    const res = Object.fromEntries(apps.map((a) => [a.name, { studies: Object.fromEntries(Object.keys(forms).map((f) => [f, { ms: [], cpu: [], main: [], stages: [] }])), imageP95: [], imageP50: [], imagesPerSec: [], imageCpuMs: [] }]));
    const answers = Object.fromEntries(Object.keys(forms).map((f) => [f, new Set()]));
    for (const app of apps) {
      for (const files of Object.values(forms)) for (let i = 0; i < 2; i++) await postStudy(app, files);
      await runLevel(app, app.auth, makePicker(images), args.imageClients, 2, true, {});
    }
    for (let r = 0; r < args.rounds; r++) {
      const order = r % 2 ? [...apps].reverse() : apps;
      for (const app of order) {
        for (const [form, files] of Object.entries(forms)) {
          const b = await burst(app, files, args.studies);
          const s = res[app.name].studies[form];
          s.ms.push(...b.ms);
          s.cpu.push(b.cpuMsPerStudy.total);
          s.main.push(b.cpuMsPerStudy.main);
          s.stages.push(...b.stages);
          for (const a of b.answers) answers[form].add(a);
          console.log(`round ${r + 1} ${app.name.padEnd(6)} ${form.padEnd(11)} p50 ${round(pct(b.ms, 50))} p95 ${round(pct(b.ms, 95))} ms · server CPU ${round(b.cpuMsPerStudy.total)} ms/study (main ${round(b.cpuMsPerStudy.main)})`);
        }
        const lv = await runLevel(app, app.auth, makePicker(images), args.imageClients, args.imageSeconds, true, {});
        res[app.name].imageP95.push(lv.latencyMs.p95);
        res[app.name].imageP50.push(lv.latencyMs.p50);
        res[app.name].imagesPerSec.push(lv.analysesPerSec);
        res[app.name].imageCpuMs.push(lv.serverCpuMsPerAnalysis);
        console.log(`round ${r + 1} ${app.name.padEnd(6)} images      ${args.imageClients} users: p50 ${lv.latencyMs.p50} p95 ${lv.latencyMs.p95} ms · ${lv.analysesPerSec}/s · server CPU ${lv.serverCpuMsPerAnalysis} ms/image · errors ${lv.errorCount}`);
      }
    }
    const sameAnswers = Object.fromEntries(Object.entries(answers).map(([f, s]) => [f, s.size === 1]));
    const summary = {};
    for (const app of apps) {
      const a = res[app.name];
      summary[app.name] = {
        studies: Object.fromEntries(
          Object.entries(a.studies).map(([f, s]) => [
            f,
            {
              n: s.ms.length,
              p50Ms: round(pct(s.ms, 50)),
              p95Ms: round(pct(s.ms, 95)),
              cpuMsPerStudy: round(pct(s.cpu, 50)),
              mainThreadCpuMsPerStudy: round(pct(s.main, 50)),
              stagesMedianMs: Object.fromEntries(Object.keys(s.stages[0] ?? {}).map((k) => [k, round(pct(s.stages.map((t) => t[k] ?? 0), 50))])),
            },
          ]),
        ),
        imageP95MedianOfRounds: round(pct(a.imageP95, 50)),
        imageP50MedianOfRounds: round(pct(a.imageP50, 50)),
        imagesPerSecMedianOfRounds: round(pct(a.imagesPerSec, 50), 2),
        imageCpuMsMedianOfRounds: round(pct(a.imageCpuMs, 50), 1),
      };
    }
    const ratios = {};
    if (summary.before && summary.after) {
      for (const f of Object.keys(forms)) {
        const b = summary.before.studies[f];
        const n = summary.after.studies[f];
        ratios[f] = { p50: round(n.p50Ms / b.p50Ms, 2), p95: round(n.p95Ms / b.p95Ms, 2), cpu: round(n.cpuMsPerStudy / b.cpuMsPerStudy, 2) };
      }
      ratios.imageP95 = round(summary.after.imageP95MedianOfRounds / summary.before.imageP95MedianOfRounds, 2);
      ratios.imageCpu = round(summary.after.imageCpuMsMedianOfRounds / summary.before.imageCpuMsMedianOfRounds, 2);
    }
    const report = {
      when: new Date().toISOString(),
      machine: { cores: os.availableParallelism(), cpu: os.cpus()[0]?.model, node: process.version, loadAvgAtStart: os.loadavg() },
      args,
      sameAnswers,
      summary,
      ratiosAfterOverBefore: ratios,
      raw: res,
    };
    console.log(JSON.stringify({ sameAnswers, summary, ratiosAfterOverBefore: ratios }, null, 2));
    const out = path.resolve(ROOT, args.out);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
    if (Object.values(sameAnswers).some((s) => !s)) throw new Error(`answers differ: ${JSON.stringify(sameAnswers)}`);
  } finally {
    for (const a of apps) a.child.kill('SIGTERM');
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
