#!/usr/bin/env node
// Seeds a scratch SQLite database (or an empty PostgreSQL one) with a year of a lab's history,
// through the app's own migrations, password hashing and record → row mapping (dist/, so
// `npm run build` first):
//
//   node scripts/seed-history.mjs --db /tmp/hist/sentinel.db [--rows 200000] [--users 30] [--days 400]
//   node scripts/seed-history.mjs --pg postgresql://postgres@127.0.0.1:5432/sentinel [--rows …]
//
// Every status / stage / code / body part / label / file type / kind (image, study) occurs;
// rows are spread over `days` days before now, users drawn with a skew (a few heavy users).
// Users: admin0@lab.example (admin) and user1..N-1@lab.example, all with password SEED_PASSWORD.
// Deterministic (seeded PRNG), so figures taken on two seeded files compare.
import { createHash, randomUUID } from 'node:crypto';
import { args, DB, fromDist, migrate, PG, prismaClient } from './history-lib.mjs';

const { hashPassword } = fromDist('accounts/password.js');
const { toRow } = fromDist('repositories/analysis.repository.js');

const ROWS = Number(args.rows ?? 200_000);
const USERS = Number(args.users ?? 30);
const DAYS = Number(args.days ?? 400);
export const SEED_PASSWORD = 'history at scale 2026';

let s = 0x9e3779b9;
const rnd = () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
const pick = (a) => a[Math.floor(rnd() * a.length)];
const round = (x) => Math.round(x * 1000) / 1000;

const VERSIONS = { triage: '4.4.0', brain_tumor: '4.1.0' };
const LABELS = ['glioma', 'meningioma', 'notumor', 'pituitary'];
const ANATOMIES = ['brain', 'knee', 'spine', 'other_mri'];

/** One plausible record of each outcome the pipeline produces, chosen by weight. */
function record(userId) {
  const timings = { decode: round(2 + rnd() * 6), triage: round(4 + rnd() * 6) };
  const base = {
    userId, fileType: pick(['jpeg', 'png']), byteSize: 20_000 + Math.floor(rnd() * 2_000_000),
    width: 256 + Math.floor(rnd() * 768), height: 256 + Math.floor(rnd() * 768),
    sha256: createHash('sha256').update(String(rnd())).digest('hex'),
    anatomy: null, anatomyConfidence: null, isMri: null, mriConfidence: null, task: null, label: null,
    confidence: null, probabilities: null, modelVersions: {}, timingsMs: timings, thresholds: {},
  };
  const r = rnd();
  if (r < 0.05) {
    const code = pick(['UNSUPPORTED_TYPE', 'FILE_TOO_LARGE', 'CORRUPT_IMAGE', 'RESOLUTION_OUT_OF_RANGE']);
    return { ...base, fileType: code === 'UNSUPPORTED_TYPE' ? null : base.fileType, status: 'rejected', stage: 'file', code, modelVersions: null, timingsMs: { total: round(rnd()) }, width: null, height: null };
  }
  const triaged = { ...base, isMri: true, mriConfidence: round(0.8 + rnd() * 0.2), modelVersions: { triage: VERSIONS.triage }, thresholds: { triage: 0.8 }, task: 'triage' };
  if (r < 0.15) return { ...triaged, status: 'rejected', stage: 'modality', code: 'NOT_MRI', isMri: false, mriConfidence: round(rnd() * 0.3), probabilities: { not_mri: 0.9, brain: 0.1 } };
  const anatomy = pick(ANATOMIES);
  const atri = { ...triaged, anatomy, anatomyConfidence: round(0.5 + rnd() * 0.5) };
  if (r < 0.2) return { ...atri, status: 'rejected', stage: 'anatomy', code: 'UNSUPPORTED_BODY_PART', anatomy: 'other_mri' };
  if (r < 0.25) return { ...atri, status: 'inconclusive', stage: 'anatomy', code: 'LOW_CONFIDENCE', anatomyConfidence: round(0.3 + rnd() * 0.4) };
  if (anatomy !== 'brain') return { ...atri, status: 'inconclusive', stage: 'anatomy', code: 'NO_VALIDATED_MODEL' };
  const probs = Object.fromEntries(LABELS.map((l) => [l, round(rnd())]));
  const label = pick(LABELS);
  const diag = {
    ...atri, task: 'brain_tumor', probabilities: probs, modelVersions: VERSIONS, thresholds: { triage: 0.8, brain_tumor: 0.6 },
    timingsMs: { ...timings, diagnosis: round(8 + rnd() * 8), heatmap: round(3 + rnd() * 3), total: round(20 + rnd() * 20) },
  };
  if (r < 0.35) return { ...diag, status: 'inconclusive', stage: 'diagnosis', code: 'LOW_CONFIDENCE', confidence: round(0.3 + rnd() * 0.3) };
  return { ...diag, status: 'completed', stage: 'diagnosis', code: null, label, confidence: round(0.6 + rnd() * 0.4) };
}

/** About one record in 12 is a study (DICOM series or NIfTI volume), with its own columns. */
function study(rec) {
  const slices = 8 + Math.floor(rnd() * 40);
  const code = rec.status === 'completed' ? null : pick(['SLICE_DISAGREEMENT', 'INSUFFICIENT_SLICES', rec.code]);
  return [
    { ...rec, fileType: pick(['dicom', 'nifti']), code, timingsMs: Object.fromEntries(Object.entries(rec.timingsMs ?? {}).map(([k, v]) => [k, round(v * slices)])) },
    {
      modality: pick(['MR', 'MR', 'CT', null]), seriesDescription: pick(['T1 AX', 'T2 FLAIR', 'DWI', null]),
      sliceCount: slices, usableSlices: Math.floor(slices * rnd()), spacing: { column: 0.9, row: 0.9, slice: 5 },
      rule: rec.status === 'rejected' && rec.stage === 'file' ? null : { agreement: 0.6, minUsableSlices: 3 },
    },
  ];
}

async function main() {
  const t0 = Date.now();
  await migrate();
  const db = prismaClient();
  const hash = await hashPassword(SEED_PASSWORD);
  const users = [];
  for (let i = 0; i < USERS; i++) {
    const id = randomUUID();
    users.push(id);
    await db.user.create({ data: { id, email: `${i === 0 ? 'admin' : 'user'}${i}@lab.example`, passwordHash: hash, role: i === 0 ? 'admin' : 'user' } });
  }
  const now = Date.now();
  const BATCH = 2000;
  for (let done = 0; done < ROWS; done += BATCH) {
    const data = [];
    for (let j = 0; j < Math.min(BATCH, ROWS - done); j++) {
      // rnd()^2: user 0..3 do most of the work, as in a lab with a few heavy users
      const uid = users[Math.floor(rnd() ** 2 * USERS)];
      const rec = record(rnd() < 0.01 ? null : uid); // a few rows of deleted users (userId SET NULL)
      const row = rnd() < 1 / 12 ? toRow(...study(rec)) : toRow(rec);
      if (rnd() < 0.02) row.thresholdsJson = null; // rows older than the thresholds column
      data.push({ ...row, createdAt: new Date(now - Math.floor(rnd() * DAYS * 86_400_000)) });
    }
    await db.analysis.createMany({ data });
  }
  await db.$disconnect();
  console.log(JSON.stringify({ db: PG ? PG.replace(/:[^:@/]*@/, ':***@') : DB, rows: ROWS, users: USERS, days: DAYS, seconds: (Date.now() - t0) / 1000 }));
}

await main();
