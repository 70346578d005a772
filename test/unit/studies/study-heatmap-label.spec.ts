import type { RawImage } from '../../../src/inference/preprocess';
import { fakeBrainModels, studyServiceOn, TUMOUR_FREE } from '../../support/fake-brain-models';
import { dicomSeries, syntheticSlice } from '../../support/study-fixtures';

/**
 * A study's heat maps explain the finding the study names. Each decisive slice's map was rendered
 * for that slice's own top class, and only where the slice answered on its own: a glioma study
 * whose most suspicious slice says meningioma (62 %) showed, as "the" heat map under "Glioma", the
 * map of meningioma — regions that drove another answer. The one pipeline (AnalysisService) and
 * the study service run for real; only the models are faked, answering per slice.
 */
const NEG = TUMOUR_FREE;
const GLIOMA = [0.85, 0.05, 0.05, 0.05];
// slices 0-3 tumour-free, 4-6 glioma, 7 meningioma on its own (62 %) and the most suspicious of all
const PER_SLICE = [NEG, NEG, NEG, NEG, GLIOMA, GLIOMA, [0.99, 0.004, 0.003, 0.003], [0.35, 0.62, 0.001, 0.029]];

function setUp(perSlice: number[][]) {
  // slices are sent to the models in series order: the first sight of an image object numbers it
  const sliceOf = new Map<RawImage, number>();
  const explained: { slice: number; classIndex: number }[] = [];
  const service = studyServiceOn(
    fakeBrainModels({
      seen: (image) => {
        if (!sliceOf.has(image)) sliceOf.set(image, sliceOf.size);
      },
      diagnosis: (image) => perSlice[sliceOf.get(image)!],
      heatmap: (image, classIndex) => {
        explained.push({ slice: sliceOf.get(image)!, classIndex });
        return { width: 8, height: 8, data: new Uint8Array(8 * 8 * 3).fill(classIndex * 60) };
      },
    }),
  );
  const files = dicomSeries(perSlice.map((_, k) => syntheticSlice(64, 64, (x, y) => (x * 3 + y * 5 + k * 11) % 251)), { window: false }).map((b) => new Uint8Array(b));
  return { service, files, explained };
}

describe('a study\'s heat maps explain the study\'s finding', () => {
  it('a glioma study whose most suspicious slice says meningioma on its own: both decisive maps are of glioma, and say so', async () => {
    const { service, files, explained } = setUp(PER_SLICE);
    const r = await service.analyze(files);
    expect(r).toMatchObject({ status: 'completed', label: 'glioma' });
    expect(r.study.aggregation?.decisiveSlices).toEqual([7, 6]);
    expect(r.slices[7].probabilities.meningioma).toBeCloseTo(0.62, 6); // that slice's own answer is another
    expect(explained).toEqual([{ slice: 7, classIndex: 0 }, { slice: 6, classIndex: 0 }]);
    expect(r.explanation).toMatchObject({ sliceIndex: 7, slices: [{ index: 7, label: 'glioma' }, { index: 6, label: 'glioma' }] });
    expect(r.explanation!.heatmap).toBe(r.explanation!.slices[0].heatmap);
    expect(r.slices[7].heatmap).toBe(r.explanation!.slices[0].heatmap);
    // the slice's own entry says which class its map is for: not its own answer (meningioma) but the study's
    expect(r.slices[7]).toMatchObject({ label: 'meningioma', heatmapLabel: 'glioma' });
    expect(r.slices[6]).toMatchObject({ label: 'glioma', heatmapLabel: 'glioma' });
    expect(r.slices.filter((s) => s.heatmapLabel !== null).map((s) => s.index)).toEqual([6, 7]);
  });

  it('a decisive slice below the threshold on its own still has its map of the study\'s finding (it had none)', async () => {
    // the two most suspicious slices: glioma 99 % and 55 % (P(notumor) 0.05, before slice 6's equal one): the study says glioma
    const { service, files, explained } = setUp([NEG, NEG, NEG, NEG, [0.55, 0.2, 0.05, 0.2], [0.99, 0.004, 0.003, 0.003], GLIOMA]);
    const r = await service.analyze(files);
    expect(r).toMatchObject({ status: 'completed', label: 'glioma' });
    expect(r.study.aggregation?.decisiveSlices).toEqual([5, 4]);
    expect(r.slices[4].status).toBe('inconclusive');
    expect(explained).toEqual([{ slice: 5, classIndex: 0 }, { slice: 4, classIndex: 0 }]);
    expect(r.explanation!.slices.map((s) => [s.index, s.label])).toEqual([[5, 'glioma'], [4, 'glioma']]);
  });

  it('a finding one slice shows unconfirmed: that slice\'s own finding', async () => {
    const { service, files, explained } = setUp([NEG, NEG, NEG, NEG, NEG, [0.05, 0.85, 0.05, 0.05]]);
    const r = await service.analyze(files);
    expect(r).toMatchObject({ status: 'inconclusive', code: 'SLICE_DISAGREEMENT' });
    expect(explained).toEqual([{ slice: 5, classIndex: 1 }]);
    expect(r.explanation!.slices).toMatchObject([{ index: 5, label: 'meningioma' }]);
  });

  // A single image below the threshold gets no heat map (it has no answer to explain); a study
  // that is inconclusive for the same reason, or because its confident slices disagree, drew the
  // maps of its most likely finding anyway, captioned with that finding under "Unable to determine".
  it('a study below the confidence threshold: no heat map of the finding it did not give (as for one image)', async () => {
    // every slice at glioma 50 % (each inconclusive on its own): the study finding glioma 50 %, below 60 %
    const LOW = [0.5, 0.1, 0.3, 0.1];
    const { service, files, explained } = setUp([NEG, NEG, NEG, LOW, LOW, LOW]);
    const r = await service.analyze(files);
    expect(r).toMatchObject({ status: 'inconclusive', code: 'LOW_CONFIDENCE', label: null });
    expect(explained).toEqual([]);
    expect(r.explanation).toBeNull();
    expect(r.slices.filter((s) => s.heatmap !== null)).toEqual([]);
  });

  it('a study whose confident slices disagree: no heat map of the disputed finding', async () => {
    // 2 confident glioma slices and 2 confident meningioma ones: 50 % agreement, 60 % required
    const G = [0.9, 0.04, 0.03, 0.03];
    const M = [0.04, 0.9, 0.03, 0.03];
    const { service, files, explained } = setUp([NEG, NEG, G, G, M, M]);
    const r = await service.analyze(files);
    expect(r).toMatchObject({ status: 'inconclusive', code: 'SLICE_DISAGREEMENT', label: null });
    expect(explained).toEqual([]);
    expect(r.explanation).toBeNull();
  });
});
