import * as fs from 'node:fs';
import { readCsvTable } from '../common/csv';
import { EvalLine, PythonDecision, UsageError } from './evaluate-lib';

/** One manifest row to evaluate; `line` tells apart rows with the same (or no) path. */
export interface ManifestRow {
  line: number;
  path: string;
  label?: string;
  split?: string;
}

/**
 * The rows of an evaluation manifest: `path` (data manifests, ml/splits) or `file` (the
 * samples' SAMPLES.csv), optional `label` and `split`. Every row is kept — one without a path
 * gets an error line of its own — because a row dropped here is an image missing from the
 * figures with nothing to say so. A manifest that cannot be evaluated at all (no header, no
 * path column, no rows, `--split` naming nothing) is a UsageError: it printed a summary of 0
 * images and exited 0, which reads like a run.
 */
export function readManifest(text: string, o: { split?: string; limit?: number }): ManifestRow[] {
  const { header, records, unclosedQuoteLine } = readCsvTable(text);
  if (!header.length) throw new UsageError('the manifest is empty (no header row)');
  if (unclosedQuoteLine !== null) throw new UsageError(`the manifest's line ${unclosedQuoteLine} opens a quoted field that is never closed`);
  const col = (name: string) => header.indexOf(name);
  const pathCol = col('path') >= 0 ? col('path') : col('file');
  if (pathCol < 0) throw new UsageError(`the manifest has no "path" (or "file") column; its header: ${header.join(', ')}`);
  if (!records.length) throw new UsageError('the manifest has a header but no rows');
  const cell = (cells: string[], i: number) => (i >= 0 ? cells[i] ?? '' : undefined);
  let rows: ManifestRow[] = records.map((r) => ({
    line: r.line,
    path: r.cells[pathCol] ?? '',
    label: cell(r.cells, col('label')) || undefined,
    split: cell(r.cells, col('split')),
  }));
  if (o.split !== undefined) {
    if (col('split') < 0) throw new UsageError(`--split ${o.split}: the manifest has no "split" column`);
    const present = [...new Set(rows.map((r) => r.split ?? ''))].sort();
    rows = rows.filter((r) => r.split === o.split);
    if (!rows.length) throw new UsageError(`--split ${o.split}: no row has split "${o.split}" (the manifest has: ${present.join(', ')})`);
  }
  return o.limit !== undefined ? rows.slice(0, o.limit) : rows;
}

/**
 * An input file (--manifest, --compare, --labels) as UTF-8 text, or a UsageError naming the option
 * and why. A file that could not be read (permissions) threw a raw EACCES stack after the checks;
 * a binary file (an image given as the manifest) printed its bytes as the "header"; a Latin-1 CSV
 * turned every accented path into U+FFFD, so those rows were FILE_NOT_FOUND with no word of why.
 */
export function readInput(name: string, file: string, read: (file: string) => Buffer = fs.readFileSync): string {
  let bytes: Buffer;
  try {
    bytes = read(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`--${name}: cannot read ${file}: ${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (err as Error).message}`);
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    const line = bytes.subarray(0, nul).filter((b) => b === 0x0a).length + 1;
    throw new UsageError(`--${name}: ${file} is not UTF-8 text (a NUL byte on line ${line}: a binary file, or UTF-16 text); save it as UTF-8 CSV`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const text = bytes.toString('utf8');
    const line = text.slice(0, text.indexOf('\ufffd')).split('\n').length;
    throw new UsageError(`--${name}: ${file} is not UTF-8 text (line ${line}); save it as UTF-8 (its paths could not be matched as they are)`);
  }
}

/**
 * `--compare`: scripts/python_decisions.py's JSONL, read and checked before the models load.
 * A line that was not JSON threw a SyntaxError stack after every image had been evaluated; a
 * line without a path was keyed `undefined` and never compared.
 */
export function readPythonDecisions(text: string): Map<string, PythonDecision> {
  const out = new Map<string, PythonDecision>();
  text.split('\n').forEach((raw, i) => {
    if (!raw.trim()) return;
    let d: unknown;
    try {
      d = JSON.parse(raw);
    } catch {
      throw new UsageError(`--compare: line ${i + 1} is not JSON`);
    }
    const o = d as Partial<Record<keyof PythonDecision, unknown>> | null;
    if (typeof o !== 'object' || o === null || Array.isArray(o) || typeof o.path !== 'string' || typeof o.decision !== 'string') {
      throw new UsageError(`--compare: line ${i + 1} has no "path" and "decision" strings`);
    }
    out.set(o.path, d as PythonDecision);
  });
  if (!out.size) throw new UsageError('--compare: the file holds no decision (it is empty)');
  return out;
}

/**
 * Every row through `evaluate`, `workers` at a time, each line written in manifest order as soon
 * as the rows before it have theirs. Once `stop` fires (Ctrl-C) no further row is started; the rows
 * in progress finish and are written, so the output ends on a whole line, and the lines returned
 * (a prefix of the manifest's rows) are what the output holds — Ctrl-C used to end the process
 * with the output cut off wherever it was and nothing to tell it from a finished run.
 */
export async function evaluateRows(
  rows: ManifestRow[],
  evaluate: (row: ManifestRow) => Promise<EvalLine>,
  write: (line: EvalLine) => void,
  o: { workers: number; stop?: AbortSignal; progress?: (done: number) => void },
): Promise<EvalLine[]> {
  const lines: EvalLine[] = new Array(rows.length);
  let next = 0;
  let written = 0;
  const flush = () => {
    while (written < rows.length && lines[written]) write(lines[written++]);
  };
  const worker = async () => {
    for (let i = next++; i < rows.length && !o.stop?.aborted; i = next++) {
      lines[i] = { ...(await evaluate(rows[i])), line: rows[i].line };
      flush();
      o.progress?.(i + 1);
      // a Ctrl-C that came while this row ran is handled (in the event loop's poll phase) before the next row starts:
      // a row whose end was read in that same turn went straight on to the next, one row more than the Ctrl-C allowed
      if (o.stop) await new Promise((resolve) => setImmediate(resolve));
    }
  };
  await Promise.all(Array.from({ length: o.workers }, worker));
  flush();
  return lines.slice(0, written);
}
