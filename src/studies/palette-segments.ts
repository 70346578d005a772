/*
 * Segmented Palette Color Lookup Table Data (0028,1221–1223; PS3.3 C.7.9.2), an older ultrasound
 * writers' form of a palette: each table a series of segments, expanded here into the plain table
 * palette.ts reads. Segment types (C.7.9.2.1–3), each starting with its opcode and a length:
 *   0 discrete  length, then that many entries
 *   1 linear    length, then Y1: the line from the last entry so far (X0, Y0) to (X0 + length, Y1),
 *               the `length` entries after X0 (so it cannot come first)
 *   2 indirect  the number of segments to copy, then the byte offset of the first of them from the
 *               start of the data, least significant word first: segments defined before it, again
 * Units are words for 16-bit entries and bytes for 8-bit ones (GDCM and pydicom read 8-bit data so).
 * A file declares every count; each is checked before it is looped over: a segment must end within
 * the data, the expansion must not run past the descriptor's entries (and must end on them exactly,
 * C.7.9.2: "it shall have the number of table entries specified"), an indirect segment may copy only
 * whole segments defined before it (so a copy never reaches itself), and the segments visited are
 * counted, so that copies of copies of empty segments stop (MAX_SEGMENT_VISITS).
 */

/** Segments one table's expansion may visit. Every discrete or linear segment of a valid table adds an entry (≤ 65,536 in all), so past this it is copying copies of nothing. */
export const MAX_SEGMENT_VISITS = 1 << 18;

const DISCRETE = 0;
const LINEAR = 1;
const INDIRECT = 2;

interface Segment {
  op: number;
  /** where the segment starts, in units */
  at: number;
  /** its second unit: entries (discrete, linear) or segments to copy (indirect) */
  length: number;
}

/**
 * The segments of `units` (words or bytes of the element's value), in order, or why they cannot be
 * read. One trailing 0 unit is padding (an odd number of bytes made even), as pydicom allows.
 */
function parseSegments(units: ArrayLike<number>, wide: boolean): Segment[] | string {
  const segments: Segment[] = [];
  const offsetUnits = wide ? 2 : 4;
  let p = 0;
  while (p < units.length) {
    if (p === units.length - 1 && units[p] === 0) break;
    if (p + 2 > units.length) return `cut short in a segment header at unit ${p}`;
    const op = units[p];
    const length = units[p + 1];
    const size = op === DISCRETE ? 2 + length : op === LINEAR ? 3 : op === INDIRECT ? 2 + offsetUnits : -1;
    if (size < 0) return `holding a segment of type ${op} at unit ${p} (0 discrete, 1 linear, 2 indirect)`;
    if (p + size > units.length) return `holding a segment at unit ${p} that runs past the data's end (${size} units, ${units.length - p} left)`;
    segments.push({ op, at: p, length });
    p += size;
  }
  return segments;
}

/**
 * One segmented table expanded to `entries` values (16-bit or 8-bit, as the units are), or why it
 * cannot be: a description that fits after "Segmented … Palette Color Lookup Table Data".
 */
export function expandSegments(units: ArrayLike<number>, entries: number, wide: boolean): Uint16Array | string {
  const segments = parseSegments(units, wide);
  if (typeof segments === 'string') return segments;
  const index = new Map(segments.map((s, k) => [s.at, k]));
  const out = new Uint16Array(entries);
  let n = 0;
  let visits = 0;
  // frames of [next segment, segments left]: the data's own, then what indirect segments copy
  const stack: [number, number][] = [[0, segments.length]];
  while (stack.length) {
    const frame = stack[stack.length - 1];
    if (frame[1] === 0) {
      stack.pop();
      continue;
    }
    const k = frame[0]++;
    frame[1]--;
    if (++visits > MAX_SEGMENT_VISITS) return `whose indirect segments copy more than ${MAX_SEGMENT_VISITS.toLocaleString('en-GB')} segments (a loop of copies)`;
    const { op, at, length } = segments[k];
    if (op !== INDIRECT && n + length > entries) return `expanding past the ${entries} entries its descriptor declares`;
    if (op === DISCRETE) {
      for (let i = 0; i < length; i++) out[n++] = units[at + 2 + i];
    } else if (op === LINEAR) {
      if (n === 0) return `starting with a linear segment (it continues the entry before it: C.7.9.2.2)`;
      const y0 = out[n - 1];
      const y1 = units[at + 2];
      for (let i = 1; i <= length; i++) out[n++] = Math.round(y0 + ((y1 - y0) * i) / length);
    } else {
      const bytes = wide ? units[at + 2] + units[at + 3] * 65536 : units[at + 2] + units[at + 3] * 256 + units[at + 4] * 65536 + units[at + 5] * 16777216;
      const target = wide ? (bytes % 2 ? undefined : index.get(bytes / 2)) : index.get(bytes);
      if (target === undefined) return `holding an indirect segment (at unit ${at}) whose offset ${bytes} is not the start of a segment`;
      // only segments defined before this one: a copy can never reach itself
      if (target + length > k) return `holding an indirect segment (at unit ${at}) that copies segments not defined before it`;
      stack.push([target, length]);
    }
  }
  if (n !== entries) return `expanding to ${n} entries, not the ${entries} its descriptor declares`;
  return out;
}
