/**
 * An operator's upgrade: a database that an early build left (migrated only up to
 * 20261128160000_studies, its rows written as that build wrote them) is opened by today's app.
 * The start-up migrates it and records each migration once, a second start changes nothing, and
 * the rows read as what they were. history-vintages.e2e.spec.ts reads every era's row shape from a
 * database made by today's migrations; this one goes through the upgrade itself.
 *
 * The builds between 0f0a32c (history) and 0780f59 (the study columns) recorded a study through
 * the single-image recorder: fileType dicom | nifti, slice width × height, kind NULL (there was no
 * such column), and from b946fdf a study refused at its file checks as fileType NULL with its code.
 * An image is only ever jpeg | png, and some codes only a study gives, so those rows are studies.
 */
import { NestExpressApplication } from '@nestjs/platform-express';
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';
import { parseCsv } from '../../src/common/csv';
import { applyMigrations, readMigrations } from '../../src/prisma/migrator';
import { MIGRATIONS_DIR } from '../../src/prisma/database';
import { loginAs, TestSession } from '../helpers/auth';
import { binary, pdfFlatText } from '../helpers/pdf-text';
import { FAKE_MODELS_DIR, startApp, tempDir, testConfig } from '../support/app';

const EARLY = '20261128160000_studies';
const text = (html: string) => html.replace(/<script[\s\S]*?<\/script>/g, '').replace(/<[^>]+>/g, ' ').replace(/&nbsp;/g, ' ').replace(/\s+/g, ' ').trim();

/** Rows as the build of 28 Nov (before the study columns were written) stored them; createdAt as the adapter writes it. */
const OLD_ROWS = {
  dicomStudy: { fileType: 'dicom', width: 256, height: 256, status: 'inconclusive', stage: 'diagnosis', code: 'SLICE_DISAGREEMENT', anatomy: 'brain', anatomyConfidence: 0.9, isMri: 1, mriConfidence: 0.96, task: 'brain_tumor', confidence: 0.5, probabilitiesJson: JSON.stringify({ glioma: 0.5, meningioma: 0.3, notumor: 0.1, pituitary: 0.1 }), modelVersionsJson: JSON.stringify({ triage: '2.1.0', brain_tumor: '3.0.0' }), timingsJson: JSON.stringify({ load: 900, total: 4000 }) },
  niftiStudy: { fileType: 'nifti', width: 256, height: 256, status: 'inconclusive', stage: 'diagnosis', code: 'INSUFFICIENT_SLICES', anatomy: 'brain', isMri: 1, mriConfidence: 0.9, task: 'brain_tumor', modelVersionsJson: JSON.stringify({ triage: '2.1.0', brain_tumor: '3.0.0' }) },
  // refused at its file checks (b946fdf..0780f59): no format, a code only a study gives
  refusedStudy: { fileType: null, width: null, height: null, status: 'rejected', stage: 'file', code: 'MIXED_SERIES' },
  image: { fileType: 'png', width: 512, height: 512, status: 'completed', stage: 'diagnosis', anatomy: 'brain', anatomyConfidence: 0.97, isMri: 1, mriConfidence: 0.99, task: 'brain_tumor', label: 'glioma', confidence: 0.9, probabilitiesJson: JSON.stringify({ glioma: 0.9, meningioma: 0.05, notumor: 0.03, pituitary: 0.02 }), modelVersionsJson: JSON.stringify({ triage: '2.1.0', brain_tumor: '3.0.0' }), timingsJson: JSON.stringify({ decode: 3, triage: 5, diagnosis: 9, total: 20 }) },
} as const;
type OldRow = keyof typeof OLD_ROWS;

/** The database an early build left: its migrations only, one user, the rows above. */
function earlyDatabase(): { file: string; ids: Record<OldRow, string> } {
  const dir = tempDir('sentinel-upgrade-');
  const early = path.join(dir, 'migrations');
  for (const m of readMigrations(MIGRATIONS_DIR).filter((m) => m.name <= EARLY)) {
    fs.mkdirSync(path.join(early, m.name), { recursive: true });
    fs.writeFileSync(path.join(early, m.name, 'migration.sql'), m.sql);
  }
  const file = path.join(dir, 'old.db');
  applyMigrations(file, early);
  const db = new Database(file);
  const userId = randomUUID();
  db.prepare('INSERT INTO "User" (id, email, passwordHash, createdAt) VALUES (?, ?, ?, ?)').run(userId, 'early@example.test', 'scrypt$16384$8$5$c2FsdA==$aGFzaA==', '2026-11-28T14:00:00.000Z');
  const ids = {} as Record<OldRow, string>;
  let t = Date.parse('2026-11-28T14:10:00Z');
  for (const [name, row] of Object.entries(OLD_ROWS) as [OldRow, Record<string, unknown>][]) {
    const cols: Record<string, unknown> = { id: randomUUID(), userId, createdAt: new Date((t += 60_000)).toISOString(), byteSize: 2_000_000, sha256: randomUUID().replace(/-/g, '').padEnd(64, '0'), ...row };
    const names = Object.keys(cols);
    db.prepare(`INSERT INTO "Analysis" (${names.map((n) => `"${n}"`).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`).run(...names.map((n) => cols[n]));
    ids[name] = cols.id as string;
  }
  db.close();
  return { file, ids };
}

