import type { ModelCard } from './model-card';
import type { RawImage } from './preprocess';

/** The colour gate's parameters (docs/model-contract.md, "Colour gate"; the triage card's `thresholds.colour`). */
export interface ColourParams {
  margin: number;
  min_chroma: number;
}

/**
 * The colour gate's measure (ml colour.colour_share): the share of the centre's pixels with
 * max(R,G,B) − min(R,G,B) > min_chroma, on the decoded 8-bit pixels (before the grey conversion,
 * which loses the colour); 0 for a grey image. An MR slice is one grey channel: a coloured centre
 * is a photo, a micrograph, a chart or a colour overlay. The margin leaves a viewer's toolbar or
 * a publisher's banner along an edge out of the count.
 */
export function colourShare(image: RawImage, p: ColourParams): number {
  if (image.channels === 1) return 0;
  const { width: w, height: h, data } = image;
  if (data.length !== w * h * 3) throw new Error('colourShare needs the decoded pixels');
  const mx = Math.floor(p.margin * w);
  const my = Math.floor(p.margin * h);
  let coloured = 0;
  for (let y = my; y < h - my; y++) {
    for (let i = (y * w + mx) * 3, end = (y * w + w - mx) * 3; i < end; i += 3) {
      const r = data[i];
      const g = data[i + 1];
      const b = data[i + 2];
      const hi = r > g ? (r > b ? r : b) : g > b ? g : b;
      const lo = r < g ? (r < b ? r : b) : g < b ? g : b;
      if (hi - lo > p.min_chroma) coloured++;
    }
  }
  return coloured / ((w - 2 * mx) * (h - 2 * my));
}

/**
 * The colour gate's measure, when the triage card has the gate: a large upload was measured where it
 * was decoded (its pixels are gone); the others here (≤ 1 MP: a pass of integer compares).
 */
export function measureColour(card: ModelCard, image: RawImage): number | null {
  const colour = card.thresholds.colour;
  if (!colour) return null;
  if (image.prepared) return image.prepared.colourShare ?? null;
  return colourShare(image, colour);
}
