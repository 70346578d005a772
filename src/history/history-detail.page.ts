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
  const versions = Object.entries(item.modelVersions ?? {}).map(([name, version], i) => ({ ...view.versions[i], ...cardOf(name, version, cards) }));
  return {
    experimental: answeredByExperimentalModel(item, cards),
    caveat: recordedCaveat(item, cards),
    title: `${view.title}, ${view.when} · History`, // which record, and where: a tab list of several records tells them apart
    item,
    view: { ...view, versions },
    admin: user.role === 'admin',
  };
}

/**
 * Which card a recorded model version links to. /models/<name> shows the card loaded now: the
 * recorded version's own card only while that version is loaded. A record of an earlier version
 * (brain_tumor 3.0.0 beside a loaded 4.1.0) linked it as "model card" — another version's figures;
 * the PDF prints no card then. No cards (models not loaded yet): the link, unqualified, as before.
 */
function cardOf(name: string, version: string, cards: readonly CardFlag[]): { loadedVersion: string | null; noCard: boolean } {
  if (!cards.length) return { loadedVersion: null, noCard: false };
  const card = cards.find((c) => c.name === name);
  return { loadedVersion: card && card.version !== version ? card.version : null, noCard: !card };
}
