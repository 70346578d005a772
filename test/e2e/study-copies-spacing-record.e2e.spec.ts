/**
 * Two things the live study answer knew and the user was not told, or was told only once:
 * - files that were copies of other slices (the same SOP Instance UID, or the same image under a
 *   second UID: instance-copies.ts) were dropped without a word — 10 files uploaded, an answer of
 *   8 slices and no reason;
 * - the uneven-slice-spacing note (slice-gaps.ts unevenSteps) was in the live message only: the
 *   record kept nothing of it, so the history detail page, the history API and the record's PDF
 *   (all built from the record) said nothing.
 * Both are now in the answer (study.copiesDropped, study.unevenSteps, the message) and in the record
 * (Analysis.copiesDropped, Analysis.unevenStepsJson); a record older than the columns (NULL) says
 * nothing of either. Fake models: both are decided before any model runs.
 */
import { PrismaService } from '../../src/prisma/prisma.service';
import { recordViews } from '../helpers/record-views';
import { FAKE_MODELS_DIR } from '../support/app';
import { SERIES } from '../support/study-e2e';
import { dicomSeries, dicomSlice, newUid } from '../support/study-fixtures';
import { useApp } from '../support/use-app';

interface Uneven {
  places: number;
  first: { afterSlice: number; distanceMm: number }[];
}
interface Answer {
  analysisId: string;
  message: string | null;
  study: { sliceCount: number; files: number; copiesDropped?: number; unevenSteps?: Uneven[] };
}
interface Item {
  study: { sliceCount: number | null; copiesDropped?: number | null; unevenSteps?: Uneven | null };
}

const COPIES = /2 files were left out as copies of other slices \(the same image under the same or another SOP Instance UID\): each image is analysed once\./;
const UNEVEN = "The slices are unevenly spaced: between slices 7 and 8 (2.5 mm apart); the series' spacing is 5 mm. Slices there were read as neighbours at that spacing.";

describe('a study keeps its dropped copies and its uneven spacing in its history record', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR, INFERENCE_WORKERS: '0', RATE_LIMIT_ANALYSES_PER_MINUTE: '1000' }, sessions: { alice: {} } });
  const { alice } = h.sessions;
  const views = recordViews(() => h.server, alice);
  const post = (files: Buffer[]) => views.postSeries<Answer>(files);
  const record = (id: string) => views.record<Item>(id);
  const { pdf, page } = views;
  const html = (s: string) => s.replace(/'/g, '&#x27;');

  it('8 slices uploaded as 10 files (one sent twice, one re-exported under a new UID): the answer, the record, the page and the PDF say 2 copies were left out', async () => {
    const files = dicomSeries(SERIES);
    // slice 3 again under a new SOP Instance UID: same position, same pixels (a series exported twice)
    const reExported = dicomSlice(SERIES[2], { z: 10, instanceNumber: 3, sopInstanceUid: newUid() });
    const live = await post([...files, files[5], reExported]);
    expect(live.study.sliceCount).toBe(8);
    expect(live.study.copiesDropped).toBe(2);
    expect(live.message).toMatch(COPIES);
    const note = COPIES.exec(live.message!)![0];

    expect((await record(live.analysisId)).study).toMatchObject({ sliceCount: 8, copiesDropped: 2 });
    expect(await page(live.analysisId)).toContain(`<dt>Copies left out</dt><dd>${html(note)}</dd>`);
    expect(await pdf(live.analysisId)).toContain(`Copies left out: ${note}`);
  });

  it('a CT series refused from its headers says its copies too, as its record\'s page does', async () => {
    const files = dicomSeries(SERIES.slice(0, 3), { modality: 'CT' });
    const live = await post([...files, files[0]]);
    expect(live.study.copiesDropped).toBe(1);
    const note = '1 file was left out as a copy of another slice (the same image under the same or another SOP Instance UID): each image is analysed once.';
    expect(live.message).toContain(note);
    expect(await page(live.analysisId)).toContain(`<dt>Copies left out</dt><dd>${html(note)}</dd>`);
  });

  it('no copy: 0 in the answer and the record, and nothing said', async () => {
    const live = await post(dicomSeries(SERIES));
    expect(live.study.copiesDropped).toBe(0);
    expect(live.message ?? '').not.toMatch(/copies/);
    expect((await record(live.analysisId)).study).toMatchObject({ copiesDropped: 0, unevenSteps: { places: 0, first: [] } });
    expect(await page(live.analysisId)).not.toContain('Copies left out');
    const text = await pdf(live.analysisId);
    expect(text).not.toContain('Copies left out');
    expect(text).not.toContain('unevenly');
  });

  it('one step half the spacing: the history API, the history page and the PDF give the live answer\'s note', async () => {
    const live = await post(SERIES.map((s, k) => dicomSlice(s, { z: k < 7 ? 5 * k : 32.5, instanceNumber: k + 1 })));
    expect(live.message).toContain(UNEVEN);
    expect(live.study.unevenSteps).toEqual([{ afterSlice: 7, distanceMm: 2.5 }]);

    expect((await record(live.analysisId)).study).toMatchObject({ unevenSteps: { places: 1, first: [{ afterSlice: 7, distanceMm: 2.5 }] } });
    expect(await page(live.analysisId)).toContain(`<dt>Slice spacing</dt><dd>${html(UNEVEN)}</dd>`);
    expect(await pdf(live.analysisId)).toContain(`Slice spacing: ${UNEVEN}`);
  });

  it('a study stored before the columns (NULL): null in the API, and neither line on the page or in the PDF', async () => {
    const old = await h.get(PrismaService).analysis.create({
      data: { userId: alice.user.id, byteSize: 1, sha256: 'e'.repeat(64), status: 'completed', stage: 'diagnosis', anatomy: 'brain', task: 'brain_tumor', label: 'glioma', confidence: 0.95, kind: 'study', modality: 'MR', sliceCount: 8, usableSlices: 8 },
    });
    const item = await record(old.id);
    expect(item.study).toMatchObject({ sliceCount: 8, copiesDropped: null, unevenSteps: null });
    const body = await page(old.id);
    expect(body).not.toContain('Copies left out');
    expect(body).not.toContain('Slice spacing');
    const text = await pdf(old.id);
    expect(text).not.toContain('Copies left out');
    expect(text).not.toContain('Slice spacing');
  });
});
