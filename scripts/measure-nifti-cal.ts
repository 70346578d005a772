/**
 * Would honouring a NIfTI header's display range (cal_min / cal_max) keep the models on their
 * training distribution? Not a test: run by hand, with the models in MODELS_DIR and the data set in
 * ../shared/data (nothing is written: every volume is made in memory and dropped),
 *   node -r ts-node/register/transpile-only scripts/measure-nifti-cal.ts [images per label]
 *
 * Each held-out brain JPEG of the training set's source (the 8-bit slice the models were trained
 * on, `test_` rows of brain_tumor_nickparvar) is turned into the physical values a NIfTI volume
 * holds (× 12 + Gaussian noise σ 4, int16-like; "hot": plus 40 voxels at 2.5 × the maximum, as
 * vessels or fat give), then windowed to 8 bits as each kind of cal range would window it, and
 * analysed (AnalysisService.analyzePixels, the study path's). Compared with the answer on the
 * original 8-bit slice: triage acceptance as brain, the same top class, |Δ P(tumour)|, and the
 * mean |Δ| of the 8-bit pixels.
 */
import { AppConfig } from '../src/config/config.service';
import { createAnalysisContext } from '../src/cli/analysis-context';
import { applyRange, percentileWindow, Window } from '../src/studies/windowing';
import { brainImages, greyFromFile } from '../test/support/study-fixtures';

type WindowRule = (v: Float32Array, p: Window) => Window;

/** the display ranges a header might carry, as functions of the data (p: its 0.5–99.5 % percentile window) */
const RULES: Record<string, WindowRule> = {
  'percentile (today)': (_v, p) => p,
  'cal = data min..max (fslmaths -range, a full-range save)': (v) => ({ lo: Math.min(...sampleOf(v)), hi: Math.max(...sampleOf(v)) }),
  'cal = window narrowed by 5 % of its span at each end': (_v, p) => ({ lo: p.lo + (p.hi - p.lo) / 20, hi: p.hi - (p.hi - p.lo) / 20 }),
  'cal = window widened by 25 % of its span at each end': (_v, p) => ({ lo: p.lo - (p.hi - p.lo) / 4, hi: p.hi + (p.hi - p.lo) / 4 }),
  'cal = window narrowed by 10 % of its span at each end': (_v, p) => ({ lo: p.lo + (p.hi - p.lo) / 10, hi: p.hi - (p.hi - p.lo) / 10 }),
  'cal = lower 70 % of the range (brightened, as T1 is often shown)': (_v, p) => ({ lo: p.lo, hi: p.lo + 0.7 * (p.hi - p.lo) }),
  'cal = middle half of the range (a viewer user\'s contrast)': (_v, p) => ({ lo: p.lo + (p.hi - p.lo) / 4, hi: p.hi - (p.hi - p.lo) / 4 }),
  'cal = range widened 2× (a loose window)': (_v, p) => ({ lo: p.lo - (p.hi - p.lo) / 2, hi: p.hi + (p.hi - p.lo) / 2 }),
  'cal = 0..32767 (the int16 type range)': () => ({ lo: 0, hi: 32767 }),
  'cal = top 40 % only (a threshold, as a stats map)': (_v, p) => ({ lo: p.lo + 0.6 * (p.hi - p.lo), hi: p.hi }),
};

function sampleOf(v: Float32Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < v.length; i += 7) out.push(v[i]);
  return out;
}

/** a deterministic N(0, 1) (Box–Muller over a 32-bit LCG) */
function gaussian(seed: number): () => number {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

interface Tally {
  n: number;
  brain: number;
  sameLabel: number;
  dp: number;
  dpix: number;
  saturated: number;
}

async function main(): Promise<void> {
  const perLabel = Number(process.argv[2] ?? 10);
  const files = ['glioma', 'meningioma', 'pituitary', 'notumor'].flatMap((l) => brainImages(l, perLabel));
  if (!files.length) throw new Error('no images: ../shared/data is missing');
  const { ctx, service } = await createAnalysisContext(AppConfig.fromProcess({ LOG_LEVEL: 'warn' }));
  const tallies: Record<string, Tally> = {};
  const pTumour = (p: Record<string, number>) => (p.notumor !== undefined ? 1 - p.notumor : NaN);
  for (const [f, file] of files.entries()) {
    const g = await greyFromFile(file);
    const ref = await service.analyzePixels({ width: g.width, height: g.height, channels: 1, data: g.data });
    for (const hot of [false, true]) {
      const noise = gaussian(1000 + f);
      const v = new Float32Array(g.data.length);
      for (let i = 0; i < v.length; i++) v[i] = Math.round(g.data[i] * 12 + 4 * noise());
      if (hot) for (let k = 0; k < 40; k++) v[(k * 7919 + f * 104729) % v.length] = 255 * 12 * 2.5;
      const p = percentileWindow([v]);
      for (const [name, rule] of Object.entries(RULES)) {
        const data = applyRange(v, rule(v, p));
        const r = await service.analyzePixels({ width: g.width, height: g.height, channels: 1, data });
        const t = (tallies[`${name}${hot ? ', hot voxels' : ''}`] ??= { n: 0, brain: 0, sameLabel: 0, dp: 0, dpix: 0, saturated: 0 });
        t.n++;
        if (r.anatomy === 'brain' && r.task === 'brain_tumor') t.brain++;
        if (r.label === ref.label && r.status === ref.status) t.sameLabel++;
        const d = Math.abs(pTumour(r.probabilities) - pTumour(ref.probabilities));
        t.dp += Number.isFinite(d) ? d : 1;
        let sum = 0;
        let sat = 0;
        for (let i = 0; i < data.length; i++) {
          sum += Math.abs(data[i] - g.data[i]);
          if (data[i] === 0 || data[i] === 255) sat++;
        }
        t.dpix += sum / data.length;
        t.saturated += sat / data.length;
      }
    }
  }
  console.log(`${files.length} held-out brain slices (${perLabel} per label), reference: the 8-bit slice itself`);
  console.log('window | brain & diagnosed | same answer | mean |ΔP(tumour)| | mean |Δpixel| | pixels at 0 or 255');
  for (const [name, t] of Object.entries(tallies)) {
    const pct = (x: number) => `${((100 * x) / t.n).toFixed(0)} %`;
    console.log(`${name} | ${pct(t.brain)} | ${pct(t.sameLabel)} | ${(t.dp / t.n).toFixed(3)} | ${(t.dpix / t.n).toFixed(1)} | ${pct(t.saturated)}`);
  }
  await ctx.close();
}

void main();
