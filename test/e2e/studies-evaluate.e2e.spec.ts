import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { evaluateStudies, listStudies, readStudyLabels, StudyEvalLine } from '../../src/studies/study-evaluate';
import { StudyService } from '../../src/studies/study.service';
import { modelClasses } from '../../src/cli/evaluate-lib';
import { ModelRegistry } from '../../src/inference/model-registry.service';
import { FAKE_MODELS_DIR, REPO_ROOT, tempDir } from '../support/app';
import { useApp } from '../support/use-app';
import { dicomSeries, gzip, nifti1, syntheticSlice, zip } from '../support/study-fixtures';

/** `npm run evaluate -- --studies DIR`: folders of DICOM series, NIfTI files, ZIPs (fixtures written to a temp dir). */
describe('evaluate --studies', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR } });
  let dir: string;
  beforeAll(async () => {
    dir = tempDir('sentinel-studies-');
    const bright = Array.from({ length: 4 }, (_, k) => syntheticSlice(96, 96, (x, y) => ((x + y + k) % 97 === 0 ? 250 : 255)));
    fs.mkdirSync(path.join(dir, 'series-a/sub'), { recursive: true });
    dicomSeries(bright).forEach((b, i) => fs.writeFileSync(path.join(dir, 'series-a/sub', `IM${i}`), b));
    fs.mkdirSync(path.join(dir, 'series-ct'));
    dicomSeries(bright, { modality: 'CT' }).forEach((b, i) => fs.writeFileSync(path.join(dir, 'series-ct', `IM${i}`), b));
    fs.writeFileSync(path.join(dir, 'vol.nii.gz'), gzip(nifti1([96, 96, 4], () => 1000, { sliceDim: 3 })));
    fs.writeFileSync(path.join(dir, 'series.zip'), zip(Object.fromEntries(dicomSeries(bright).map((b, i) => [`IM${i}`, b]))));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'ignored');
    fs.mkdirSync(path.join(dir, 'empty-series'));
  });
  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const classes = () => modelClasses(h.app.get(ModelRegistry).cards());

  it('lists sub-folders as series and study files as studies', () => {
    expect(listStudies(dir).map((s) => [s.rel, s.files.length])).toEqual([
      ['empty-series', 0],
      ['series-a', 4],
      ['series-ct', 4],
      ['series.zip', 1],
      ['vol.nii.gz', 1],
    ]);
  });

  it('answers each study with the StudyService', async () => {
    const lines: StudyEvalLine[] = [];
    const labels = readStudyLabels('path,label\nseries-a,glioma\n"series.zip",notumor\nseries-ct,notumor\nghost-study,glioma\n');
    const summary = await evaluateStudies(h.app.get(StudyService), dir, (l) => lines.push(l), { expected: labels, classes: classes() });
    expect(summary.studies).toBe(5);
    expect(lines).toHaveLength(5);
    expect(summary.byStatus).toEqual({ completed: 2, rejected: 3 });
    // series-ct is refused (NOT_MRI) before a diagnosis: counted apart, not as a wrong answer
    expect(summary.labelled).toEqual({
      kind: 'diagnosis',
      studies: 3,
      compared: 2,
      agree: 1,
      rate: 0.5,
      refused: 1,
      errors: 0,
      unlabelled: 2,
      outOfClass: { count: 0, labels: [] },
      unmatched: { count: 1, paths: ['ghost-study'] },
    });
    const by = Object.fromEntries(lines.map((l) => [l.path, l]));
    expect(by['series-a']).toMatchObject({ status: 'completed', label: 'glioma', sliceCount: 4, format: 'dicom' });
    expect(by['series.zip']).toMatchObject({ status: 'completed', label: 'glioma' });
    expect(by['series-ct']).toMatchObject({ status: 'rejected', code: 'NOT_MRI' });
    expect(by['vol.nii.gz']).toMatchObject({ format: 'nifti', sliceCount: 4 });
    expect(by['empty-series']).toMatchObject({ status: 'rejected', code: 'EMPTY_FOLDER' });
  });

  it('--labels: a label outside the models\' classes is counted apart, as --manifest counts it, not as a wrong answer', async () => {
    // accuracyWhenAnswered read 50 % here: series-a's "tumour" (no model's class) was compared with its answer "glioma"
    const labels = readStudyLabels('path,label\nseries-a,tumour\nseries.zip,glioma\n');
    const summary = await evaluateStudies(h.app.get(StudyService), dir, () => undefined, { expected: labels, classes: classes() });
    expect(summary.labelled).toMatchObject({ kind: 'diagnosis', studies: 2, compared: 1, agree: 1, rate: 1, outOfClass: { count: 1, labels: ['tumour'] } });
  });

  it('a line carries the decision as the API answer gives it: every probability, the triage figures, the models and the thresholds', async () => {
    // the line had the label and its confidence only: the probabilities, P(MRI), the body part's figure and
    // the threshold that decided were in the API answer and its record, never in what the CLI wrote
    const lines: StudyEvalLine[] = [];
    await evaluateStudies(h.app.get(StudyService), dir, (l) => lines.push(l));
    const line = lines.find((l) => l.path === 'series-a') as StudyEvalLine;
    const files = listStudies(dir).find((st) => st.rel === 'series-a')?.files ?? [];
    const api = await h.app.get(StudyService).analyze(files.map((f) => new Uint8Array(fs.readFileSync(f))));
    const decision = ['status', 'stage', 'code', 'message', 'isMri', 'mriConfidence', 'anatomy', 'anatomyConfidence', 'task', 'label', 'confidence', 'probabilities', 'modelVersions', 'thresholds', 'refusal'] as const;
    expect(Object.fromEntries(decision.map((k) => [k, (line as unknown as Record<string, unknown>)[k]]))).toEqual(Object.fromEntries(decision.map((k) => [k, api[k]])));
    expect(line.thresholds).toEqual({ triage: expect.any(Number), brain_tumor: expect.any(Number) });
    // refused from its header, before any model ran: no model, no threshold
    expect(lines.find((l) => l.path === 'series-ct')).toMatchObject({ status: 'rejected', code: 'NOT_MRI', modelVersions: {}, thresholds: {}, probabilities: {} });
    // and which check refused it, as the API answer and an image's line (evaluate --manifest) give it
    expect(lines.find((l) => l.path === 'series-ct')?.refusal).toEqual({ cause: 'header_modality', figures: { modality: 'CT' } });
  });

  it('the CLI runs it (built dist)', () => {
    const cli = path.join(REPO_ROOT, 'dist/cli/evaluate.js');
    if (!fs.existsSync(cli)) return; // `npm test` does not build; CI's build step does
    fs.writeFileSync(path.join(dir, 'labels.csv'), 'path,label\nseries-a,glioma\n');
    const out = execFileSync(process.execPath, [cli, '--studies', dir, '--labels', path.join(dir, 'labels.csv')], {
      env: { ...process.env, MODELS_DIR: FAKE_MODELS_DIR, DATABASE_URL: `file:${path.join(dir, 'x.db')}` },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as StudyEvalLine);
    expect(lines.map((l) => l.path)).toEqual(['empty-series', 'series-a', 'series-ct', 'series.zip', 'vol.nii.gz']);
    expect(lines[1]).toMatchObject({ expected: 'glioma', label: 'glioma' });
  });
});
