import * as dicomParser from 'dicom-parser';
import { CorruptStudyError, FilePosition, fileLabel } from './study-errors';
import { endsAtEoi, RLE } from './dicom-codecs';

/**
 * Which fragments of encapsulated Pixel Data (PS3.5 A.4) form which frame. A frame may span
 * several fragments; the Basic Offset Table, when present, says where each frame starts.
 */

/**
 * The frames cannot be told apart: more fragments than frames, and neither a usable Basic Offset
 * Table nor (JPEG families) one EOI marker per frame. Every such file breaks PS3.5 A.4 — a table
 * with a value holds one offset per frame, the first 0, each the start of that frame's first
 * fragment; under RLE "each Frame shall be encoded in one and only one Fragment" (A.4.2); a JPEG,
 * JPEG-LS or JPEG 2000 codestream ends at its EOI/EOC marker. So it is a malformed file (422),
 * named by the rule it breaks: a 415 "convert it to an uncompressed transfer syntax" sent the user
 * to a converter that has the same unusable fragments to group.
 */
function fragmentLayoutError(pos: FilePosition, frames: number, fragments: number, bot: readonly number[], rle: boolean): CorruptStudyError {
  const why = bot.length
    ? `its Basic Offset Table (${bot.length} entr${bot.length === 1 ? 'y' : 'ies'}) does not give where each frame's first fragment starts`
    : rle
      ? 'RLE holds one fragment per frame (A.4.2) and there is no Basic Offset Table to group them by'
      : 'there is no Basic Offset Table, and the fragments do not end at one end-of-image marker per frame';
  return new CorruptStudyError(
    `The compressed pixel data of ${fileLabel(pos)} cannot be split into its ${frames} frames: it holds ${fragments} fragments, but ${why}. ` +
      'The file is malformed (DICOM PS3.5 A.4); export the series again.',
  );
}

/** [first fragment, fragment count] of each frame, or null when the layout cannot be determined. */
export function groupFragments(fragments: readonly dicomParser.Fragment[], bot: readonly number[], frames: number, bytes: Uint8Array, jpeg: boolean): [number, number][] | null {
  const n = fragments.length;
  if (n === 0 || n < frames) return null;
  if (frames === 1) return [[0, n]];
  const byBot = fromOffsetTable(fragments, bot, frames);
  if (byBot) return byBot;
  if (n === frames) return fragments.map((_, i): [number, number] => [i, 1]);
  return jpeg ? splitAtEoi(fragments, frames, bytes) : null;
}

/** The Basic Offset Table, if it has one strictly increasing entry per frame, each the start of a fragment. */
function fromOffsetTable(fragments: readonly dicomParser.Fragment[], bot: readonly number[], frames: number): [number, number][] | null {
  if (bot.length !== frames || bot[0] !== 0) return null;
  const index = new Map(fragments.map((f, i) => [f.offset, i]));
  const starts: number[] = [];
  for (let f = 0; f < frames; f++) {
    const i = index.get(bot[f]);
    if (i === undefined || (f > 0 && i <= starts[f - 1])) return null;
    starts.push(i);
  }
  return starts.map((s, f): [number, number] => [s, (f + 1 < frames ? starts[f + 1] : fragments.length) - s]);
}

/**
 * JPEG frames end with an EOI marker (FF D9), which cannot occur inside entropy-coded data (an FF
 * there is stuffed): a fragment ending in EOI (plus at most one padding byte) ends a frame. Used
 * only when this yields exactly `frames` frames; a wrong split would fail to decode (422), and a
 * count mismatch is refused, so this never misassigns frames silently.
 */
function splitAtEoi(fragments: readonly dicomParser.Fragment[], frames: number, bytes: Uint8Array): [number, number][] | null {
  const out: [number, number][] = [];
  let start = 0;
  for (let i = 0; i < fragments.length; i++) {
    const { position, length } = fragments[i];
    let end = position + length;
    if (end > bytes.length) return null;
    if (length >= 3 && bytes[end - 1] === 0 && !(bytes[end - 2] === 0xff && bytes[end - 1] === 0xd9)) end--; // one padding byte
    if (end - position >= 2 && bytes[end - 2] === 0xff && bytes[end - 1] === 0xd9) {
      out.push([start, i + 1 - start]);
      start = i + 1;
      if (out.length > frames) return null;
    }
  }
  return out.length === frames && start === fragments.length ? out : null;
}

/**
 * Frame reader for encapsulated pixel data: fragments grouped into frames once, on first use
 * (Basic Offset Table, else one fragment per frame, else JPEG EOI markers — encapsulated.ts);
 * a layout that cannot be determined is a 422 naming the PS3.5 A.4 rule it breaks, never a misread;
 * fewer fragments than frames is a 422 (frames missing).
 */
export function encapsulatedFrames(ds: dicomParser.DataSet, pixelEl: dicomParser.Element, frames: number, pos: FilePosition, transferSyntax: string) {
  let groups: [number, number][] | null | undefined;
  return (frame: number): Uint8Array => {
    const fragments = pixelEl.fragments ?? [];
    // every frame starts a fragment of its own: fewer fragments than frames is frames missing (a cut
    // file, or a Number of Frames that overstates them), which no other syntax would read either
    if (fragments.length < frames) {
      throw new CorruptStudyError(
        `${fileLabel(pos)} declares ${frames} frames, but its compressed pixel data holds ${fragments.length} compressed fragment${fragments.length === 1 ? '' : 's'} (truncated, or Number of Frames is wrong).`,
      );
    }
    const bot = pixelEl.basicOffsetTable ?? [];
    const eoi = endsAtEoi(transferSyntax);
    groups ??= groupFragments(fragments, bot, frames, ds.byteArray, eoi);
    if (!groups) throw fragmentLayoutError(pos, frames, fragments.length, bot, transferSyntax === RLE);
    const [first, count] = groups[frame];
    return dicomParser.readEncapsulatedPixelDataFromFragments(ds, pixelEl, first, count);
  };
}
