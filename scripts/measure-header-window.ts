/**
 * Which DICOM header windows leave a brain series readable, and what does the service answer on
 * the others? Not a test: run by hand, with the models in MODELS_DIR and the data set in
 * ../shared/data (read at run time; nothing is written: every series is made in memory),
 *   node -r ts-node/register/transpile-only scripts/measure-header-window.ts [series per label] [slices per series]
 *
 * Each series: held-out brain JPEGs of the training set's source (`test_` rows of
 * brain_tumor_nickparvar, consecutive files of one label) turned into int16 modality values
 * (× 12 + Gaussian noise σ 4; "16-bit": × 200, unsigned, as a scanner writing the whole 16-bit range),
 * written as DICOM with one window (c, w) in every header. p = the series' 0.5–99.5 % percentile
 * window, s = its span. For each window: the share of the foreground (window-check.ts: values above
 * 10 % of p) drawn at 0 or 255 and the grey levels left there (the check's own sample), and the
 * StudyService answer with the check off (every defined header window applied, as before) and on,
 * against the answer with the sensible window (c = middle of p, w = s).
 */
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AnalysisService } from '../src/classifier/analysis.service';
import { requireModels } from '../src/cli/analysis-context';
import { ConfigModule } from '../src/config/config.module';
import { AppConfig } from '../src/config/config.service';
import { InferenceModule } from '../src/inference/inference.module';
import { StudyService } from '../src/studies/study.service';
import * as windowCheck from '../src/studies/window-check';
import { percentilesOf } from '../src/studies/windowing-sample';
import { el, mrDicom } from '../test/support/dicom-pixel-fixtures';
import { brainImages, greyFromFile, GreySlice } from '../test/support/study-fixtures';

interface Win {
  c: number;
  w: number;
}
type Case = { name: string; scale: 'int16' | '16-bit'; win: (p: { lo: number; hi: number }) => Win };

const mid = (p: { lo: number; hi: number }) => (p.lo + p.hi) / 2;
const span = (p: { lo: number; hi: number }) => p.hi - p.lo;
const CASES: Case[] = [
  { name: 'sensible (c = mid p, w = s)', scale: 'int16', win: (p) => ({ c: mid(p), w: span(p) }) },
  { name: 'narrower 10 %', scale: 'int16', win: (p) => ({ c: mid(p), w: 0.9 * span(p) }) },
  { name: 'narrower 25 %', scale: 'int16', win: (p) => ({ c: mid(p), w: 0.75 * span(p) }) },
  { name: 'narrower 40 %', scale: 'int16', win: (p) => ({ c: mid(p), w: 0.6 * span(p) }) },
  { name: 'narrower 25 %, up 10 % of s', scale: 'int16', win: (p) => ({ c: mid(p) + 0.1 * span(p), w: 0.75 * span(p) }) },
  { name: 'narrower 25 %, down 10 % of s', scale: 'int16', win: (p) => ({ c: mid(p) - 0.1 * span(p), w: 0.75 * span(p) }) },
  { name: 'narrower 40 %, up 15 % of s', scale: 'int16', win: (p) => ({ c: mid(p) + 0.15 * span(p), w: 0.6 * span(p) }) },
  { name: 'narrower 40 %, down 15 % of s', scale: 'int16', win: (p) => ({ c: mid(p) - 0.15 * span(p), w: 0.6 * span(p) }) },
  { name: 'lower 70 % of p (T1 brightened)', scale: 'int16', win: (p) => ({ c: p.lo + 0.35 * span(p), w: 0.7 * span(p) }) },
  { name: 'middle half of p', scale: 'int16', win: (p) => ({ c: mid(p), w: 0.5 * span(p) }) },
  { name: 'wider 2×', scale: 'int16', win: (p) => ({ c: mid(p), w: 2 * span(p) }) },
  { name: 'wider 3×', scale: 'int16', win: (p) => ({ c: mid(p), w: 3 * span(p) }) },
  { name: 'wider 5×', scale: 'int16', win: (p) => ({ c: mid(p), w: 5 * span(p) }) },
  { name: 'wider 10×', scale: 'int16', win: (p) => ({ c: mid(p), w: 10 * span(p) }) },
  { name: 'w = s, down 25 % of s', scale: 'int16', win: (p) => ({ c: mid(p) - 0.25 * span(p), w: span(p) }) },
  { name: 'w = s, down 40 % of s', scale: 'int16', win: (p) => ({ c: mid(p) - 0.4 * span(p), w: span(p) }) },
  { name: 'BROKEN centre 2 (width kept)', scale: 'int16', win: (p) => ({ c: 2, w: span(p) }) },
  { name: 'BROKEN centre 2, width 4', scale: 'int16', win: () => ({ c: 2, w: 4 }) },
  { name: 'BROKEN width 1 (centre kept)', scale: 'int16', win: (p) => ({ c: mid(p), w: 1 }) },
  { name: 'BROKEN 12-bit window 2048/4096 on 16-bit values', scale: '16-bit', win: () => ({ c: 2048, w: 4096 }) },
  { name: 'BROKEN centre above the data (+3 s)', scale: 'int16', win: (p) => ({ c: p.hi + 3 * span(p), w: span(p) }) },
  { name: 'BROKEN centre below the data (intercept −1024 twice)', scale: 'int16', win: (p) => ({ c: mid(p) - 2048, w: span(p) }) },
  { name: 'BROKEN int16 type range (c 0, w 65536)', scale: 'int16', win: () => ({ c: 0, w: 65536 }) },
  { name: 'BROKEN wider 20×', scale: 'int16', win: (p) => ({ c: mid(p), w: 20 * span(p) }) },
];

