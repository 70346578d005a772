import * as dicomParser from 'dicom-parser';
import { FileCheckError } from '../common/errors';
import { CorruptStudyError, FilePosition, fileLabel } from './study-errors';
import { endsAtEoi } from './dicom-codecs';

/**
 * Which fragments of encapsulated Pixel Data (PS3.5 A.4) form which frame. A frame may span
 * several fragments; the Basic Offset Table, when present, says where each frame starts.
 */

/**
 * The frames cannot be told apart (several fragments per frame, no usable Basic Offset Table, and
 * not JPEG, whose frames end at an EOI marker). Defined here rather than in study-errors.ts
 * (another change owns that file); 415 like other pixel encodings this service does not read.
 */
export class UnsupportedFragmentLayoutError extends FileCheckError {
  readonly code = 'UNSUPPORTED_TRANSFER_SYNTAX';
  readonly statusCode = 415;
  constructor(pos: FilePosition, frames: number, fragments: number) {
    super(
      `The compressed pixel data of ${fileLabel(pos)} spreads its ${frames} frames over ${fragments} fragments without a usable Basic Offset Table, ` +
        'so the frames cannot be told apart. Convert the series to an uncompressed transfer syntax.',
    );
  }
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
 * a layout that cannot be determined is a 415 UnsupportedFragmentLayoutError, never a misread; fewer
 * fragments than frames is a 422 (frames missing).
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
    groups ??= groupFragments(fragments, pixelEl.basicOffsetTable ?? [], frames, ds.byteArray, endsAtEoi(transferSyntax));
    if (!groups) throw new UnsupportedFragmentLayoutError(pos, frames, fragments.length);
    const [first, count] = groups[frame];
    return dicomParser.readEncapsulatedPixelDataFromFragments(ds, pixelEl, first, count);
  };
}
