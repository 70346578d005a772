import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { finished } from 'node:stream/promises';
import { UsageError } from './evaluate-lib';

/** The JSONL output could not be written to the end (a full disk): exit 1 naming it. */
export class OutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputError';
  }
}

/**
 * `--out FILE`, checked before the models load. The lines go to a temporary file beside FILE, renamed
 * onto it once the run has written its last line: a run stopped mid-way (a second Ctrl-C, a crash,
 * a full disk) leaves FILE as it was, never a report cut mid-line. An existing FILE is refused unless
 * `--force`: it was truncated without a word, a long run's report lost to a re-typed command. A
 * device or a pipe (`/dev/null`, `>(…)`) is written in place: it has nothing to overwrite or rename.
 * The temporary file is made when the lines start (stream()), so a Ctrl-C while the models load —
 * Node's default, which runs no 'exit' handler — leaves none behind.
 */
export class OutputFile {
  private done = false;
  private made = false;

  private constructor(
    readonly target: string,
    private readonly temp: string | null,
    private readonly deviceFd: number | null,
  ) {}

  static open(file: string, o: { inputs?: Record<string, string | undefined>; force?: boolean } = {}): OutputFile {
    const resolved = path.resolve(file);
    const existing = statOrUndefined(resolved);
    for (const [option, input] of Object.entries(o.inputs ?? {})) {
      const other = input === undefined ? undefined : statOrUndefined(input);
      if (existing && other && existing.dev === other.dev && existing.ino === other.ino) {
        throw new UsageError(`--out: ${resolved} is the --${option} file; writing there would overwrite it: name another file`);
      }
    }
    if (existing?.isDirectory()) throw new UsageError(`--out: cannot write ${resolved}: it is a folder`);
    if (existing && !existing.isFile()) return new OutputFile(resolved, null, openOrUsage(resolved, 'w'));
    if (existing && !o.force) throw new UsageError(`--out: ${resolved} already exists; give --force to replace it, or name another file`);
    // a link is replaced at what it points to, as writing through it did
    const target = existing ? fs.realpathSync(resolved) : resolved;
    const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.partial`);
    // whether the folder takes the file is known now, not after the models have loaded
    fs.closeSync(openOrUsage(temp, 'wx', resolved));
    fs.rmSync(temp);
    return new OutputFile(target, temp, null);
  }

  /** A stream over the file; its write errors are kept for finish() instead of an unhandled 'error' stack. */
  stream(): { out: NodeJS.WritableStream; failed: { error?: Error } } {
    if (this.temp) {
      // whatever ends the process before finish() (process.exit on a second Ctrl-C included) removes it
      process.once('exit', this.discard);
      this.made = true;
    }
    // opened here, not by the stream later: a discard() before the stream's own open would find no file
    // and the open would then leave a stray .partial behind
    const fd = this.temp ? fs.openSync(this.temp, 'w') : (this.deviceFd as number);
    const out = fs.createWriteStream('', { fd });
    return { out, failed: watchOutput(out) };
  }

  /** Ends the stream, then puts the file in place; a failed write leaves FILE as it was (exit 1). */
  async finish(out: NodeJS.WritableStream, failed: { error?: Error }): Promise<void> {
    await endOutput(out, failed).catch((err: unknown) => {
      this.discard();
      throw err;
    });
    if (this.temp) fs.renameSync(this.temp, this.target);
    this.done = true;
    process.off('exit', this.discard);
  }

  readonly discard = (): void => {
    if (this.done || !this.temp || !this.made) return;
    this.done = true;
    fs.rmSync(this.temp, { force: true });
  };
}

function statOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}

function openOrUsage(file: string, flags: string, shown = file): number {
  try {
    return fs.openSync(file, flags);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? `no such folder ${path.dirname(shown)}` : code === 'EACCES' ? `no permission to write in ${path.dirname(shown)}` : (err as Error).message;
    throw new UsageError(`--out: cannot write ${shown}: ${why}`);
  }
}

/**
 * Keeps the first write error of the output, so that it ends the run as an OutputError instead
 * of an unhandled 'error' event (a stack trace in the middle of a long run).
 */
export function watchOutput(out: NodeJS.WritableStream): { error?: Error } {
  const state: { error?: Error } = {};
  out.on('error', (e: Error) => (state.error ??= e));
  return state;
}

/**
 * Ends a file output (never stdout) and throws if any write to it failed. It waited on end()'s
 * callback, which runs before the stream's 'error' event: a write refused by a full disk was never
 * seen, and the run exited 0 with a report missing its lines. finished() settles after the error.
 */
export async function endOutput(out: NodeJS.WritableStream, state: { error?: Error }): Promise<void> {
  if (out !== process.stdout) {
    out.end();
    await finished(out).catch((e: Error) => (state.error ??= e));
  }
  // stdout's reader gone (`| head -1`: EPIPE) was "--out: writing failed", with no --out given
  if (state.error && out === process.stdout) throw new OutputError(`stdout: writing failed: ${state.error.message} (its reader closed it?); the run stopped`);
  if (state.error) throw new OutputError(`--out: writing failed: ${state.error.message}`);
}

/**
 * Aborts once the output fails (its reader gone, a full disk): the run then starts nothing more — it went on
 * through every remaining row or study, their lines written to nowhere, before saying the output had failed.
 */
export function outputFailed(out: NodeJS.WritableStream): AbortSignal {
  const failed = new AbortController();
  out.once('error', () => failed.abort());
  return failed.signal;
}

/**
 * Ctrl-C during a run, for both modes: the first SIGINT aborts the returned signal — the run starts
 * nothing more, finishes what is in progress and says its output is partial — a second quits at once
 * (exit 130; the 'exit' handlers remove an unfinished `--out`). `--studies` had no handler: Ctrl-C
 * killed it mid-study, its output cut wherever it was and no summary. SIGTERM (`kill`, `timeout`, a
 * supervisor) and SIGHUP (a closed terminal) quit at once as a second Ctrl-C does (exit 128 + the signal's
 * number): Node's default ended the process without its 'exit' handlers, and an unfinished `--out`'s
 * temporary file (.FILE.<pid>.partial) stayed beside FILE for good.
 */
export function interruptible(what: string, toFile: boolean): { signal: AbortSignal; dispose: () => void } {
  const stop = new AbortController();
  const then = toFile ? '--out is then left as it was' : 'the last line may then be cut';
  const onInterrupt = () => {
    if (stop.signal.aborted) process.exit(130);
    stop.abort();
    process.stderr.write(`Interrupted: finishing the ${what} in progress (Ctrl-C again quits at once; ${then})\n`);
  };
  const onTerminate = (sig: NodeJS.Signals) => {
    process.stderr.write(`${sig}: quitting at once (${toFile ? '--out left as it was' : 'the last line may be cut'})\n`);
    process.exit(128 + os.constants.signals[sig]);
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onTerminate);
  process.on('SIGHUP', onTerminate);
  return {
    signal: stop.signal,
    dispose: () => {
      process.off('SIGINT', onInterrupt);
      process.off('SIGTERM', onTerminate);
      process.off('SIGHUP', onTerminate);
    },
  };
}

/**
 * Prints the summary (stdout with --out, else stderr), marked `interrupted: {evaluated, <noun>}`
 * when fewer than all were evaluated, and returns the exit status: 0, or 130 after an interrupt.
 */
export function reportRun(o: { summary: object; evaluated: number; total: number; noun: 'rows' | 'studies'; outFile?: string }): number {
  const interrupted = o.evaluated < o.total ? { evaluated: o.evaluated, [o.noun]: o.total } : undefined;
  (o.outFile ? process.stdout : process.stderr).write(JSON.stringify({ summary: o.summary, ...(interrupted && { interrupted }) }, null, 2) + '\n');
  if (!interrupted) return 0;
  process.stderr.write(`Interrupted: ${o.evaluated} of ${o.total} ${o.noun} evaluated; ${o.outFile ?? 'the output'} holds their lines only, and the summary covers them only.\n`);
  return 130;
}