/** a deterministic N(0, 1) (Box–Muller over a 32-bit LCG) */
function gaussian(seed: number): () => number {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

function toValues(slices: GreySlice[], scale: Case['scale'], seed: number): Int32Array[] {
  const noise = gaussian(seed);
  return slices.map((g) => Int32Array.from(g.data, (v) => (scale === 'int16' ? Math.round(v * 12 + 4 * noise()) : Math.min(65535, Math.max(0, Math.round(v * 200 + 60 * noise()))))));
}

function series(values: Int32Array[], g: GreySlice, scale: Case['scale'], win: Win): Uint8Array[] {
  return values.map((v, i) =>
    new Uint8Array(
      mrDicom({
        rows: g.height,
        columns: g.width,
        bitsAllocated: 16,
        pixelRepresentation: scale === 'int16' ? 1 : 0,
        words: v,
        z: 5 * i,
        instanceNumber: i + 1,
        extra: [el.ds(0x00281050, Number(win.c.toFixed(2))), el.ds(0x00281051, Number(win.w.toFixed(2)))],
      }),
    ),
  );
}

/** the check's verdict on the series as the service windows it (same sample stride, same rule) */
function verdictOf(values: Int32Array[], win: Win): windowCheck.WindowVerdict {
  const total = values.reduce((n, v) => n + v.length, 0);
  const check = new windowCheck.HeaderWindowCheck(total);
  const lo = win.c - 0.5 - (win.w - 1) / 2;
  const hi = win.c - 0.5 + (win.w - 1) / 2;
  for (const v of values) {
    const f = Float32Array.from(v);
    const out = new Uint8Array(f.length);
    for (let i = 0; i < f.length; i++) out[i] = f[i] <= lo ? 0 : f[i] > hi ? 255 : Math.max(0, Math.min(255, Math.round(((f[i] - (win.c - 0.5)) / (win.w - 1) + 0.5) * 255)));
    check.add(f, out);
  }
  return check.verdict();
}

interface Answer {
  status: string;
  label: string | null;
  confidence: number | null;
  windowing: string;
  code: string | null;
}

async function main(): Promise<void> {
  const perLabel = Number(process.argv[2] ?? 2);
  const perSeries = Number(process.argv[3] ?? 6);
  const config = AppConfig.fromProcess({ LOG_LEVEL: 'warn' });
  @Module({ imports: [ConfigModule.forRoot(config), InferenceModule], providers: [AnalysisService, StudyService] })
  class MeasureModule {}
  const ctx = await NestFactory.createApplicationContext(MeasureModule, { logger: ['error', 'warn'] });
  await requireModels(ctx, config);
  const studies = ctx.get(StudyService);
  const usable = windowCheck.headerWindowUsable;
  const setCheck = (on: boolean) => ((windowCheck as { headerWindowUsable: typeof usable }).headerWindowUsable = on ? usable : () => true);
  const ask = async (files: Uint8Array[]): Promise<Answer> => {
    const r = await studies.analyze(files);
    return { status: r.status, label: r.label, confidence: r.confidence, windowing: r.study.windowing, code: r.code };
  };

  const groups: GreySlice[][] = [];
  for (const label of ['notumor', 'glioma', 'meningioma', 'pituitary']) {
    const files = brainImages(label, perLabel * perSeries);
    if (files.length < perLabel * perSeries) throw new Error(`not enough ${label} images: ../shared/data is missing?`);
    for (let s = 0; s < perLabel; s++) groups.push(await Promise.all(files.slice(s * perSeries, (s + 1) * perSeries).map((f) => greyFromFile(f))));
  }
  console.log(`${groups.length} series of ${perSeries} slices (${perLabel} per label); reference: the same series with the sensible window, check off`);
  console.log('window | foreground saturated (min–max) | grey levels (min–max) | check rejects | check off: same answer, mean confidence | check on: same answer, windowing | answers with the check off');
  const refs: Answer[] = [];
  for (const [ci, c] of CASES.entries()) {
    const sat: number[] = [];
    const levels: number[] = [];
    let rejects = 0;
    let sameOff = 0;
    let sameOn = 0;
    let conf = 0;
    const onWindowing = new Set<string>();
    const offAnswers = new Map<string, number>();
    for (const [gi, g] of groups.entries()) {
      const values = toValues(g, c.scale, 1000 + gi);
      const p = percentilesOf(values.flatMap((v) => Array.from(v)));
      const win = c.win(p);
      const v = verdictOf(values, win);
      sat.push(v.saturated);
      levels.push(v.greyLevels);
      const files = series(values, g[0], c.scale, win);
      setCheck(false);
      const off = await ask(files);
      if (ci === 0) refs[gi] = off;
      const ref = refs[gi];
      const same = (a: Answer) => a.status === ref.status && a.label === ref.label;
      if (same(off)) sameOff++;
      const key = `${off.status}${off.label ? ` ${off.label}` : ''}${off.code ? ` ${off.code}` : ''}`;
      offAnswers.set(key, (offAnswers.get(key) ?? 0) + 1);
      conf += off.confidence ?? 0;
      let on = off;
      if (!usable(v)) {
        rejects++;
        setCheck(true);
        on = await ask(files);
      }
      onWindowing.add(on.windowing);
      if (same(on)) sameOn++;
    }
    const range = (xs: number[], f: (x: number) => string) => `${f(Math.min(...xs))}–${f(Math.max(...xs))}`;
    const n = groups.length;
    console.log(
      `${c.name} | ${range(sat, (x) => `${(100 * x).toFixed(1)} %`)} | ${range(levels, String)} | ${rejects}/${n} | ${sameOff}/${n}, ${(conf / n).toFixed(3)} | ${sameOn}/${n}, ${[...onWindowing].join('/')} | ${[...offAnswers].map(([k, m]) => `${m}× ${k}`).join(', ')}`,
    );
  }
  await ctx.close();
}

void main();
