import type { ModelCard } from '../inference/model-card';
import { capitalise, humanLabel, scopeFromCards } from '../presentation/labels';

export interface IndexScope {
  diagnosed: { part: string; labels: string; href: string; experimental: boolean }[];
  recognised: string;
  refused: string;
}

/** The upload page's "what is diagnosed today, what is only recognised" lines, from the loaded cards. */
export function indexScope(cards: ModelCard[]): IndexScope {
  const s = scopeFromCards(cards);
  return {
    diagnosed: s.diagnosed.map((d) => ({ part: capitalise(humanLabel(d.bodyPart)), labels: d.labels.join(', '), href: `/models/${d.model}`, experimental: d.experimental })),
    recognised: s.recognisedOnly.map((p) => humanLabel(p)).join(' and '),
    refused: s.refused,
  };
}
