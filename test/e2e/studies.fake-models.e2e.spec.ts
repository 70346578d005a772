import { NestExpressApplication } from '@nestjs/platform-express';
import * as fs from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';
import sharp from 'sharp';
import { AnalysisService } from '../../src/classifier/analysis.service';
import { ModelRegistry } from '../../src/inference/model-registry.service';
import { PrismaService } from '../../src/prisma/prisma.service';
import { StudyService } from '../../src/studies/study.service';
import type { TestSession } from '../helpers/auth';
import { CapturingLogger, startLoggedApp } from '../helpers/capturing-logger';
import { binary, pdfText } from '../helpers/pdf-text';
import { FAKE_MODELS_DIR } from '../support/app';
import { cardCaveat } from '../support/cards';
import { asDicom, asNifti, expectedRanks, foundRanks } from '../support/orientation-phantom';
import { SERIES } from '../support/study-e2e';
import { sideFiles } from '../support/side-files';
import { dicomSeries, dicomSlice, MARKER, nifti1, storedValues, syntheticSlice, zip } from '../support/study-fixtures';
import { encodeHtj2k, encodeJ2k, encodeJpegLs } from '../support/wasm-encoders';
import { encodeDctJpeg, JPEG_EXTENDED } from '../support/jpeg-dct-fixtures';
import { JPEG_BASELINE } from '../support/jpeg-dicom-fixtures';
import { codecThread } from '../../src/studies/codec-thread';

/**
 * The real app on the deterministic fake models (class = mean brightness): bright slices are
 * "brain" and "glioma". Every response, log line and database file is searched for the
 * patient-name marker written into every DICOM fixture.
 */
