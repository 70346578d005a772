/**
 * Records every older build could have written, read by today's views. A deployment that has run
 * since the first release holds rows from each migration's era: columns added later are NULL
 * (thresholdsJson, the study columns, sliceGapsJson), JSON columns hold what older builds wrote
 * (model versions 2.x–4.0, older label sets, no timings), and some rows belong to deleted users
 * (userId NULL). Each is written as that build wrote it (only the columns it had) into a database
 * migrated by the committed migrations, then every view is asked for it, as its owner and as an
 * admin: the history list (each filter), the detail page, the API record, the PDF and the CSV.
 */
import request from 'supertest';
import { NO_ACCOUNT } from '../../src/presentation/history.view';
import { PrismaService } from '../../src/prisma/prisma.service';
import { binary, pdfFlatText } from '../helpers/pdf-text';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&nbsp;/g, ' ').replace(/\s+/g, ' ').trim();

/** Words that only a missing or malformed value prints. */
const BROKEN = /\bby \.|\bundefined\b|\bNaN\b|\bnull\b|\[object Object\]|Infinity|\bthe\s+%|MRI 0\.0 %|\(\s*\)/;

/** The columns of the first release (migration 20261128140000_init); later ones left NULL. */
interface InitRow {
  fileType?: string | null; byteSize?: number; width?: number | null; height?: number | null; status: string; stage: string | null; code: string | null;
  anatomy?: string | null; anatomyConfidence?: number | null; isMri?: boolean | null; mriConfidence?: number | null; task?: string | null;
  label?: string | null; confidence?: number | null; probabilitiesJson?: string | null; modelVersionsJson?: string | null; timingsJson?: string | null;
}
interface Later {
  thresholdsJson?: string | null; kind?: string | null; modality?: string | null; seriesDescription?: string | null;
  sliceCount?: number | null; usableSlices?: number | null; spacingJson?: string | null; sliceGapsJson?: string | null;
}
interface Vintage {
  name: string;
  row: InitRow & Later;
  /** deleted user: no owner can see it, only an admin */
  orphan?: boolean;
  /** what the detail page and the PDF must say (each) */
  says?: string[];
  /** what they must not say */
  never?: RegExp[];
}

const V2 = JSON.stringify({ triage: '2.1.0', brain_tumor: '3.0.0' });
const OLD_PROBS = JSON.stringify({ glioma_tumor: 0.71, meningioma_tumor: 0.12, no_tumor: 0.1, pituitary_tumor: 0.07 });
const PROBS = JSON.stringify({ glioma: 0.55, meningioma: 0.2, notumor: 0.15, pituitary: 0.1 });
/** A study recorded before sliceGapsJson had its positions checked (the live answer named its gaps): never "no slice positions were checked". */
const CLAIMS_UNCHECKED = /no slice positions were checked/;
const NOT_RECORDED = 'not recorded (analysed before thresholds were stored with each record)';
/** A label no loaded model gives (brain_tumor 2.x's `no_tumor`) is named as the history form names it, never as if current. */
const EARLIER = (words: string) => `${words} (earlier model)`;
/** "No tumor", "Glioma tumor"… of an earlier model, without its mark (in a title or in a sentence): read beside "No tumour", two spellings with no hint why */
const BARE_EARLIER = /\b(No|Glioma|Meningioma|Pituitary) tumor\b(?! \(earlier model\))/i;

