/**
 * Does the heat map depend on the model, and on the class it is said to explain? Two checks on the
 * real diagnosis model, offline, on the images given (e.g. ../shared/samples/brain-*.jpg). Not a
 * test (it needs the real model and images): run by hand,
 *   node -r ts-node/register/transpile-only scripts/measure-heatmap-sanity.ts models/brain_tumor IMAGE...
 *
 * 1. Class: the rank correlation (Spearman, over the cam cells after the server's clamp-and-scale)
 *    between the map of the predicted class — the one the page shows — and each other class's map.
 *    Near 1: the map looks the same whichever class it is "for".
 * 2. Model (Adebayo et al. 2018, cascading randomisation): the same correlation between the
 *    predicted class's map of the trained model and that of copies with their top layers' weights
 *    replaced by Gaussian noise of the same mean and spread — the classifier (`_fc`), then also
 *    the last conv head and its batch norm. Near 1: the map does not depend on what was learned.
 *
 * 3. Focus (the rule in camFocus()): the shown map's contrast — (max − min) / max of the class's
 *    cam clamped at 0 — and share of cells at ≥ half the peak, split by whether the answer is
 *    confident (top softmax ≥ the card's confidence threshold); how many maps the server would
 *    show without an overlay ("no region stands out"). `--focus-only` first skips the randomised
 *    models (three runs an image instead of one) for large image sets.
 *
 * The weights are replaced in a copy of the ONNX bytes (raw_data of each initializer, same length),
 * so no ONNX tooling is needed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { decodeImage } from '../src/inference/image-decoder';
import { camFocus, FOCUS_MAX_HOT_SHARE, normaliseCam } from '../src/explainability/heatmap';
import type { ModelCard } from '../src/inference/model-card';
import { preprocess } from '../src/inference/preprocess';

interface Initializer {
  name: string;
  dataType: number;
  /** raw_data's place in the file (float32 only is used) */
  offset: number;
  length: number;
}

function varint(buf: Uint8Array, at: number): [number, number] {
  let v = 0;
  let mul = 1;
  for (;;) {
    const b = buf[at++];
    v += (b & 0x7f) * mul;
    if (b < 0x80) return [v, at];
    mul *= 128;
  }
}

/** The fields of one protobuf message in [start, end): field number, wire type, value or payload span. */
function* fields(buf: Uint8Array, start: number, end: number): Generator<{ field: number; wire: number; value: number; from: number; to: number }> {
  let at = start;
  while (at < end) {
    const [key, a] = varint(buf, at);
    at = a;
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) {
      const [v, b] = varint(buf, at);
      yield { field, wire, value: v, from: at, to: b };
      at = b;
    } else if (wire === 2) {
      const [len, b] = varint(buf, at);
      yield { field, wire, value: len, from: b, to: b + len };
      at = b + len;
    } else if (wire === 5) {
      yield { field, wire, value: 0, from: at, to: at + 4 };
      at += 4;
    } else if (wire === 1) {
      yield { field, wire, value: 0, from: at, to: at + 8 };
      at += 8;
    } else throw new Error(`wire type ${wire} at ${at}`);
  }
}

/** ModelProto.graph (7) → GraphProto.initializer (5) → TensorProto name (8), data_type (2), raw_data (9). */
function initializers(buf: Uint8Array): Initializer[] {
  const out: Initializer[] = [];
  for (const m of fields(buf, 0, buf.length)) {
    if (m.field !== 7 || m.wire !== 2) continue;
    for (const g of fields(buf, m.from, m.to)) {
      if (g.field !== 5 || g.wire !== 2) continue;
      let name = '';
      let dataType = 0;
      let offset = -1;
      let length = 0;
      for (const t of fields(buf, g.from, g.to)) {
        if (t.field === 8 && t.wire === 2) name = Buffer.from(buf.subarray(t.from, t.to)).toString('utf8');
        else if (t.field === 2 && t.wire === 0) dataType = t.value;
        else if (t.field === 9 && t.wire === 2) (offset = t.from), (length = t.to - t.from);
      }
      if (offset >= 0) out.push({ name, dataType, offset, length });
    }
  }
  return out;
}

