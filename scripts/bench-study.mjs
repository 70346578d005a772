#!/usr/bin/env node
/**
 * npm run bench:study — end-to-end timing of a whole study (issue 6), not a timed test.
 *
 *   npm run bench:study                        # 24-slice 256×256 brain series, 10 measured runs
 *   npm run bench:study -- --runs 20 --slices 24 --allow-fake-models
 *   npm run bench:study -- --clients 10 --runs 3  # 10 users at once, each sending the study 3 times
 *   npm run bench:study -- --help              # every option and its range (a bad one: exit 2 before anything starts)
 *
 * Builds a 24-slice 256×256 DICOM series in memory from brain MRI JPEGs of ../shared/data
 * (dcmjs; 16-bit with rescale slope/intercept and a window, as a scanner writes it), the same
 * slices as one NIfTI volume and as a ZIP; starts `node dist/main.js` (production mode, temp
 * SQLite, seeded admin), signs in, and POSTs each form to /api/v1/studies: latency from the
 * first byte sent to the last byte of the JSON answer, plus the server's own stage timings.
 * With --clients N, N clients send each form at once, each `runs` times: every answer's latency
 * counts, and answers other than 200 (a 503 when the study limits are full) are counted by status.
 * Nothing is written except the JSON report under artifacts/.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { freePort, round } from './bench-lib.mjs';
import { signIn, startServer } from './bench-setup.mjs';
import { benchOptions } from './bench-args.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DATA = path.resolve(ROOT, '..', 'shared', 'data');
const require = createRequire(import.meta.url);
const sharp = require('sharp');
const { zipSync, gzipSync } = require('fflate');
const dcmjs = require('dcmjs');

const USAGE = `Usage: npm run bench:study [-- options]   (or node scripts/bench-study.mjs after \`npm run build\`)
  --runs N               measured runs of each form per client, 1 to 10000 (default 10)
  --clients N            clients sending each form at once, 1 to 64 (default 1)
  --slices N             slices of the series, 1 to 500 (default 24; beyond STUDY_MAX_SLICES, 400, the server refuses it)
  --warmup N             unmeasured runs of each form first, 0 to 100 (default 2)
  --allow-fake-models    the test models when models/ has none (smoke runs: the figures mean nothing)
  --out FILE             the JSON report (default artifacts/bench-study.json)
Exit 2: a bad option, said before anything starts.`;

const OPTIONS = { runs: { type: 'string' }, clients: { type: 'string' }, slices: { type: 'string' }, warmup: { type: 'string' }, 'allow-fake-models': { type: 'boolean' }, out: { type: 'string' } };

function parseArgs(argv) {
  return benchOptions(argv, OPTIONS, USAGE, (v, p) => ({
    runs: p.integer('runs', v.runs, { min: 1, max: 10_000 }) ?? 10,
    clients: p.integer('clients', v.clients, { min: 1, max: 64 }) ?? 1,
    slices: p.integer('slices', v.slices, { min: 1, max: 500 }) ?? 24,
    warmup: p.integer('warmup', v.warmup, { min: 0, max: 100 }) ?? 2,
    allowFake: v['allow-fake-models'] ?? false,
    out: v.out ?? 'artifacts/bench-study.json',
  }));
}

const median = (v) => (v.length ? [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] : null);
const pct = (v, p) => (v.length ? [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.ceil((p / 100) * v.length) - 1)] : null);

/** First n 256×256 brain-tumour-set JPEGs of the manifest (any label), decoded to grey. */
export async function brainSlices(n, size) {
  const rows = fs.readFileSync(path.join(DATA, 'MANIFEST.csv'), 'utf8').split('\n');
  const files = [];
  for (const r of rows) {
    const c = r.split(',');
    if (c[1] === 'brain_tumor_nickparvar' && c[c.length - 2] === String(size) && c[c.length - 1].trim() === String(size)) files.push(path.join(DATA, c[0]));
    if (files.length >= n) break;
  }
  if (files.length < n) throw new Error(`only ${files.length} brain images of ${size}×${size} px in ${DATA}`);
  return Promise.all(files.map(async (f) => new Uint8Array((await sharp(f).greyscale().raw().toBuffer({ resolveWithObject: true })).data)));
}