const VINTAGES: Vintage[] = [
  // first release: no thresholds, no study columns
  { name: 'init completed, old label set, models 2.x/3.x', row: { status: 'completed', stage: 'diagnosis', code: null, anatomy: 'brain', anatomyConfidence: 0.97, isMri: true, mriConfidence: 0.99, task: 'brain_tumor', label: 'glioma_tumor', confidence: 0.71, probabilitiesJson: OLD_PROBS, modelVersionsJson: V2, timingsJson: JSON.stringify({ decode: 3, triage: 5, diagnosis: 9 }) }, says: [NOT_RECORDED, EARLIER('Glioma tumor')], never: [BARE_EARLIER] },
  { name: 'init low-confidence diagnosis', row: { status: 'inconclusive', stage: 'diagnosis', code: 'LOW_CONFIDENCE', anatomy: 'brain', anatomyConfidence: 0.9, isMri: true, mriConfidence: 0.98, task: 'brain_tumor', label: null, confidence: 0.55, probabilitiesJson: PROBS, modelVersionsJson: V2 }, says: [NOT_RECORDED, 'below the confidence threshold'] },
  // its reason named the finding "glioma tumor", unmarked, above a table of "Glioma tumor (earlier model)"
  { name: 'init low-confidence diagnosis, old label set', row: { status: 'inconclusive', stage: 'diagnosis', code: 'LOW_CONFIDENCE', anatomy: 'brain', anatomyConfidence: 0.9, isMri: true, mriConfidence: 0.98, task: 'brain_tumor', label: null, confidence: 0.52, probabilitiesJson: JSON.stringify({ glioma_tumor: 0.52, meningioma_tumor: 0.3, no_tumor: 0.1, pituitary_tumor: 0.08 }), modelVersionsJson: V2 }, says: ['most likely finding (glioma tumor (earlier model), '], never: [BARE_EARLIER] },
  { name: 'init low-confidence diagnosis without confidence or probabilities', row: { status: 'inconclusive', stage: 'diagnosis', code: 'LOW_CONFIDENCE', anatomy: 'brain', anatomyConfidence: 0.9, isMri: true, mriConfidence: 0.98, task: 'brain_tumor', modelVersionsJson: V2 } },
  { name: 'init unsure MRI', row: { status: 'rejected', stage: 'modality', code: 'LOW_CONFIDENCE', isMri: false, mriConfidence: 0.55, task: 'triage', probabilitiesJson: JSON.stringify({ brain: 0.55, not_mri: 0.45 }), modelVersionsJson: JSON.stringify({ triage: '2.0.0' }) }, says: ['below the confidence threshold'] },
  { name: 'init NOT_MRI without probabilities', row: { status: 'rejected', stage: 'modality', code: 'NOT_MRI', isMri: false, mriConfidence: 0.1, task: 'triage', modelVersionsJson: JSON.stringify({ triage: '2.0.0' }) } },
  { name: 'init unsure body part', row: { status: 'rejected', stage: 'anatomy', code: 'LOW_CONFIDENCE', anatomy: 'knee', anatomyConfidence: 0.41, isMri: true, mriConfidence: 0.95, task: 'triage', modelVersionsJson: JSON.stringify({ triage: '2.0.0' }) } },
  { name: 'init no validated model', row: { status: 'inconclusive', stage: 'anatomy', code: 'NO_VALIDATED_MODEL', anatomy: 'spine', anatomyConfidence: 0.88, isMri: true, mriConfidence: 0.97, task: 'triage', modelVersionsJson: JSON.stringify({ triage: '2.0.0' }) } },
  { name: 'init file refusal', row: { fileType: null, width: null, height: null, status: 'rejected', stage: 'file', code: 'UNSUPPORTED_TYPE', timingsJson: JSON.stringify({ total: 0.4 }) } },
  { name: 'init row of a deleted user', orphan: true, says: ['no longer on record'], row: { status: 'completed', stage: 'diagnosis', code: null, anatomy: 'brain', anatomyConfidence: 0.97, isMri: true, mriConfidence: 0.99, task: 'brain_tumor', label: 'meningioma', confidence: 0.8, probabilitiesJson: PROBS, modelVersionsJson: V2 } },
  { name: 'init completed with nothing but the answer', row: { status: 'completed', stage: 'diagnosis', code: null, anatomy: 'brain', task: 'brain_tumor', label: 'pituitary', confidence: 0.9 } },
  // studies before thresholds (20261128160000_studies)
  { name: 'study before thresholds', row: { fileType: 'dicom', status: 'completed', stage: 'diagnosis', code: null, anatomy: 'brain', anatomyConfidence: 0.9, isMri: true, mriConfidence: 0.97, task: 'brain_tumor', label: 'glioma', confidence: 0.8, probabilitiesJson: PROBS, modelVersionsJson: JSON.stringify({ triage: '4.0.0', brain_tumor: '4.0.0' }), kind: 'study', modality: 'MR', seriesDescription: 'T1 AX', sliceCount: 20, usableSlices: 18, spacingJson: JSON.stringify({ column: 0.9, row: 0.9, slice: null }) }, says: [NOT_RECORDED, 'not recorded (decided before the study rule was stored with each record)'], never: [CLAIMS_UNCHECKED] },
  { name: 'study refused from its CT header, before thresholds', row: { fileType: 'dicom', status: 'rejected', stage: 'modality', code: 'NOT_MRI', isMri: false, mriConfidence: null, modelVersionsJson: '{}', kind: 'study', modality: 'CT', sliceCount: 12 }, says: ['The DICOM header says this series is CT'] },
  { name: 'study insufficient slices, no slice count', row: { fileType: 'nifti', status: 'inconclusive', stage: 'diagnosis', code: 'INSUFFICIENT_SLICES', anatomy: 'brain', isMri: true, mriConfidence: 0.9, task: 'brain_tumor', modelVersionsJson: JSON.stringify({ triage: '4.0.0', brain_tumor: '4.0.0' }), kind: 'study' } },
  { name: 'study refused for its unsure slices, before thresholds', row: { fileType: 'dicom', status: 'rejected', stage: 'modality', code: 'LOW_CONFIDENCE', isMri: false, mriConfidence: 0.638, modelVersionsJson: JSON.stringify({ triage: '4.0.0' }), kind: 'study', modality: 'MR', sliceCount: 20 }, says: ['Most of its slices were not confidently MRI'], never: [/below the (\S+ %\s)?confidence threshold\)/] },
  { name: 'thresholds era, study refused for its unsure slices', row: { fileType: 'dicom', status: 'rejected', stage: 'modality', code: 'LOW_CONFIDENCE', isMri: false, mriConfidence: 0.638, modelVersionsJson: JSON.stringify({ triage: '4.0.0' }), thresholdsJson: JSON.stringify({ triage: 0.6 }), kind: 'study', modality: 'MR', sliceCount: 20 }, says: ['each was below the 60.0 % confidence threshold'], never: [/63\.8 %, below/] },
  // thresholds recorded (20261205180000), study rule not yet
  { name: 'thresholds era, unsure diagnosis at 0.7', row: { status: 'inconclusive', stage: 'diagnosis', code: 'LOW_CONFIDENCE', anatomy: 'brain', anatomyConfidence: 0.9, isMri: true, mriConfidence: 0.98, task: 'brain_tumor', confidence: 0.65, probabilitiesJson: JSON.stringify({ glioma: 0.65, meningioma: 0.2, notumor: 0.1, pituitary: 0.05 }), modelVersionsJson: JSON.stringify({ triage: '4.0.0', brain_tumor: '4.0.0' }), thresholdsJson: JSON.stringify({ triage: 0.8, brain_tumor: 0.7 }) }, says: ['below the 70.0 % confidence threshold'] },
  { name: 'thresholds era, study without rule', row: { fileType: 'dicom', status: 'inconclusive', stage: 'diagnosis', code: 'SLICE_DISAGREEMENT', anatomy: 'brain', anatomyConfidence: 0.9, isMri: true, mriConfidence: 0.97, task: 'brain_tumor', modelVersionsJson: JSON.stringify({ triage: '4.0.0', brain_tumor: '4.0.0' }), thresholdsJson: JSON.stringify({ triage: 0.6, brain_tumor: 0.6 }), kind: 'study', modality: 'MR', sliceCount: 20, usableSlices: 10, spacingJson: JSON.stringify({ column: 0.9, row: 0.9, slice: 5 }) }, says: ['not recorded (decided before the study rule was stored with each record)'] },
  { name: 'thresholds era, file refusal', row: { fileType: 'png', width: null, height: null, status: 'rejected', stage: 'file', code: 'CORRUPT_IMAGE', thresholdsJson: '{}' } },
  // study rule, no gaps yet (before 20261207120000)
  { name: 'rule era, study without gaps', row: { fileType: 'nifti', status: 'completed', stage: 'diagnosis', code: null, anatomy: 'brain', anatomyConfidence: 0.9, isMri: true, mriConfidence: 0.97, task: 'brain_tumor', label: 'notumor', confidence: 0.9, probabilitiesJson: PROBS, modelVersionsJson: JSON.stringify({ triage: '4.1.0', brain_tumor: '4.1.0' }), thresholdsJson: JSON.stringify({ triage: 0.6, brain_tumor: 0.6, 'study.agreement': 0.6, 'study.minUsableSlices': 3 }), kind: 'study', sliceCount: 30, usableSlices: 28, spacingJson: JSON.stringify({ column: 1, row: 1, slice: 1 }) }, says: ['60.0 % of the slices must agree'], never: [CLAIMS_UNCHECKED] },
  // brain_tumor 2.x's no_tumor: the list titled it "No tumor" beside current rows' "No tumour" (last: the date count below holds)
  { name: 'init completed, 2.x no_tumor', row: { status: 'completed', stage: 'diagnosis', code: null, anatomy: 'brain', anatomyConfidence: 0.97, isMri: true, mriConfidence: 0.99, task: 'brain_tumor', label: 'no_tumor', confidence: 0.8, probabilitiesJson: JSON.stringify({ no_tumor: 0.8, glioma_tumor: 0.1, meningioma_tumor: 0.06, pituitary_tumor: 0.04 }), modelVersionsJson: JSON.stringify({ triage: '2.0.0', brain_tumor: '2.0.0' }) }, says: [EARLIER('No tumor'), EARLIER('Glioma tumor')], never: [BARE_EARLIER] },
];

