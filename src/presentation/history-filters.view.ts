import type { FilterValues } from '../history/filter-vocabulary';
import { namedLabel } from './label-names';
import { displayName } from './labels';

/** One <option> of the history form's Body part or Label box. */
export interface FilterOption {
  value: string;
  name: string;
  selected: boolean;
}

/** What the history page's form is given to offer (the Status box's statuses are the controller's). */
export interface FilterFormView {
  bodyParts: FilterOption[];
  labels: FilterOption[];
}

/**
 * The Body part and Label boxes: each accepted value (FilterVocabulary.values, the check's own
 * source) by its key, named in the words the pages show — "No tumour", "Other MRI" — and an
 * earlier model version's label marked so: the list titles a brain_tumor 2.x `no_tumor` row
 * "No tumor", beside "No tumour". `chosen` (keys) is selected; `keep`: a chosen value not
 * listed is offered too — the server took it (a label past the listed ones, or any while the
 * models load) — never a refused one, whose page has the message instead.
 */
export function filterFormView(values: FilterValues, chosen: { bodyPart?: string; label?: string }, keep: boolean): FilterFormView {
  // the list, the detail page, the summary and the PDF name it by the same function (label-names.ts)
  const labels = values.labels.map((l) => ({ value: l.key, name: namedLabel(l.key, l.earlier) }));
  return {
    bodyParts: options(values.bodyParts.map((value) => ({ value, name: displayName(value) })), chosen.bodyPart, keep),
    labels: options(labels, chosen.label, keep),
  };
}

function options(listed: { value: string; name: string }[], chosen: string | undefined, keep: boolean): FilterOption[] {
  const all = keep && chosen !== undefined && !listed.some((o) => o.value === chosen) ? [...listed, { value: chosen, name: displayName(chosen) }] : listed;
  return all.map((o) => ({ ...o, selected: o.value === chosen }));
}