export function dicomSeries(slices, size) {
  const { DicomDict, DicomMetaDictionary } = dcmjs.data;
  const series = DicomMetaDictionary.uid();
  return slices.map((grey, k) => {
    const px = new Uint16Array(size * size);
    for (let i = 0; i < px.length; i++) px[i] = grey[i] * 4 + 100;
    const sop = DicomMetaDictionary.uid();
    const ds = {
      SOPClassUID: '1.2.840.10008.5.1.4.1.1.4', SOPInstanceUID: sop, Modality: 'MR', PatientName: 'BENCH^ANON', PatientID: 'BENCH',
      SeriesInstanceUID: series, SeriesDescription: 'AX T1', InstanceNumber: k + 1, Rows: size, Columns: size,
      BitsAllocated: 16, BitsStored: 16, HighBit: 15, PixelRepresentation: 0, SamplesPerPixel: 1, PhotometricInterpretation: 'MONOCHROME2',
      RescaleSlope: '0.25', RescaleIntercept: '-25', WindowCenter: '128', WindowWidth: '256', PixelSpacing: [0.9, 0.9], SliceThickness: 5,
      ImagePositionPatient: [-115, -115, 5 * k], ImageOrientationPatient: [1, 0, 0, 0, 1, 0], PixelData: [px.buffer], _vrMap: { PixelData: 'OW' },
    };
    const meta = { FileMetaInformationVersion: new Uint8Array([0, 1]).buffer, MediaStorageSOPClassUID: ds.SOPClassUID, MediaStorageSOPInstanceUID: sop, TransferSyntaxUID: '1.2.840.10008.1.2.1', ImplementationClassUID: '1.2.826.0.1.3680043.8.498.99' };
    const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
    dict.dict = DicomMetaDictionary.denaturalizeDataset(ds);
    return Buffer.from(dict.write());
  });
}

export function niftiVolume(slices, size) {
  const hdr = Buffer.alloc(352);
  hdr.writeInt32LE(348, 0);
  hdr.writeUInt8(3 << 4, 39);
  [3, size, size, slices.length, 1, 1, 1, 1].forEach((v, i) => hdr.writeInt16LE(v, 40 + 2 * i));
  hdr.writeInt16LE(4, 70);
  hdr.writeInt16LE(16, 72);
  [1, 0.9, 0.9, 5, 1, 1, 1, 1].forEach((v, i) => hdr.writeFloatLE(v, 76 + 4 * i));
  hdr.writeFloatLE(352, 108);
  hdr.writeFloatLE(1, 112);
  hdr.write('n+1\0', 344, 'latin1');
  const data = Buffer.alloc(size * size * slices.length * 2);
  slices.forEach((g, k) => {
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) data.writeInt16LE(g[(size - 1 - y) * size + x] * 4, 2 * (x + size * (y + size * k)));
  });
  return Buffer.concat([hdr, data]);
}

async function post(base, auth, files, tolerate = []) {
  const fd = new FormData();
  files.forEach((f, i) => fd.append('files', new Blob([f.bytes]), f.name ?? `f${i}`));
  const t0 = performance.now();
  const r = await fetch(`${base}/api/v1/studies`, { method: 'POST', body: fd, headers: { accept: 'application/json', ...auth } });
  const body = await r.json();
  const ms = performance.now() - t0;
  if (r.status !== 200 && !tolerate.includes(r.status)) throw new Error(`HTTP ${r.status}: ${JSON.stringify(body)}`);
  return { ms, body, status: r.status };
}

