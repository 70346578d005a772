import type { AuthUser } from '../accounts/roles';
import { answeredByExperimentalModel, CardFlag, recordedCaveat } from '../presentation/experimental';
import { historyDetail } from '../presentation/history.view';
import type { LoadedLabels } from '../presentation/label-names';
import type { HistoryItem } from './history.service';

/**
 * What views/history-detail.hbs shows of one record: GET /history/:id, and the answer to the
 * analysis form posted without JavaScript (POST /analyse), which adds the heat map it drew — one
 * rendering of a recorded answer, so the two pages cannot say it differently.
 */
/** `labels`: the loaded models' (label-names.ts), so that an earlier model's label is named as such. */
export function historyDetailLocals(item: HistoryItem, user: AuthUser, cards: readonly CardFlag[], labels: LoadedLabels) {
  const view = historyDetail(item, labels);
  return {
    experimental: answeredByExperimentalModel(item, cards),
    caveat: recordedCaveat(item, cards),
    title: `${view.title}, ${view.when} · History`, // which record, and where: a tab list of several records tells them apart
    item,
    view,
    admin: user.role === 'admin',
    probabilities: Object.entries(item.probabilities ?? {}).sort((a, b) => b[1] - a[1]).map(([k, v]) => ({ k, v })),
    versions: Object.entries(item.modelVersions ?? {}).map(([k, v]) => ({ k, v })),
    timings: Object.entries(item.timingsMs ?? {}).map(([k, v]) => ({ k, v })),
  };
}
