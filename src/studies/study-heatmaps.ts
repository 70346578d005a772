import type { AnalysisService, DiagnosisRun } from '../classifier/analysis.service';
import type { RawImage } from '../inference/preprocess';
import { mapLimited } from './map-limited';
import type { StudyAnswer } from './study-aggregate';

/** slice index → its map, the class it is for, and whether a region stands out in it (camFocus) */
export type StudyHeatmaps = Map<number, { heatmap: string; label: string; focus: 'region' | 'none' }>;

/**
 * The heat maps of a study's decisive slices, each of the finding the study names
 * (answer.explainLabels), not of the slice's own top class. Drawn side by side from each slice's
 * diagnosis run kept by the slice pass (`diagnoses`): the slice used to be run through both models
 * a second time for it — two of the 24-slice study's ~50 model runs, one slice after the other.
 * A slice without a kept run (a fake AnalysisService in tests) is analysed again with its label.
 */
export async function studyHeatmaps(
  analysis: Pick<AnalysisService, 'analyzePixels' | 'explainPixels'>,
  answer: Pick<StudyAnswer, 'aggregation' | 'explainLabels'>,
  images: RawImage[],
  diagnoses: ReadonlyMap<number, DiagnosisRun>,
  signal: AbortSignal,
  rank: number,
): Promise<StudyHeatmaps> {
  const heatmaps: StudyHeatmaps = new Map();
  const decisive = answer.aggregation.decisiveSlices;
  await mapLimited(decisive, Math.max(1, decisive.length), signal, async (i) => {
    const label = answer.explainLabels.get(i);
    if (label === undefined) return;
    const kept = diagnoses.get(i);
    const map = kept
      ? await analysis.explainPixels(images[i], kept, label, { signal, rank })
      : ((await analysis.analyzePixels(images[i], { explain: true, explainLabel: label, signal, rank })).explanation ?? null);
    if (map !== null) heatmaps.set(i, { heatmap: map.heatmap, label, focus: map.focus });
  });
  return heatmaps;
}