/** `clients` loops at once, each posting the form `runs` times: latencies and stage timings of the 200s, the others counted by status. */
async function measure(base, auth, files, clients, runs) {
  const ms = [];
  const stages = {};
  const refused = {};
  const messages = {};
  let last;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = 0; i < runs; i++) {
        // with several clients a full study limit answers 503 (STUDY_MAX_INFLIGHT_BYTES, the pixel budget): counted, not fatal
        const r = await post(base, auth, files, clients > 1 ? [503] : []);
        if (r.status !== 200) {
          const key = `${r.status} ${r.body.code ?? ''}`.trim();
          refused[key] = (refused[key] ?? 0) + 1;
          messages[key] ??= String(r.body.message ?? '');
          continue;
        }
        ms.push(r.ms);
        for (const [k, v] of Object.entries(r.body.timingsMs)) (stages[k] ??= []).push(v);
        last = r.body;
      }
    }),
  );
  return { ms, stages, refused, messages, last, wallMs: performance.now() - t0 };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  let modelsDir = path.resolve(ROOT, process.env.MODELS_DIR ?? 'models');
  let fake = false;
  if (!fs.existsSync(path.join(modelsDir, 'triage', 'model_card.json'))) {
    if (!args.allowFake) throw new Error(`no trained models in ${modelsDir} (use --allow-fake-models for a smoke run)`);
    modelsDir = path.join(ROOT, 'test', 'fixtures', 'fake-models');
    fake = true;
    console.log('NOTE: FAKE test models — the figures are not meaningful');
  }
  const size = 256;
  const grey = await brainSlices(args.slices, size);
  const dcm = dicomSeries(grey, size);
  const forms = {
    dicom_files: dcm.map((b, i) => ({ bytes: b, name: `IM${i}` })),
    dicom_zip: [{ bytes: Buffer.from(zipSync(Object.fromEntries(dcm.map((b, i) => [`IM${i}`, b])), { level: 6 })), name: 'series.zip' }],
    nifti_gz: [{ bytes: Buffer.from(gzipSync(niftiVolume(grey, size))), name: 'volume.nii.gz' }],
  };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-bench-study-'));
  const email = 'bench-admin@example.org';
  const password = `bench-${createHash('sha256').update(tmp).digest('hex').slice(0, 20)}`;
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    DATABASE_URL: `file:${path.join(tmp, 'bench.db')}`,
    MODELS_DIR: modelsDir,
    LOG_LEVEL: 'warn',
    SESSION_SECRET: createHash('sha256').update(`bench${tmp}`).digest('hex'),
    SEED_ADMIN_EMAIL: email,
    SEED_ADMIN_PASSWORD: password,
    SEED_ADMIN_PRINT: 'false',
    RATE_LIMIT_ANALYSES_PER_MINUTE: '1000000',
    RATE_LIMIT_REQUESTS_PER_MINUTE: '1000000',
  };
  const server = await startServer(env);
  const report = {
    when: new Date().toISOString(),
    machine: { cores: os.availableParallelism(), cpu: os.cpus()[0]?.model, node: process.version, loadAvgAtStart: os.loadavg() },
    models: fake ? 'FAKE test models' : path.relative(ROOT, modelsDir),
    study: { slices: args.slices, size, bytes: Object.fromEntries(Object.entries(forms).map(([k, v]) => [k, v.reduce((s, f) => s + f.bytes.length, 0)])) },
    runs: args.runs,
    clients: args.clients,
    results: {},
  };
  try {
    const auth = (await signIn(server.base, email, password)).headers;
    for (const [name, files] of Object.entries(forms)) {
      for (let i = 0; i < args.warmup; i++) await post(server.base, auth, files);
      const { ms, stages, refused, messages, last, wallMs } = await measure(server.base, auth, files, args.clients, args.runs);
      if (!last) throw new Error(`${name}: no study answered 200 (${JSON.stringify(refused)})`);
      report.results[name] = {
        answered: ms.length,
        refusedByStatus: refused,
        refusedMessages: messages,
        studiesPerSecond: round((1000 * ms.length) / wallMs, 2),
        medianMs: round(median(ms)),
        p90Ms: round(pct(ms, 90)),
        minMs: round(Math.min(...ms)),
        maxMs: round(Math.max(...ms)),
        serverStagesMedianMs: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, round(median(v))])),
        answer: { status: last.status, code: last.code, anatomy: last.anatomy, label: last.label, confidence: round(last.confidence, 3), usableSlices: last.study.aggregation?.usableSlices ?? null },
      };
      const r = report.results[name];
      console.log(`${name.padEnd(12)} ${args.clients} client(s) · ${r.answered} answered${Object.keys(refused).length ? ` · refused ${JSON.stringify(refused)}` : ''} · ${r.studiesPerSecond}/s · median ${r.medianMs} ms · p90 ${r.p90Ms} · min ${r.minMs} · max ${r.maxMs} · server ${JSON.stringify(r.serverStagesMedianMs)} · ${r.answer.status} ${r.answer.label ?? r.answer.code ?? ''}`);
    }
  } finally {
    server.child.kill('SIGTERM');
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const out = path.resolve(ROOT, args.out);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
  console.log(`report: ${path.relative(ROOT, out)}`);
}

// run as a script; imported (scripts/bench-study-burst.mjs) for its study builders only
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exit(1);
  });
}
