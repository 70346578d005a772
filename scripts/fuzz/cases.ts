/**
 * The cases of scripts/fuzz-uploads.ts: case `id` of a seed and kinds list, built from the seeds
 * and mutators alone (same bytes every time), as the HTTP request that sends it.
 */
import * as zlib from 'node:zlib';
import { archives } from './archive-mutators';
import { dicom, generic, Mutator, nifti, Rng } from './mutators';
import { multipart, Part, randomBoundary } from './multipart';
import { FilePart, Seed } from './seeds';

export type Kind = 'image' | 'study' | 'multipart' | 'burst' | 'studyburst';

export interface Case {
  id: number;
  kind: Kind;
  desc: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  /** input that holds no image at all: a 200 `completed` for it is a finding */
  garbage?: boolean;
}

export interface Auth {
  bearer: string;
  /** the web form's credentials: session + CSRF cookies and the page's CSRF token */
  cookie: string;
  csrf: string;
}

const STRUCTURED: Record<string, Record<string, Mutator>> = { dicom, nifti };

/** One file of an upload mutated: generic damage, or the structure-aware kind its format has. */
function mutateFile(f: FilePart, seed: Seed, r: Rng): { data: Buffer; how: string } {
  if (seed.name === 'nifti-gz' && r.next() < 0.6) {
    // the header lies inside a valid gzip stream (the CRC-32 and length then hold)
    const name = r.pick(Object.keys(nifti));
    return { data: zlib.gzipSync(nifti[name](zlib.gunzipSync(f.data), r)), how: `gz(nifti.${name})` };
  }
  const family = seed.name.startsWith('dicom') && !seed.name.endsWith('zip') ? 'dicom' : seed.name.startsWith('nifti') && !/gz|zip/.test(seed.name) ? 'nifti' : undefined;
  const table = family && r.next() < 0.6 ? STRUCTURED[family] : generic;
  const name = r.pick(Object.keys(table));
  let data = table[name](f.data, r);
  let how = `${family && table !== generic ? family + '.' : ''}${name}`;
  if (r.next() < 0.25) {
    const second = r.pick(Object.keys(generic));
    data = generic[second](data, r);
    how += `+${second}`;
  }
  return { data, how };
}