const migrationRows = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT id, checksum, migration_name, finished_at, started_at, applied_steps_count, logs, rolled_back_at FROM "_prisma_migrations" ORDER BY migration_name').all() as { migration_name: string; checksum: string; finished_at: number | null; applied_steps_count: number; logs: string | null; rolled_back_at: number | null }[];
  } finally {
    db.close();
  }
};

describe('upgrade: a database an early build left, opened by today\'s app', () => {
  const { file, ids } = earlyDatabase();
  const config = testConfig({ MODELS_DIR: FAKE_MODELS_DIR, DATABASE_URL: `file:${file}` });
  let app: NestExpressApplication;
  let root: TestSession;
  const server = () => app.getHttpServer();

  beforeAll(async () => {
    app = await startApp(config);
    root = await loginAs(app, { role: 'admin' });
  });
  afterAll(async () => app.close());

  it('applies the later migrations once each, recorded as Prisma does; a second start applies nothing', async () => {
    const committed = readMigrations(MIGRATIONS_DIR);
    const after = migrationRows(file);
    expect(after.map((r) => [r.migration_name, r.checksum])).toEqual(committed.map((m) => [m.name, m.checksum]));
    for (const r of after) expect(r).toMatchObject({ applied_steps_count: 1, logs: null, rolled_back_at: null, finished_at: expect.any(Number) });
    await app.close();
    app = await startApp(config);
    root = await loginAs(app, { role: 'admin' });
    expect(migrationRows(file)).toEqual(after);
  });

  // what the page's and the PDF's File line say of each
  it.each([
    ['dicomStudy', 'File DICOM series', 'File: DICOM series'],
    ['niftiStudy', 'File NIfTI volume', 'File: NIfTI volume'],
    ['refusedStudy', 'File Study Series', 'File: Study'],
  ] as const)('a %s recorded before the study columns is a study in every view', async (name, onPage, inPdf) => {
    const id = ids[name];
    const api = (await request(server()).get(`/api/v1/history/${id}`).set(root.bearer).expect(200)).body as { study: unknown };
    expect(api.study).not.toBeNull();
    const page = text((await request(server()).get(`/history/${id}`).set(root.headers).expect(200)).text);
    expect(page).toContain(onPage);
    expect(page).toContain('Study rule not recorded');
    // the columns it has no value in say so as the others do, never a bare "—" that reads as "none"
    expect(page).toContain('Series not recorded (analysed before');
    expect(page).toContain('Spacing not recorded (analysed before');
    expect(page).not.toMatch(/\b(Series|Spacing) — /);
    expect(page).not.toMatch(/\b(DICOM|NIFTI|Unrecognised file) · /);
    const pdf = pdfFlatText((await request(server()).get(`/history/${id}/report.pdf`).set(root.headers).buffer(true).parse(binary).expect(200)).body as Buffer);
    expect(pdf).toContain(inPdf);
    expect(pdf).toContain('Series description: not recorded (analysed before');
    expect(pdf).toContain('Spacing: not recorded (analysed before');
    const list = text((await request(server()).get('/history?pageSize=100').set(root.headers).expect(200)).text);
    expect(list).not.toMatch(/\b(DICOM|NIFTI) · \d|Unrecognised file · /);
  });

  it('the CSV names each row\'s kind, and the summary never pools a study\'s timings with the images\'', async () => {
    const csv = parseCsv((await request(server()).get('/api/v1/history/export.csv').set(root.bearer).expect(200)).text);
    const kinds = Object.fromEntries(csv.map((r) => [r.id, r.kind]));
    expect(kinds).toEqual({ [ids.dicomStudy]: 'study', [ids.niftiStudy]: 'study', [ids.refusedStudy]: 'study', [ids.image]: 'image' });
    const summary = (await request(server()).get('/api/v1/history/summary').set(root.bearer).expect(200)).body as { medianTimingsByKind: Record<'image' | 'study', { analyses: number; medianMs: Record<string, number> }> };
    expect(summary.medianTimingsByKind).toEqual({
      image: { analyses: 1, medianMs: { decode: 3, triage: 5, diagnosis: 9, total: 20 } },
      study: { analyses: 1, medianMs: { load: 900, total: 4000 } },
    });
  });
});