/** Deterministic Gaussian noise (Box–Muller on a 32-bit LCG). */
function gaussian(seed: number): () => number {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 1) / 4294967297;
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/** IEEE half (ONNX data_type 10) ↔ float, enough for noise of a weight tensor's own spread. */
function halfToFloat(h: number): number {
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  const v = e === 0 ? m * 2 ** -24 : e === 31 ? (m ? NaN : Infinity) : (1 + m / 1024) * 2 ** (e - 15);
  return h & 0x8000 ? -v : v;
}
function floatToHalf(v: number): number {
  const sign = v < 0 ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a >= 65504) return sign | 0x7bff;
  if (a < 2 ** -14) return sign | Math.round(a / 2 ** -24);
  const e = Math.floor(Math.log2(a));
  const m = Math.round((a / 2 ** e - 1) * 1024);
  return m === 1024 ? sign | ((e + 16) << 10) : sign | ((e + 15) << 10) | m;
}

/**
 * A copy of the model with the initializers whose names match `which` (float32 or float16: the
 * graph keeps most weights as fp16) replaced by Gaussian noise of their own mean and spread.
 */
function randomised(model: Uint8Array, inits: Initializer[], which: RegExp, seed: number): { bytes: Uint8Array; names: string[] } {
  const copy = Uint8Array.from(model);
  const names: string[] = [];
  const g = gaussian(seed);
  for (const t of inits) {
    if ((t.dataType !== 1 && t.dataType !== 10) || !which.test(t.name)) continue;
    const raw = copy.buffer.slice(copy.byteOffset + t.offset, copy.byteOffset + t.offset + t.length);
    const half = t.dataType === 10 ? new Uint16Array(raw) : null;
    const view = half ? Float32Array.from(half, halfToFloat) : new Float32Array(raw);
    let mean = 0;
    for (const v of view) mean += v;
    mean /= view.length;
    let sq = 0;
    for (const v of view) sq += (v - mean) ** 2;
    const sd = Math.sqrt(sq / view.length) || 1e-3;
    for (let i = 0; i < view.length; i++) view[i] = mean + sd * g();
    copy.set(new Uint8Array(half ? Uint16Array.from(view, floatToHalf).buffer : view.buffer), t.offset);
    names.push(t.name);
  }
  return { bytes: copy, names };
}

function ranks(a: Float32Array): Float64Array {
  const idx = Array.from(a.keys()).sort((i, j) => a[i] - a[j]);
  const r = new Float64Array(a.length);
  for (let k = 0; k < idx.length; ) {
    let e = k;
    while (e + 1 < idx.length && a[idx[e + 1]] === a[idx[k]]) e++;
    for (let q = k; q <= e; q++) r[idx[q]] = (k + e) / 2;
    k = e + 1;
  }
  return r;
}