export function buildCase(id: number, runSeed: number, kinds: Kind[], seeds: Seed[], auth: Auth): Case {
  const r = new Rng((runSeed * 1_000_003 + id * 7919) | 0);
  const kind = r.pick(kinds) as Case['kind'];
  const headers = (boundary: string) => ({ authorization: `Bearer ${auth.bearer}`, 'content-type': `multipart/form-data; boundary=${boundary}` });
  const boundary = `----fuzz${runSeed}x${id}`;
  if (kind === 'image' || kind === 'burst') {
    const seed = r.pick(seeds.filter((s) => s.kind === 'image'));
    const { data, how } = mutateFile(seed.files[0], seed, r);
    const form = r.next() < 0.15;
    const body = multipart([{ field: 'image', filename: seed.files[0].name, type: 'application/octet-stream', data }], { boundary });
    const formHeaders = { cookie: auth.cookie, 'x-csrf-token': auth.csrf, accept: 'text/html', 'content-type': `multipart/form-data; boundary=${boundary}` };
    return { id, kind, desc: `${form ? 'form' : 'api'} ${seed.name} ${how}`, path: form ? '/analyse' : '/api/v1/analyses', headers: form ? formHeaders : headers(boundary), body };
  }
  if (kind === 'study' || kind === 'studyburst') {
    const studySeeds = seeds.filter((s) => s.kind === 'study');
    const seed = r.pick(studySeeds);
    let files = seed.files.map((f) => ({ ...f }));
    let how: string;
    const roll = r.next();
    if (roll < 0.15) {
      const name = r.pick(Object.keys(archives));
      files = [{ name: 'upload.zip', data: archives[name](files, r) }];
      how = `zip.${name}`;
    } else if (roll < 0.2) {
      // two seeds of different kinds in one upload (a series beside a NIfTI…)
      const other = r.pick(studySeeds);
      files = [...files, ...other.files];
      how = `mixed+${other.name}`;
    } else {
      const k = r.int(files.length);
      const m = mutateFile(files[k], seed, r);
      files[k] = { name: files[k].name, data: m.data };
      how = `file${k}.${m.how}`;
      if (r.next() < 0.1) {
        files = [...files, ...files.map((f) => ({ ...f })), ...files];
        how += '+tripled';
      }
    }
    const body = multipart(files.map((f) => ({ field: 'files', filename: f.name, type: 'application/octet-stream', data: f.data })), { boundary });
    return { id, kind, desc: `${seed.name} ${how}`, path: '/api/v1/studies', headers: headers(boundary), body };
  }
  // multipart framing: odd boundaries, many parts, junk parts
  const route = r.next() < 0.5 ? '/api/v1/studies' : '/api/v1/analyses';
  const field = route === '/api/v1/studies' ? 'files' : 'image';
  const seed = r.pick(seeds.filter((s) => s.kind === (route === '/api/v1/studies' ? 'study' : 'image')));
  const b = randomBoundary(r);
  const variant = r.pick(['manyParts', 'manyEmpty', 'textFields', 'lf', 'noClose', 'boundaryInData', 'hugeHeader', 'noFilename', 'preamble', 'wrongBoundary', 'junkOnly']);
  let parts: Part[] = seed.files.map((f) => ({ field, filename: f.name, data: f.data }));
  let garbage = false;
  const framing = { boundary: b || 'x', eol: '\r\n', noClose: false, preamble: undefined as string | undefined };
  let declared = framing.boundary;
  switch (variant) {
    case 'manyParts':
      parts = Array.from({ length: r.pick([50, 401, 2000]) }, (_, i) => ({ field, filename: `p${i}.dcm`, data: seed.files[i % seed.files.length].data }));
      break;
    case 'manyEmpty':
      parts = Array.from({ length: r.pick([1000, 10000]) }, (_, i) => ({ field, filename: `e${i}`, data: Buffer.alloc(0) }));
      garbage = true;
      break;
    case 'textFields':
      parts = [...Array.from({ length: r.pick([1, 100, 5000]) }, (_, i) => ({ field: `f${i}`, data: Buffer.from('x'.repeat(r.int(100))) })), ...parts];
      break;
    case 'lf':
      framing.eol = '\n';
      break;
    case 'noClose':
      framing.noClose = true;
      break;
    case 'boundaryInData':
      parts = parts.map((p) => ({ ...p, data: Buffer.concat([p.data.subarray(0, 200), Buffer.from(`\r\n--${framing.boundary}\r\n`), p.data.subarray(200)]) }));
      break;
    case 'hugeHeader':
      parts = parts.map((p) => ({ ...p, headers: [`X-Junk: ${'a'.repeat(r.pick([1000, 100000, 1000000]))}`] }));
      break;
    case 'noFilename':
      parts = parts.map((p) => ({ ...p, filename: undefined }));
      break;
    case 'preamble':
      framing.preamble = r.bytes(r.int(2000)).toString('latin1');
      break;
    case 'wrongBoundary':
      declared = `${framing.boundary}zz`;
      garbage = true;
      break;
    case 'junkOnly':
      parts = [{ field, filename: 'junk.bin', data: r.bytes(1 + r.int(100000)) }];
      garbage = true;
      break;
  }
  const body = multipart(parts, framing);
  return { id, kind: 'multipart', desc: `${route} ${seed.name} ${variant} boundary=${JSON.stringify(framing.boundary).slice(0, 20)}`, path: route, headers: { authorization: `Bearer ${auth.bearer}`, 'content-type': `multipart/form-data; boundary="${declared}"` }, body, garbage };
}

export function codeOf(body: string): string | undefined {
  try {
    const j = JSON.parse(body) as { code?: string | null; status?: string | number };
    return typeof j.status === 'string' ? `${j.status}${j.code ? '/' + j.code : ''}` : (j.code ?? undefined);
  } catch {
    if (body.startsWith('<')) return `html${/<title>([^<]*)/.exec(body)?.[1]?.slice(0, 40) ?? ''}`;
    return undefined;
  }
}

