import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../support/app';
import { hasEvaluateBuild, runEvaluate, unprivileged, wholeJsonLines } from '../support/evaluate-cli';
import { solidPng } from '../support/images';
import { dicomSeries, gzip, nifti1, syntheticSlice } from '../support/study-fixtures';

/**
 * `npm run evaluate` as a process (the built dist/): what only the process shows — a folder its user
 * cannot read, a real Ctrl-C (SIGINT) mid-run. Needs `npm run build`; skipped without one.
 */
const built = hasEvaluateBuild() ? describe : describe.skip;

const bright = () => Array.from({ length: 4 }, (_, k) => syntheticSlice(64, 64, (x, y) => ((x + y + k) % 61 === 0 ? 250 : 255)));
const volume = () => gzip(nifti1([64, 64, 3], (i, j) => (i * j) % 900, { sliceDim: 3 }));

built('evaluate (built CLI process)', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('sentinel-eval-cli-');
    fs.chmodSync(dir, 0o755);
  });
  afterEach(() => {
    // a folder left chmod 000 cannot be removed by a non-root user
    // (a link is left alone: chmod follows it, and its target may be gone)
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (!e.isSymbolicLink()) fs.chmodSync(path.join(dir, e.name), 0o755);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const as = unprivileged();
  (('skip' in as) ? it.skip : it)(`--studies: a sub-folder the user cannot read is an error line naming it, the others are analysed, exit 0${'skip' in as ? ` (skipped: ${as.skip})` : ''}`, async () => {
    // it stopped the whole run before any study, with a stack trace and exit 1: EACCES: permission denied, scandir '…/b-locked'
    for (const name of ['a-ok', 'b-locked']) {
      fs.mkdirSync(path.join(dir, name));
      dicomSeries(bright()).forEach((b, i) => fs.writeFileSync(path.join(dir, name, `IM${i}`), b));
    }
    fs.writeFileSync(path.join(dir, 'c.nii.gz'), volume());
    fs.chmodSync(path.join(dir, 'b-locked'), 0o000);
    const run = runEvaluate(['--studies', dir], 'wrap' in as ? { wrap: as.wrap } : {});
    const { code, stdout, stderr } = await run.done;
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(code).toBe(0);
    const lines = wholeJsonLines(stdout) as { path: string; status: string; code: string | null; message: string }[];
    expect(lines.map((l) => l.path)).toEqual(['a-ok', 'b-locked', 'c.nii.gz']);
    expect(lines[1]).toMatchObject({ status: 'error', code: 'FILE_UNREADABLE' });
    expect(lines[1].message).toContain(path.join(dir, 'b-locked'));
    expect(lines[1].message).toMatch(/permission denied/i);
    expect(lines[0].status).not.toBe('error');
    expect(lines[2].status).not.toBe('error');
  });

  (('skip' in as) ? it.skip : it)(`--studies: a link into a folder the user may not enter is FILE_UNREADABLE, not a link to nothing${'skip' in as ? ` (skipped: ${as.skip})` : ''}`, async () => {
    // both were BROKEN_LINK "a link to nothing (its target cannot be read)", as if the target were gone, and a series
    // with such a link among its slices was analysed from the others without a word
    const store = tempDir('sentinel-eval-store-');
    try {
      fs.writeFileSync(path.join(store, 'vol.nii.gz'), volume());
      fs.mkdirSync(path.join(dir, 'c-series'));
      dicomSeries(bright()).forEach((b, i) => fs.writeFileSync(path.join(dir, 'c-series', `IM${i}`), b));
      fs.writeFileSync(path.join(store, 'IM9'), dicomSeries(bright())[0]);
      fs.symlinkSync(path.join(store, 'vol.nii.gz'), path.join(dir, 'a-locked.nii.gz'));
      fs.symlinkSync(path.join(dir, 'gone.nii.gz'), path.join(dir, 'b-gone.nii.gz'));
      fs.symlinkSync(path.join(store, 'IM9'), path.join(dir, 'c-series', 'IM9'));
      fs.chmodSync(store, 0o000);
      const { code, stdout, stderr } = await runEvaluate(['--studies', dir], 'wrap' in as ? { wrap: as.wrap } : {}).done;
      expect(stderr).not.toMatch(/\n\s+at /);
      expect(code).toBe(0);
      const lines = wholeJsonLines(stdout) as { path: string; status: string; code: string | null; message: string }[];
      expect(lines.map((l) => [l.path, l.status, l.code])).toEqual([
        ['a-locked.nii.gz', 'error', 'FILE_UNREADABLE'],
        ['b-gone.nii.gz', 'rejected', 'BROKEN_LINK'],
        ['c-series', 'error', 'FILE_UNREADABLE'],
      ]);
      expect(lines[0].message).toBe(`Cannot follow the link ${path.join(dir, 'a-locked.nii.gz')}: permission denied (EACCES) on its target or a folder on the way; the study was not analysed.`);
      expect(lines[1].message).toBe('This entry is a broken link (its target does not exist).');
      expect(lines[2].message).toMatch(new RegExp(`^Cannot read ${path.join(dir, 'c-series', 'IM9')}: EACCES: permission denied`));
    } finally {
      fs.chmodSync(store, 0o755);
      fs.rmSync(store, { recursive: true, force: true });
    }
  });

  (('skip' in as) ? it.skip : it)(`--studies DIR that the user cannot read: a usage error naming it, exit 2, before the models load${'skip' in as ? ` (skipped: ${as.skip})` : ''}`, async () => {
    // it was a stack trace and exit 1 (EACCES: permission denied, scandir …), as if the run had failed
    fs.writeFileSync(path.join(dir, 'c.nii.gz'), volume());
    fs.chmodSync(dir, 0o000);
    try {
      const { code, stdout, stderr } = await runEvaluate(['--studies', dir], 'wrap' in as ? { wrap: as.wrap } : {}).done;
      expect(stderr).not.toMatch(/\n\s+at /);
      expect(stderr.split('\n')[0]).toBe(`--studies: cannot read ${dir}: permission denied`);
      expect(code).toBe(2);
      expect(stdout).toBe('');
    } finally {
      fs.chmodSync(dir, 0o755);
    }
  });

  it('--manifest --out: a real SIGINT mid-run finishes the row in progress, starts no other, exit 130, FILE holds whole lines only', async () => {
    // no timing: row 2 is a FIFO, so the CLI is inside row 2 exactly when this test's open() of it for writing returns
    const png = await solidPng(48, 48, 128);
    fs.writeFileSync(path.join(dir, 'img.png'), png);
    execFileSync('mkfifo', [path.join(dir, 'row2.png')]);
    const rows = ['img.png', 'row2.png', ...Array.from({ length: 40 }, () => 'img.png')];
    fs.writeFileSync(path.join(dir, 'm.csv'), `path\n${rows.join('\n')}\n`);
    const out = path.join(dir, 'out.jsonl');
    const run = runEvaluate(['--manifest', path.join(dir, 'm.csv'), '--out', out, '--concurrency', '1']);
    const fifo = await fs.promises.open(path.join(dir, 'row2.png'), 'w');
    run.child.kill('SIGINT');
    await fifo.writeFile(png);
    await fifo.close();
    const { code, stdout, stderr } = await run.done;
    expect(code).toBe(130);
    const written = wholeJsonLines(fs.readFileSync(out, 'utf8')) as { path: string; line: number }[];
    expect(written.map((l) => [l.path, l.line])).toEqual([['img.png', 2], ['row2.png', 3]]);
    expect(JSON.parse(stdout)).toMatchObject({ summary: { images: 2 }, interrupted: { evaluated: 2, rows: 42 } });
    expect(stderr).toContain('Interrupted');
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });

  it.each([['SIGTERM', 143], ['SIGHUP', 129]] as const)('--out: %s mid-run quits at once, leaving no temporary file beside FILE (exit %i)', async (signal, status) => {
    // `kill`, `timeout`, a closed terminal: Node's default ended the process with no 'exit' handler, and
    // .out.jsonl.<pid>.partial stayed in the folder (hidden, never removed), with the rows written so far
    const png = await solidPng(48, 48, 128);
    fs.writeFileSync(path.join(dir, 'img.png'), png);
    execFileSync('mkfifo', [path.join(dir, 'row2.png')]);
    fs.writeFileSync(path.join(dir, 'm.csv'), `path\nimg.png\nrow2.png\n${'img.png\n'.repeat(20)}`);
    const out = path.join(dir, 'out.jsonl');
    const run = runEvaluate(['--manifest', path.join(dir, 'm.csv'), '--out', out, '--concurrency', '1']);
    const fifo = await fs.promises.open(path.join(dir, 'row2.png'), 'w');
    run.child.kill(signal);
    await fifo.writeFile(png);
    await fifo.close();
    const { code } = await run.done;
    expect(code).toBe(status);
    expect(fs.readdirSync(dir).sort()).toEqual(['img.png', 'm.csv', 'row2.png']);
  });

  it('stdout closed by its reader (`| head -1`): exit 1 naming stdout, not --out, which was not given', async () => {
    // it said "--out: writing failed: write EPIPE" and went on through every row with no one reading
    fs.writeFileSync(path.join(dir, 'img.png'), await solidPng(48, 48, 128));
    fs.writeFileSync(path.join(dir, 'm.csv'), `path\n${'img.png\n'.repeat(400)}`);
    const run = runEvaluate(['--manifest', path.join(dir, 'm.csv')]);
    await run.firstLine;
    run.child.stdout?.destroy();
    const { code, stderr } = await run.done;
    expect(code).toBe(1);
    expect(stderr).not.toContain('--out');
    expect(stderr).toMatch(/^stdout: writing failed: .*EPIPE.* \(its reader closed it\?\); the run stopped/m);
  });

  it('options but neither --manifest nor --studies: the usage says which is missing, exit 2', async () => {
    // `--out o.jsonl --force` alone printed the usage with no word of what was wrong
    const { code, stderr } = await runEvaluate(['--out', path.join(dir, 'o.jsonl'), '--force']).done;
    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toBe('Give --manifest FILE.csv or --studies DIR: one of them says what to evaluate');
  });

  const studies = (n: number) => {
    for (let i = 0; i < n; i++) fs.writeFileSync(path.join(dir, `s${String(i).padStart(3, '0')}.nii.gz`), volume());
  };

  it('--studies: a real SIGINT after the first line finishes the study in progress, exit 130, stdout whole lines', async () => {
    studies(60);
    const run = runEvaluate(['--studies', dir]);
    await run.firstLine;
    run.child.kill('SIGINT');
    const { code, stdout, stderr } = await run.done;
    expect(code).toBe(130);
    const lines = wholeJsonLines(stdout) as { path: string }[];
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThan(60);
    const summary = JSON.parse(stderr.slice(stderr.indexOf('{'), stderr.lastIndexOf('}') + 1)) as { summary: { studies: number }; interrupted: object };
    expect(summary).toMatchObject({ summary: { studies: lines.length }, interrupted: { evaluated: lines.length, studies: 60 } });
  });

  it('--studies --out: a real SIGINT once FILE\'s temporary file holds a line: FILE holds whole lines, no temporary file left', async () => {
    studies(60);
    // beside the studies' folder, not in it (a sub-folder would be one more study)
    const out = path.join(tempDir('sentinel-eval-out-'), 'studies.jsonl');
    // the lines go to .studies.jsonl.<pid>.partial: watched (inotify), not polled
    const watcher = fs.watch(path.dirname(out));
    const lineWritten = new Promise<void>((resolve) =>
      watcher.on('change', (_e, name) => {
        const f = path.join(path.dirname(out), String(name));
        if (String(name).endsWith('.partial') && fs.existsSync(f) && fs.readFileSync(f, 'utf8').includes('\n')) resolve();
      }),
    );
    const run = runEvaluate(['--studies', dir, '--out', out]);
    await lineWritten;
    watcher.close();
    run.child.kill('SIGINT');
    const { code, stdout } = await run.done;
    expect(code).toBe(130);
    const lines = wholeJsonLines(fs.readFileSync(out, 'utf8'));
    expect(lines.length).toBeLessThan(60);
    expect(JSON.parse(stdout)).toMatchObject({ interrupted: { evaluated: lines.length, studies: 60 } });
    expect(fs.readdirSync(path.dirname(out))).toEqual(['studies.jsonl']);
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  });
});