function spearman(a: Float32Array, b: Float32Array): number {
  const ra = ranks(a);
  const rb = ranks(b);
  const mean = (ra.length - 1) / 2;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < ra.length; i++) {
    num += (ra[i] - mean) * (rb[i] - mean);
    da += (ra[i] - mean) ** 2;
    db += (rb[i] - mean) ** 2;
  }
  return da && db ? num / Math.sqrt(da * db) : NaN;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const focusOnly = args[0] === '--focus-only';
  const [dir, ...named] = focusOnly ? args.slice(1) : args;
  // @LIST: the images named one a line in LIST (node crashed on a command line of 1,283 paths)
  const images = named.flatMap((a) => (a.startsWith('@') ? fs.readFileSync(a.slice(1), 'utf8').split('\n').filter(Boolean) : [a]));
  const card = JSON.parse(fs.readFileSync(path.join(dir, 'model_card.json'), 'utf8')) as ModelCard;
  const model = new Uint8Array(fs.readFileSync(path.join(dir, 'model.onnx')));
  const inits = initializers(model);
  const open = (bytes: Uint8Array) => ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  const trained = await open(model);
  const headOnly = randomised(model, inits, /(^|\.)_fc\./, 1);
  // the classifier, then also the last conv layer of both trunks (their batch-norm statistics are kept: noise there gives negative variances)
  const cascade = randomised(model, inits, /^net\._fc\.|^net\.(task\._conv_head|generic_conv_head)\.weight/, 2);
  console.log(`randomised (head): ${headOnly.names.join(', ')}`);
  console.log(`randomised (cascade): ${cascade.names.join(', ')}`);
  const variants = focusOnly
    ? []
    : ([
        ['head', await open(headOnly.bytes)],
        ['cascade', await open(cascade.bytes)],
      ] as const);
  const s = card.input.size;
  const planeOf = (cam: Float32Array, c: number, plane: number) => normaliseCam(cam.subarray(c * plane, (c + 1) * plane));
  const run = async (session: ort.InferenceSession, tensor: Float32Array) => {
    const out = await session.run({ [card.input.name]: new ort.Tensor('float32', tensor, [1, 3, s, s]) });
    return { logits: out.logits.data as Float32Array, cam: out.cam.data as Float32Array, plane: Number(out.cam.dims[2]) * Number(out.cam.dims[3]) };
  };
  const rows: string[] = [];
  const focus = { confident: [] as number[], unsure: [] as number[], contrast: [] as number[], hidden: { confident: 0, unsure: 0 } };
  const stats = { empty: 0, hot: [] as number[], otherMax: [] as number[], head: [] as number[], cascade: [] as number[] };
  for (const file of images) {
    const img = await decodeImage(fs.readFileSync(file), { maxPixels: 100e6, minSide: 1 });
    const { tensor } = preprocess(img, s, card.input.normalization);
    const a = await run(trained, tensor);
    const top = a.logits.indexOf(Math.max(...a.logits));
    const shown = planeOf(a.cam, top, a.plane);
    const f = camFocus(a.cam.subarray(top * a.plane, (top + 1) * a.plane));
    const e = a.logits.map((v) => Math.exp(v - a.logits[top]));
    const confident = 1 / e.reduce((x, y) => x + y, 0) >= card.thresholds.confidence;
    focus[confident ? 'confident' : 'unsure'].push(f.hotShare);
    focus.contrast.push(f.contrast);
    if (f.focus === 'none') focus.hidden[confident ? 'confident' : 'unsure']++;
    // the map the page would show is blank: no cell of the shown class's cam above 0
    if (!shown.some((v) => v > 0)) stats.empty++;
    // how much of the grid the map paints hot (at least half its peak): a map hot everywhere points nowhere
    stats.hot.push(shown.filter((v) => v >= 0.5).length / shown.length);
    const vsOthers = card.labels.map((_, c) => c).filter((c) => c !== top).map((c) => [card.labels[c], spearman(shown, planeOf(a.cam, c, a.plane))] as const);
    stats.otherMax.push(Math.max(...vsOthers.map(([, r]) => (Number.isNaN(r) ? -1 : r))));
    const rnd: string[] = [];
    for (const [name, session] of variants) {
      const b = await run(session, tensor);
      const r = spearman(shown, planeOf(b.cam, top, b.plane));
      stats[name].push(r);
      rnd.push(`${name} ${r.toFixed(2)}`);
    }
    rows.push(`${path.basename(file)}: top ${card.labels[top]} | vs other classes: ${vsOthers.map(([l, r]) => `${l} ${r.toFixed(2)}`).join(', ')} | vs randomised: ${rnd.join(', ')}`);
  }
  if (images.length <= 20) console.log(rows.join('\n'));
  const q = (xs: number[], p: number) => {
    const v = xs.filter((x) => !Number.isNaN(x)).sort((x, y) => x - y);
    return v.length ? v[Math.min(v.length - 1, Math.floor(p * v.length))].toFixed(2) : 'n/a';
  };
  const line = (name: string, xs: number[]) => `${name}: median ${q(xs, 0.5)}, p90 ${q(xs, 0.9)}, max ${q(xs, 1)}`;
  const high = (name: string, xs: number[]) => `${name} (n=${xs.length}): median ${q(xs, 0.5)}, p95 ${q(xs, 0.95)}, p99 ${q(xs, 0.99)}, max ${q(xs, 1)}`;
  console.log(high('hot share, confident answers', focus.confident));
  console.log(high('hot share, unsure answers', focus.unsure));
  console.log(`contrast (max - min) / max: min ${q(focus.contrast, 0)}, median ${q(focus.contrast, 0.5)}`);
  console.log(`no overlay at hot share > ${FOCUS_MAX_HOT_SHARE}: confident ${focus.hidden.confident}, unsure ${focus.hidden.unsure}`);
  console.log(`${images.length} images; shown class's map blank (cam <= 0 everywhere): ${stats.empty}`);
  console.log(line('share of cam cells at >= half the peak', stats.hot));
  console.log(line('Spearman, shown class vs the most similar other class', stats.otherMax));
  console.log(line('Spearman, trained vs classifier randomised', stats.head));
  console.log(line('Spearman, trained vs classifier + last conv randomised', stats.cascade));
}

void main();
