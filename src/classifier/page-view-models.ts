import type { ModelCard } from '../inference/model-card';
import { capitalise, displayName, humanLabel, scopeFromCards } from '../presentation/labels';

export interface IndexScope {
  diagnosed: { part: string; labels: string; href: string; model: string; experimental: boolean }[];
  recognised: string;
  refused: string;
}

/**
 * The upload page's "what is diagnosed today, what is only recognised" lines, from the loaded cards.
 * The classes are named as a result's title names them ("No tumour", "Pituitary"), not by the card's
 * descriptions ("no tumour visible"), which stay on its model-card page beside the keys. The card link
 * names the model as every other card link does ("the brain tumour model"; it said "the Brain model").
 */
export function indexScope(cards: ModelCard[]): IndexScope {
  const s = scopeFromCards(cards);
  return {
    diagnosed: s.diagnosed.map((d) => ({ part: capitalise(humanLabel(d.bodyPart)), labels: d.labels.map((l) => displayName(l)).join(', '), href: `/models/${d.model}`, model: humanLabel(d.model), experimental: d.experimental })),
    recognised: s.recognisedOnly.map((p) => humanLabel(p)).join(' and '),
    refused: s.refused,
  };
}
