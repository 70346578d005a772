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

/** The fields of the history form, by their query keys (the names its messages quote). */
const FORM_FIELDS = ['from', 'to', 'user', 'status', 'bodyPart', 'label'] as const;

/**
 * The form fields a refused filter's message names, so the page marks them invalid and ties the
 * message to them (it sat above the form with no field marked). The messages open with the key they
 * refuse (`"from" must be a date YYYY-MM-DD.`, `"status" must be one of …`), and the one comparing
 * two names the second too (`"from" is after "to".`); a quoted value later in a message (a label
 * typed as `"from"`) is not a field. A refusal of no field of the form (`"page"`, a cursor) names none.
 */
export function refusedFilterFields(message: unknown): string[] {
  if (typeof message !== 'string') return [];
  const m = /^"(\w+)"(?: is after "(\w+)"\.$)?/.exec(message);
  if (!m) return [];
  return [m[1], m[2]].filter((k): k is string => k !== undefined && (FORM_FIELDS as readonly string[]).includes(k));
}