describe('POST /api/v1/studies on fake models', () => {
  let app: NestExpressApplication;
  let user: TestSession;
  let dbDir: string;
  const logs = new CapturingLogger();
  const bodies: string[] = [];
  const post = async (files: Buffer[], names?: string[], status = 200) => {
    let r = request(app.getHttpServer()).post('/api/v1/studies').set(user.bearer);
    files.forEach((f, i) => (r = r.attach('files', f, names?.[i] ?? `f${i}.dcm`)));
    const res = await r;
    bodies.push(res.text);
    expect({ status: res.status, body: res.status === status ? null : res.body }).toEqual({ status, body: null });
    return res;
  };

  beforeAll(async () => {
    // more studies than the default 20 a minute: each compressed series is compared with the native one
    ({ app, user, dbDir } = await startLoggedApp(logs, { RATE_LIMIT_ANALYSES_PER_MINUTE: '60' }));
  });
  afterAll(async () => {
    await app.close();
    codecThread.end();
  });

  it('a brain MR series → completed with a label, one result per slice, single-analysis field names', async () => {
    const files = dicomSeries(SERIES);
    const res = await post([files[5], files[2], files[7], files[0], files[1], files[3], files[6], files[4]]);
    const r = res.body;
    expect(r).toMatchObject({ status: 'completed', stage: 'diagnosis', code: null, isMri: true, anatomy: 'brain', task: 'brain_tumor', label: 'glioma' });
    for (const k of ['status', 'stage', 'code', 'message', 'isMri', 'mriConfidence', 'anatomy', 'anatomyConfidence', 'task', 'label', 'confidence', 'probabilities', 'explanation', 'modelVersions', 'timingsMs', 'disclaimer', 'experimental', 'caveat', 'refusal']) {
      expect(r).toHaveProperty(k);
    }
    expect(r.experimental).toBe(true); // the answering (fake) brain card is marked experimental
    expect(r.caveat).toBe(cardCaveat(FAKE_MODELS_DIR, 'brain_tumor', 'glioma')); // and its caveat for the study's label
    expect(r.slices[0]).not.toHaveProperty('experimental'); // the study speaks for the model
    expect(r.slices[0]).not.toHaveProperty('caveat');
    expect(r.slices).toHaveLength(8);
    expect(r.slices.map((s: { position: number }) => s.position)).toEqual([0, 5, 10, 15, 20, 25, 30, 35]);
    for (const s of r.slices) {
      expect(s).toMatchObject({ status: 'completed', anatomy: 'brain', label: 'glioma', usedForStudy: true });
      expect(s.thumbnailPng).toMatch(/^data:image\/png;base64,/);
    }
    expect(r.explanation.heatmap).toMatch(/^data:image\/jpeg;base64,/);
    expect(r.explanation.slices.length).toBeGreaterThan(0);
    // each slice map says whether a region stands out (camFocus), the same on the slice itself
    for (const m of r.explanation.slices as { index: number; focus: string }[]) {
      expect(['region', 'none']).toContain(m.focus);
      expect(r.slices[m.index].heatmapFocus).toBe(m.focus);
    }
    expect(r.explanation.focus).toBe(r.explanation.slices[0].focus);
    expect(r.slices.filter((s: { heatmapFocus: string | null }) => s.heatmapFocus !== null)).toHaveLength(r.explanation.slices.length);
    expect(r.study).toMatchObject({ format: 'dicom', modality: 'MR', seriesDescription: 'AX T1 POST', sliceCount: 8, width: 128, height: 128, ordering: 'position' });
    expect(r.study.aggregation.usableSlices).toBe(8);
    expect(r.timingsMs).toEqual(expect.objectContaining({ decode: expect.any(Number), slices: expect.any(Number), total: expect.any(Number) }));
  });

  it('slices missing from the series: the answer says where and how many (a lesion there is never seen)', async () => {
    // slices 5 and 6 (20 and 25 mm) left out of the upload: the answer read as if the whole series had been looked at
    const files = dicomSeries(SERIES).filter((_, i) => i !== 4 && i !== 5);
    const r = (await post(files)).body;
    expect(r).toMatchObject({ status: 'completed', label: 'glioma' });
    expect(r.study.gaps).toEqual([{ afterSlice: 4, distanceMm: 15, missingSlices: 2 }]);
    expect(r.message).toMatch(/About 2 slices are missing from this series: between slices 4 and 5 \(15 mm apart\); the series' spacing is 5 mm\. Nothing there was looked at/);
    // the whole series: no gap, no note
    const whole = (await post(dicomSeries(SERIES))).body;
    expect(whole.study.gaps).toEqual([]);
    expect(whole.message).not.toMatch(/missing/);
    expect(whole.message).not.toMatch(/unevenly/);
    // no slice missing, but one step half the spacing (…, 25, 30, 32.5 mm): before, nothing said so
    const uneven = (await post(SERIES.map((s, k) => dicomSlice(s, { z: k < 7 ? 5 * k : 32.5, instanceNumber: k + 1 })))).body;
    expect(uneven.study.gaps).toEqual([]);
    expect(uneven.message).toMatch(/The slices are unevenly spaced: between slices 7 and 8 \(2\.5 mm apart\); the series' spacing is 5 mm\./);
  });

  it('Modality = CT → rejected NOT_MRI with the modality, before any model runs', async () => {
    const run = jest.spyOn(app.get(ModelRegistry), 'runImage');
    const res = await post(dicomSeries(SERIES.slice(0, 3), { modality: 'CT' }));
    expect(res.body).toMatchObject({ status: 'rejected', stage: 'modality', code: 'NOT_MRI', isMri: false, slices: [], modelVersions: {} });
    expect(res.body.message).toContain('CT');
    expect(res.body.study.modality).toBe('CT');
    expect(run).not.toHaveBeenCalled();
    run.mockRestore();
  });

  it('an MR series whose Body Part Examined is BREAST → rejected UNSUPPORTED_BODY_PART from the header, no model run, the term not kept', async () => {
    const run = jest.spyOn(app.get(ModelRegistry), 'runImage');
    const res = await post(dicomSeries(SERIES.slice(0, 3), { bodyPart: 'BREAST' }));
    expect(res.body).toMatchObject({ status: 'rejected', stage: 'anatomy', code: 'UNSUPPORTED_BODY_PART', isMri: true, slices: [], modelVersions: {}, caveat: null });
    expect(res.body.message).toMatch(/BREAST \(Body Part Examined\), a part the service does not analyse/);
    // what is diagnosed and what only recognised, from the loaded cards ("analyses brain, knee and spine" promised a knee diagnosis)
    expect(res.body.message).toContain('It diagnoses brain MRI; knee and spine MRI are only recognised (no validated diagnosis model yet).');
    expect(JSON.stringify(res.body.study)).not.toContain('BREAST');
    expect(run).not.toHaveBeenCalled();
    // the same series with a supported part named is analysed as usual
    const knee = await post(dicomSeries(SERIES.slice(0, 3), { bodyPart: 'KNEE' }));
    expect(knee.body.slices).toHaveLength(3);
    expect(run).toHaveBeenCalled();
    run.mockRestore();
  });

  it('files from two series → 422 MIXED_SERIES, no model run', async () => {
    const run = jest.spyOn(app.get(ModelRegistry), 'runImage');
    const a = dicomSeries(SERIES.slice(0, 2), { seriesUid: '1.2.3.4.1', seriesNumber: 7 });
    // the patient's name typed into a description: cut out of the message (every body is searched for MARKER below)
    const b = dicomSeries(SERIES.slice(2, 5), { seriesUid: '1.2.3.4.2', seriesDescription: `COR PD ${MARKER}` });
    const res = await post([...a, ...b], undefined, 422);
    // each series named, so the user can tell which files to keep
    expect(res.body).toEqual({
      statusCode: 422,
      code: 'MIXED_SERIES',
      message: 'The files belong to 2 series: series 7 "AX T1 POST" (MR, axial, 2 files); "COR PD" (MR, axial, 3 files). Upload one series at a time — the files of the one you want.',
    });
    expect(run).not.toHaveBeenCalled();
    run.mockRestore();
  });

  it('a corrupt file inside a ZIP → 422, and the next study and the app are fine', async () => {
    const files = dicomSeries(SERIES.slice(0, 4));
    const bad = Buffer.from(files[2]);
    bad.fill(0x41, 132, 600);
    const res = await post([zip({ [`${MARKER}/IM1`]: files[0], [`${MARKER}/IM2`]: files[1], [`${MARKER}/IM3`]: bad, [`${MARKER}/IM4`]: files[3] })], ['series.zip'], 422);
    expect(res.body.code).toBe('CORRUPT_IMAGE');
    expect(res.body.message).toMatch(/entry \d+ of the archive/);
    const ok = await post([zip({ [`${MARKER}/IM1`]: files[0], [`${MARKER}/IM2`]: files[1], [`${MARKER}/IM4`]: files[3] })], ['series.zip']);
    expect(ok.body.status).toBe('completed');
    await request(app.getHttpServer()).get('/healthz').expect(200);
  });

  it('a ZIP as a patient CD holds it (series + DICOMDIR, README, viewer, thumbnail) → analysed, the 5 side files skipped and named (the patient name cut from them); side files alone → 415 saying so', async () => {
    const series = Object.fromEntries(dicomSeries(SERIES.slice(0, 3)).map((b, i) => [`${MARKER}^JANE/IMAGES/IM${i}`, new Uint8Array(b)]));
    // a side file named after the patient: the header's name is cut from it (the marker is searched for in every answer below)
    const letter = { [`${MARKER}_JANE.pdf`]: new TextEncoder().encode('%PDF-1.4\n') };
    const res = await post([zip({ ...sideFiles(), ...letter, ...series })], ['cd.zip']);
    expect(res.body).toMatchObject({ status: 'completed', study: { sliceCount: 3, skipped: { count: 5, names: ['DICOMDIR', 'README.TXT', 'VIEWER.EXE', 'thumb.jpg', '#_#.pdf'] } } });
    expect(res.body.slices).toHaveLength(3);
    expect(logs.lines.some((l) => l.includes('study dicom: 3 slices (5 other files skipped)'))).toBe(true); // a count, never a name
    const alone = await post([zip(sideFiles())], ['cd.zip'], 415);
    expect(alone.body).toEqual({ statusCode: 415, code: 'UNSUPPORTED_TYPE', message: expect.stringContaining("No image was found in the upload: it holds 4 other files (DICOMDIR, README.TXT, VIEWER.EXE, thumb.jpg), among them a DICOMDIR, the export's index") });
  });

  it('the series as JPEG Lossless SV1 (a PACS CD export) → the same answer, slice results and thumbnails as uncompressed', async () => {
    const [native, jpeg] = await Promise.all([post(dicomSeries(SERIES)), post(dicomSeries(SERIES, { jpegLossless: true }))]);
    expect(jpeg.body.study.transferSyntax).toBe('1.2.840.10008.1.2.4.70');
    // everything but timings, the record's id and the transfer syntax itself
    const answer = (r: request.Response) => JSON.parse(JSON.stringify(r.body, (k, v: unknown) => (['timingsMs', 'analysisId', 'transferSyntax'].includes(k) ? null : v)));
    expect(answer(jpeg)).toEqual(answer(native));
    expect(jpeg.body).toMatchObject({ status: 'completed', label: 'glioma' });
  });

  it.each([
    ['JPEG-LS', '1.2.840.10008.1.2.4.80', encodeJpegLs],
    ['JPEG 2000', '1.2.840.10008.1.2.4.90', encodeJ2k],
    ['HTJ2K', '1.2.840.10008.1.2.4.201', encodeHtj2k],
  ] as const)('the series as %s lossless → the same answer, slice results and thumbnails as uncompressed', async (_, ts, encode) => {
    const compressed = await Promise.all(
      SERIES.map(async (s, i) => dicomSlice(s, { z: i * 5, instanceNumber: i + 1, encapsulatedAs: ts, fragment: await encode(storedValues(s), { width: s.width, height: s.height, bits: 16 }) })),
    );
    const [native, other] = await Promise.all([post(dicomSeries(SERIES)), post(compressed)]);
    expect(other.body.study.transferSyntax).toBe(ts);
    const answer = (r: request.Response) => JSON.parse(JSON.stringify(r.body, (k, v: unknown) => (['timingsMs', 'analysisId', 'transferSyntax'].includes(k) ? null : v)));
    expect(answer(other)).toEqual(answer(native));
  });

  it('the series as 12-bit JPEG Extended (lossy, quality 90) → the same triage and answer as uncompressed, slice by slice; labelled JPEG Baseline (older vendor exports), the same answer', async () => {
    const jpeg = (ts: string) =>
      SERIES.map((s, i) => {
        const fragment = encodeDctJpeg(storedValues(s), { width: s.width, height: s.height, precision: 12, quality: 90 }).stream;
        return dicomSlice(s, { z: i * 5, instanceNumber: i + 1, encapsulatedAs: ts, fragment, tags: { BitsStored: 12, HighBit: 11 } });
      });
    const [native, lossy, mislabelled] = await Promise.all([post(dicomSeries(SERIES)), post(jpeg(JPEG_EXTENDED)), post(jpeg(JPEG_BASELINE))]);
    expect(lossy.body.study.transferSyntax).toBe(JPEG_EXTENDED);
    expect(mislabelled.body.study.transferSyntax).toBe(JPEG_BASELINE);
    const answer = (r: request.Response) => JSON.parse(JSON.stringify(r.body, (k, v: unknown) => (['timingsMs', 'analysisId', 'transferSyntax'].includes(k) ? null : v)));
    expect(answer(mislabelled)).toEqual(answer(lossy));
    const decision = (r: request.Response) => ({
      ...Object.fromEntries(['status', 'stage', 'code', 'isMri', 'anatomy', 'task', 'label'].map((k) => [k, r.body[k]])),
      slices: (r.body.slices as Record<string, unknown>[]).map((s) => [s.status, s.stage, s.label, s.usedForStudy]),
    });
    expect(decision(native).slices).toHaveLength(SERIES.length);
    expect(decision(native).slices[0]).toEqual(['completed', 'diagnosis', expect.any(String), true]);
    expect(decision(lossy)).toEqual(decision(native));
    expect(lossy.body).toMatchObject({ status: 'completed', label: 'glioma' });
    expect(Math.abs(lossy.body.confidence - native.body.confidence)).toBeLessThan(0.02);
  });

  it('a compressed transfer syntax → 415 UNSUPPORTED_TRANSFER_SYNTAX', async () => {
    const b = dicomSlice(SERIES[0], { encapsulatedAs: '1.2.840.10008.1.2.4.55' }); // JPEG Full Progression (retired)
    const res = await post([b], undefined, 415);
    expect(res.body.code).toBe('UNSUPPORTED_TRANSFER_SYNTAX');
  });

  it('a NIfTI volume → a study answer', async () => {
    const nii = nifti1([128, 128, 6], (i, j) => 900 + ((i + j) % 40), { sliceDim: 3 });
    const res = await post([nii], ['brain.nii']);
    expect(res.body.study).toMatchObject({ format: 'nifti', sliceCount: 6, modality: null });
    expect(res.body.slices).toHaveLength(6);
    expect(['completed', 'inconclusive', 'rejected']).toContain(res.body.status);
  });

  it('a series with 2:1 pixel spacing is analysed, heat-mapped and thumbnailed with square physical pixels; beyond 8:1 → 422', async () => {
    const analyzePixels = jest.spyOn(app.get(AnalysisService), 'analyzePixels');
    // 128 columns at 0.5 mm × 64 rows at 1.0 mm: a 64 × 64 mm field, twice as wide as high in pixels
    const wide = Array.from({ length: 6 }, (_, k) => syntheticSlice(128, 64, (x, y) => ((x + y + k) % 97 === 0 ? 250 : 255)));
    const res = await post(dicomSeries(wide, { pixelSpacing: [1, 0.5] }));
    const inputs = analyzePixels.mock.calls.map(([image]) => image);
    analyzePixels.mockRestore();
    expect(res.body).toMatchObject({ status: 'completed', study: { width: 128, height: 64, display: { width: 128, height: 128, pixels: 'resampled' } } });
    expect(inputs.length).toBeGreaterThanOrEqual(6);
    for (const image of inputs) expect([image.width, image.height]).toEqual([128, 128]); // the models' input
    const size = async (dataUrl: string) => {
      const m = await sharp(Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64')).metadata();
      return [m.width, m.height];
    };
    for (const s of res.body.slices) expect(await size(s.thumbnailPng)).toEqual([96, 96]); // as stored: 96 × 48
    expect(await size(res.body.explanation.heatmap)).toEqual([128, 128]); // as stored: 128 × 64

    const bad = await post(dicomSeries(wide.slice(0, 2), { pixelSpacing: [5, 0.5] }), undefined, 422);
    expect(bad.body).toEqual({ statusCode: 422, code: 'PIXEL_SPACING_OUT_OF_RANGE', message: expect.stringMatching(/10:1.*at most 8:1/) });
  });

  it('a sagittal series stored facing right, its files reversed: the same upright thumbnails, answers and slice order as the volume in NIfTI', async () => {
    const acq = { iop: [0, -1, 0, 0, 0, -1], size: [128, 96, 6] as [number, number, number], spacing: [0.5, 1, 3] as [number, number, number] };
    const dcm = (await post(asDicom(acq, { order: 'reversed' }))).body;
    const nii = (await post([asNifti(acq)], ['sagittal.nii'])).body;
    type Slice = { thumbnailPng: string; heatmap: string | null; label: string | null };
    const shown = (r: { slices: Slice[]; explanation: unknown; study: { aggregation: unknown } }) => ({
      slices: r.slices.map((s) => [s.thumbnailPng, s.heatmap, s.label]),
      explanation: r.explanation,
      aggregation: r.study.aggregation,
    });
    expect(shown(dcm)).toEqual(shown(nii));
    expect(dcm.study.display).toEqual({ width: 128, height: 192, pixels: 'resampled' });
    for (const s of dcm.slices as Slice[]) {
      const { data, info } = await sharp(Buffer.from(s.thumbnailPng.slice(s.thumbnailPng.indexOf(',') + 1), 'base64')).greyscale().raw().toBuffer({ resolveWithObject: true });
      expect(foundRanks({ width: info.width, height: info.height, channels: 1, data })).toEqual(expectedRanks('sagittal')); // anterior on the left, superior at the top
    }
  });

  it('no file → 400 MISSING_FILE (another text field: 400 BAD_REQUEST, the endpoint takes none)', async () => {
    for (const req of [
      request(app.getHttpServer()).post('/api/v1/studies').set(user.bearer),
      request(app.getHttpServer()).post('/api/v1/studies').set(user.bearer).field('files', 'not a file'),
    ]) {
      const res = await req.expect(400);
      expect(res.body.code).toBe('MISSING_FILE');
    }
    const res = await request(app.getHttpServer()).post('/api/v1/studies').set(user.bearer).field('x', '1').expect(400);
    expect(res.body.code).toBe('BAD_REQUEST');
  });

  it('the study page renders the study mode', async () => {
    const res = await request(app.getHttpServer()).get('/studies').set(user.headers).set('Accept', 'text/html').expect(200);
    expect(res.text).toContain('Analyse a study');
    // its scope list (the upload page's partial) names the classes in the pages' words
    expect(res.text).toContain('<strong>Brain MRI</strong>: Glioma, Meningioma, No tumour, Pituitary');
    expect(res.text).toContain('/static/js/study.js');
    // its figure named and explained as the history detail and the PDF do, with the threshold marked as on the image page
    expect(res.text).toContain('<span>Study confidence</span>');
    expect(res.text).toContain(`<p class="explain small" id="study-confidence-explain">Combined from the slices&#x27; calibrated probabilities by the study rule, so not itself calibrated;`);
    expect(res.text).toContain('<i id="study-threshold-mark" aria-hidden="true"></i>');
    // the details list under the answer is study-details.js's: without it the page's render stops there
    expect(res.text).toContain('/static/js/study-details.js');
    // and every script the page lists is served (the upload page's test does the same): listed but missing, it is a 404
    const scripts = res.text.match(/(?<=<script src=")[^"]+/g) ?? [];
    expect(scripts).toContain('/static/js/study-details.js');
    for (const src of scripts) await request(app.getHttpServer()).get(src).expect(200);
  });

  it('the history record is metadata only', async () => {
    const { record } = await app.get(StudyService).analyzeDetailed(dicomSeries(SERIES.slice(0, 4)).map((b) => new Uint8Array(b)), { userId: null });
    expect(record).toMatchObject({ kind: 'study', format: 'dicom', modality: 'MR', sliceCount: 4, width: 128, height: 128, seriesDescription: 'AX T1 POST' });
    expect(JSON.stringify(record)).not.toContain(MARKER);
  });

  it('studies reach the history as metadata-only records, and their PDF report carries no identifier', async () => {
    const list = await request(app.getHttpServer()).get('/api/v1/history').set(user.bearer).expect(200);
    bodies.push(list.text);
    const items = list.body.items as { id: string; fileType: string | null; status: string; stage: string | null; code: string | null }[];
    const studies = items.filter((i) => i.fileType === 'dicom' || i.fileType === 'nifti');
    expect(studies.length).toBeGreaterThanOrEqual(3);
    // refused studies are recorded like a single image's file-check failure
    expect(items).toEqual(expect.arrayContaining([expect.objectContaining({ fileType: null, status: 'rejected', stage: 'file', code: 'MIXED_SERIES' })]));
    expect(items).toEqual(expect.arrayContaining([expect.objectContaining({ fileType: null, stage: 'file', code: 'CORRUPT_IMAGE' })]));
    const rows = await app.get(PrismaService).analysis.findMany({ where: { kind: 'study', status: 'completed', fileType: 'dicom' } });
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(rows[0]).toMatchObject({ modality: 'MR', seriesDescription: 'AX T1 POST', sliceCount: 8, usableSlices: 8, width: 128, height: 128 });
    expect(JSON.parse(rows[0].spacingJson!)).toEqual({ column: 0.9, row: 0.9, slice: 5 });
    const pdf = await request(app.getHttpServer())
      .get(`/api/v1/history/${studies[0].id}/report.pdf`)
      .set(user.bearer)
      .buffer(true)
      .parse(binary)
      .expect(200);
    const text = pdfText(pdf.body as Buffer);
    expect(text).toMatch(/DICOM series|NIfTI volume/);
    expect(text.toUpperCase()).not.toContain(MARKER);
    expect((pdf.body as Buffer).includes(Buffer.from(MARKER))).toBe(false);
  });

  it('history shows a study\'s stored metadata (modality, slices, series) on its page and in its PDF', async () => {
    const [row] = await app.get(PrismaService).analysis.findMany({ where: { kind: 'study', status: 'completed', fileType: 'dicom' } });
    const item = await request(app.getHttpServer()).get(`/api/v1/history/${row.id}`).set(user.bearer).expect(200);
    bodies.push(item.text);
    expect(item.body.study).toEqual({ modality: 'MR', seriesDescription: 'AX T1 POST', sliceCount: 8, usableSlices: 8, spacing: { column: 0.9, row: 0.9, slice: 5 }, rule: { agreement: 0.6, minUsableSlices: 3, pairWithin: 2 }, gaps: { missingSlices: 0, places: 0, first: [] }, volumes: null, windowing: 'header', headerWindowIgnored: null, unevenSteps: { places: 0, first: [] }, copiesDropped: 0 });
    const page = await request(app.getHttpServer()).get(`/history/${row.id}`).set(user.headers).set('Accept', 'text/html').expect(200);
    bodies.push(page.text);
    expect(page.text).toContain('MR · 8 slices (8 usable)');
    expect(page.text).toContain('AX T1 POST');
    const pdf = await request(app.getHttpServer())
      .get(`/api/v1/history/${row.id}/report.pdf`)
      .set(user.bearer)
      .buffer(true)
      .parse(binary)
      .expect(200);
    const text = pdfText(pdf.body as Buffer);
    expect(text).toContain('DICOM series · MR · 8 slices (8 usable)');
    expect(text).toContain('column 0.9 mm, row 0.9 mm, slice 5 mm');
    expect(text).toContain('AX T1 POST');
  });

  it('the patient-name marker appears in no response, log line or database file', async () => {
    expect(bodies.length).toBeGreaterThan(5);
    expect(logs.lines.some((l) => l.includes('study dicom: 8 slices'))).toBe(true);
    for (const b of bodies) expect(b.toUpperCase()).not.toContain(MARKER);
    expect(logs.lines.length).toBeGreaterThan(0);
    for (const l of logs.lines) expect(l.toUpperCase()).not.toContain(MARKER);
    for (const f of fs.readdirSync(dbDir)) {
      const bytes = fs.readFileSync(path.join(dbDir, f));
      expect(bytes.includes(Buffer.from(MARKER))).toBe(false);
      expect(bytes.includes(Buffer.from(MARKER, 'utf16le'))).toBe(false);
    }
  });
});
