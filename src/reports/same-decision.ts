import type { RecordedDecision } from '../classifier/analysis-result';
import type { HistoryItem } from '../history/history.service';

/** Float noise between two runs of the same model on the same bytes (measured: 2e-7 across runtimes). */
const TOLERANCE = 1e-6;

const near = (a: number | null, b: number | null) => (a === null || b === null ? a === b : Math.abs(a - b) <= TOLERANCE);

function sameVersions(a: Record<string, string> | null, b: Record<string, string>): boolean {
  const ka = Object.keys(a ?? {});
  return ka.length === Object.keys(b).length && ka.every((k) => a?.[k] === b[k]);
}

function sameProbabilities(a: Record<string, number> | null, b: Record<string, number>): boolean {
  const ka = Object.keys(a ?? {});
  return ka.length === Object.keys(b).length && ka.every((k) => k in b && near(a?.[k] ?? null, b[k]));
}

/**
 * True when the record kept the thresholds the re-run decided at (model → threshold, equal). A
 * record older than the thresholds column (null) is never "the same": a refusal's message names
 * the threshold it was decided at — today's — and the PDF printed "below the 68.0 % confidence
 * threshold" under "Confidence threshold: 70.0 %" (or "not recorded") of the record it names.
 */
export function sameThresholds(stored: Pick<HistoryItem, 'thresholds'>, rerun: Record<string, number>): boolean {
  if (stored.thresholds === null) return false;
  const ks = Object.keys(stored.thresholds);
  return ks.length === Object.keys(rerun).length && ks.every((k) => k in rerun && near(stored.thresholds?.[k] ?? null, rerun[k]));
}

/**
 * True when a re-run of the stored analysis's bytes decided what the record says: same models
 * (versions), same outcome, same figures. A full report shows the record it names; the re-run
 * only lends it the heat map and the message, which belong to the re-run's decision — after a
 * model upgrade or a CONFIDENCE_THRESHOLD change they would explain another answer.
 */
export function sameDecision(stored: HistoryItem, rerun: RecordedDecision): boolean {
  return (
    stored.status === rerun.status &&
    stored.stage === rerun.stage &&
    stored.code === rerun.code &&
    stored.anatomy === rerun.anatomy &&
    stored.task === rerun.task &&
    stored.label === rerun.label &&
    stored.isMri === rerun.isMri &&
    near(stored.confidence, rerun.confidence) &&
    near(stored.mriConfidence, rerun.mriConfidence) &&
    near(stored.anatomyConfidence, rerun.anatomyConfidence) &&
    sameVersions(stored.modelVersions, rerun.modelVersions) &&
    sameProbabilities(stored.probabilities, rerun.probabilities)
  );
}