describe('history: records of every older build, in every view', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR }, sessions: { alice: {}, root: { role: 'admin' } } });
  const { alice, root } = h.sessions;
  const ids = new Map<string, string>();

  beforeAll(async () => {
    const prisma = h.get(PrismaService);
    let t = Date.parse('2026-11-29T10:00:00Z');
    for (const v of VINTAGES) {
      const r = v.row;
      // as the build of its era wrote it: only the columns it had, the later ones left NULL
      const cols: Record<string, unknown> = { id: crypto.randomUUID(), userId: v.orphan ? null : alice.user.id, createdAt: new Date((t += 3_600_000)), byteSize: 123_456, sha256: 'b'.repeat(64), fileType: 'png', width: 512, height: 512, ...r };
      const names = Object.keys(cols);
      await prisma.$executeRawUnsafe(
        `INSERT INTO "Analysis" (${names.map((n) => `"${n}"`).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`,
        // DateTime as the Prisma 7 SQLite adapter writes it (ISO text, since the first release); Boolean as 0/1
        ...names.map((n) => (cols[n] instanceof Date ? (cols[n] as Date).toISOString() : typeof cols[n] === 'boolean' ? Number(cols[n]) : cols[n])),
      );
      ids.set(v.name, cols.id as string);
    }
  });

  const server = () => h.server;

  it.each(VINTAGES.map((v) => [v.name, v] as const))('%s: detail, API record and PDF, as owner and admin', async (_name, v) => {
    const id = ids.get(v.name)!;
    const viewers = v.orphan ? [root] : [alice, root];
    for (const who of viewers) {
      const page = text((await request(server()).get(`/history/${id}`).set(who.headers).expect(200)).text);
      const api = (await request(server()).get(`/api/v1/history/${id}`).set(who.bearer).expect(200)).body as Record<string, unknown>;
      expect(api.id).toBe(id);
      const pdf = pdfFlatText((await request(server()).get(`/history/${id}/report.pdf`).set(who.headers).buffer(true).parse(binary).expect(200)).body as Buffer);
      for (const [where, s] of [['page', page], ['pdf', pdf]] as const) {
        expect({ where, broken: BROKEN.exec(s)?.[0] ?? null, around: BROKEN.exec(s) ? s.slice(Math.max(0, BROKEN.exec(s)!.index - 80), BROKEN.exec(s)!.index + 40) : null }).toEqual({ where, broken: null, around: null });
        for (const said of v.says ?? []) expect({ where, says: s.includes(said) ? said : s }).toEqual({ where, says: said });
        for (const never of v.never ?? []) expect(s).not.toMatch(never);
      }
    }
    if (v.orphan) await request(server()).get(`/history/${id}`).set(alice.headers).expect(404);
  });

  const FILTERS = ['', 'status=completed', 'status=inconclusive', 'status=rejected', 'bodyPart=brain', 'bodyPart=knee', 'label=glioma', 'label=glioma_tumor', 'label=meningioma', 'from=2026-11-29&to=2026-11-30'];

  it.each(FILTERS)('list, summary and CSV with "%s": answered, no broken figure', async (f) => {
    for (const who of [alice, root]) {
      const html = (await request(server()).get(`/history?${f}&pageSize=100`).set(who.headers).expect(200)).text;
      const body = text(html.replace(/<script[\s\S]*?<\/script>/g, ''));
      expect(BROKEN.exec(body)?.[0] ?? null).toBeNull();
      // the admin's User cell of a row whose account is gone: said, not left blank
      if (who === root && (f === '' || f === 'label=meningioma')) expect(html).toContain(`<td role="cell" data-label="User">${NO_ACCOUNT}</td>`);
      await request(server()).get(`/api/v1/history?${f}&pageSize=100`).set(who.bearer).expect(200);
      await request(server()).get(`/api/v1/history/summary?${f}`).set(who.bearer).expect(200);
    }
    const csv = (await request(server()).get(`/api/v1/history/export.csv?${f}`).set(root.bearer).expect(200)).text;
    expect(csv).not.toMatch(/undefined|NaN|\[object Object\]/);
  });

  it('list and summary name an earlier model\'s label as the filter form does; a current one unmarked', async () => {
    for (const who of [alice, root]) {
      const html = (await request(server()).get('/history?pageSize=100').set(who.headers).expect(200)).text;
      const titles = [...html.matchAll(/<strong>([^<]*)<\/strong>/g)].map((m) => m[1]);
      expect(titles).toEqual(expect.arrayContaining([EARLIER('No tumor'), EARLIER('Glioma tumor'), 'No tumour', 'Glioma']));
      const summary = [...html.matchAll(/<li><span>([^<]*)<\/span><span>\d+<\/span><\/li>/g)].map((m) => m[1]);
      expect(summary).toEqual(expect.arrayContaining([EARLIER('No tumor'), EARLIER('Glioma tumor'), 'No tumour']));
      // the form's option for the same key, word for word
      expect(html).toMatch(new RegExp(`<option value="no_tumor"[^>]*>${EARLIER('No tumor').replace(/[()]/g, '\\$&')}</option>`));
      expect(text(html.replace(/<script[\s\S]*?<\/script>/g, ''))).not.toMatch(BARE_EARLIER);
    }
  });

  it('the detail page offers a model card as the card of the recorded version only: an earlier version\'s says which version the card describes', async () => {
    const id = ids.get('init completed, old label set, models 2.x/3.x')!;
    const page = text((await request(server()).get(`/history/${id}`).set(alice.headers).expect(200)).text);
    // it read "brain tumour model 3.0.0 · model card", a link to the loaded (another version's) card
    expect(page).toMatch(/brain tumour model 3\.0\.0 · not the version loaded now \(\s*model card of the brain tumour model of version 0\.0\.0-fake\)/);
    expect(page).toMatch(/triage model 2\.1\.0 · not the version loaded now \(\s*model card of the triage model of version 0\.0\.0-fake\)/);
  });

  it('the whole list holds every vintage for the admin, the owner\'s for the owner', async () => {
    const all = (await request(server()).get('/api/v1/history?pageSize=100').set(root.bearer).expect(200)).body as { total: number };
    const own = (await request(server()).get('/api/v1/history?pageSize=100').set(alice.bearer).expect(200)).body as { total: number };
    expect(all.total).toBe(VINTAGES.length + 0);
    expect(own.total).toBe(VINTAGES.filter((v) => !v.orphan).length);
    const csv = (await request(server()).get('/api/v1/history/export.csv').set(root.bearer).expect(200)).text;
    expect(csv.trim().split('\r\n')).toHaveLength(VINTAGES.length + 1);
    // the dates as written read back: the rows from 30 Nov 00:00 UTC on (one an hour from 29 Nov 11:00)
    const day = (await request(server()).get('/api/v1/history?from=2026-11-30&to=2026-11-30').set(root.bearer).expect(200)).body as { total: number };
    expect(day.total).toBe(VINTAGES.length - 13); // the first 13 fall on 29 Nov
  });
});
