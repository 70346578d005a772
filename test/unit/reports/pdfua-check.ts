/**
 * The PDF/UA-1 (ISO 14289-1) failure conditions of the Matterhorn protocol that can be decided from
 * a report's bytes without a validator (veraPDF and PAC are not available offline here): each check
 * returns the failures it finds, as sentences, so that a failing test says which condition broke.
 * Reads what pdfkit writes (one xref table, no object streams), through the test helpers' reader.
 */
import { pdfString, readObjects, type PdfObject } from '../../helpers/pdf-text';
import { languageFailures, pageDecoder, standIns, untoldRuns, type ShowDecoder } from './pdfua-lang';

export interface Element {
  id: number;
  type: string;
  parent: number | undefined;
  alt?: string;
  lang?: string;
  /** /ActualText: the text in reading order where it is drawn otherwise (right to left) */
  actual?: string;
  dict: string;
}

/** One painted thing on a page: what drew it and the marked content it was drawn in (innermost last). */
interface Painted {
  op: string;
  marks: Mark[];
}
/** An open marked-content sequence: its tag, MCID and, from its property list, a /Lang (ISO 32000-1 14.9.2.2) and an /ActualText (14.9.4) */
interface Mark {
  tag: string;
  mcid?: number;
  lang?: string;
  actual?: string;
}

const refs = (s: string): number[] => [...s.matchAll(/(\d+)\s+\d+\s+R/g)].map((m) => Number(m[1]));
const ref = (dict: string, key: string): number | undefined => {
  const m = new RegExp(`/${key}\\s+(\\d+)\\s+\\d+\\s+R`).exec(dict);
  return m ? Number(m[1]) : undefined;
};
const str = (dict: string, key: string): string | undefined => {
  const m = new RegExp(`/${key}\\s*(\\((?:[^)\\\\]|\\\\.)*\\)|<[0-9A-Fa-f\\s]*>)`).exec(dict);
  return m ? pdfString(m[1]) : undefined;
};

/** Content-stream tokens: operands and operators (strings, names, numbers, arrays and dictionaries as one token each). */
function tokens(content: string): string[] {
  const out: string[] = [];
  let i = 0;
  const skipString = (from: number) => {
    let depth = 0;
    for (let j = from; j < content.length; j++) {
      if (content[j] === '\\') j++;
      else if (content[j] === '(') depth++;
      else if (content[j] === ')' && --depth === 0) return j + 1;
    }
    throw new Error('unterminated string');
  };
  const skipNested = (from: number, open: string, close: string) => {
    let depth = 0;
    for (let j = from; j < content.length; ) {
      if (content[j] === '(') j = skipString(j);
      else if (content.startsWith(open, j)) (depth++, (j += open.length));
      else if (content.startsWith(close, j)) {
        j += close.length;
        if (--depth === 0) return j;
      } else j++;
    }
    throw new Error(`unterminated ${open}`);
  };
  while (i < content.length) {
    const c = content[i];
    if (/\s/.test(c)) i++;
    else if (c === '%') while (i < content.length && content[i] !== '\n') i++;
    else {
      let end: number;
      if (c === '(') end = skipString(i);
      else if (content.startsWith('<<', i)) end = skipNested(i, '<<', '>>');
      else if (c === '<') end = content.indexOf('>', i) + 1;
      else if (c === '[') end = skipNested(i, '[', ']');
      else {
        end = i + 1;
        while (end < content.length && !/[\s()<>[\]{}/%]/.test(content[end])) end++;
      }
      out.push(content.slice(i, end));
      i = end;
    }
  }
  return out;
}

const PAINTING = new Set(['Tj', 'TJ', "'", '"', 'Do', 'sh', 'f', 'F', 'f*', 'B', 'B*', 'b', 'b*', 'S', 's']);
type Matrix = [number, number, number, number, number, number];
const times = (m: Matrix, n: Matrix): Matrix => [
  m[0] * n[0] + m[1] * n[2], m[0] * n[1] + m[1] * n[3],
  m[2] * n[0] + m[3] * n[2], m[2] * n[1] + m[3] * n[3],
  m[4] * n[0] + m[5] * n[2] + n[4], m[4] * n[1] + m[5] * n[3] + n[5],
];

/** A page's content: what it paints inside which marks, and where each image XObject lands (PDF coordinates). */
function readContent(content: string, decode: ShowDecoder) {
  const painted: Painted[] = [];
  /** the text each marked-content sequence shows, by its MCID (the innermost one holding it) */
  const shown = new Map<number, string>();
  /** text shown inside a marked-content sequence with its own /Lang: read in that language, whatever its element's */
  const langMarked: { lang: string; text: string }[] = [];
  let font = '';
  const images: { name: string; mcid?: number; box: number[] }[] = [];
  const failures: string[] = [];
  const marks: Mark[] = [];
  let ctm: Matrix = [1, 0, 0, 1, 0, 0];
  const saved: Matrix[] = [];
  /** what a reader reads at this point: in the innermost mark's /Lang, else its element's (by MCID) */
  const read = (text: string) => {
    const mcid = [...marks].reverse().find((m) => m.mcid !== undefined)?.mcid;
    const lang = [...marks].reverse().find((m) => m.lang !== undefined)?.lang;
    if (lang !== undefined) langMarked.push({ lang, text });
    else if (mcid !== undefined) shown.set(mcid, (shown.get(mcid) ?? '') + text);
  };
  const operands: string[] = [];
  for (const t of tokens(content)) {
    if (/^[A-Za-z'"*]+$/.test(t) && !t.startsWith('/')) {
      if (t === 'BDC' || t === 'BMC') {
        const tag = operands[operands.length - (t === 'BDC' ? 2 : 1)].slice(1);
        const mcid = t === 'BDC' ? /\/MCID\s+(\d+)/.exec(operands[operands.length - 1])?.[1] : undefined;
        const inArtifact = marks.some((m) => m.tag === 'Artifact');
        const inContent = marks.some((m) => m.mcid !== undefined);
        if (tag === 'Artifact' && inContent) failures.push('an artifact inside tagged content (01-003)');
        if (mcid !== undefined && inArtifact) failures.push('tagged content inside an artifact (01-004)');
        const lang = t === 'BDC' ? /\/Lang\s*(\((?:[^)\\]|\\.)*\))/.exec(operands[operands.length - 1])?.[1] : undefined;
        const actual = t === 'BDC' ? /\/ActualText\s*(\((?:[^)\\]|\\.)*\)|<[0-9A-Fa-f\s]*>)/.exec(operands[operands.length - 1])?.[1] : undefined;
        marks.push({ tag, mcid: mcid === undefined ? undefined : Number(mcid), ...(lang ? { lang: pdfString(lang) } : {}), ...(actual ? { actual: pdfString(actual) } : {}) });
        // an /ActualText is read in place of the content it marks (once), in the language in force there
        if (actual) read(pdfString(actual));
      } else if (t === 'EMC') {
        if (!marks.pop()) failures.push('an EMC without its BDC');
      } else if (t === 'q') saved.push(ctm);
      else if (t === 'Q') ctm = saved.pop() ?? ctm;
      else if (t === 'cm') ctm = times(operands.slice(-6).map(Number) as Matrix, ctm);
      else if (t === 'Tf') font = operands[operands.length - 2].slice(1);
      // text under a mark's /ActualText is not read: the /ActualText is, where the mark opens
      if ((t === 'Tj' || t === 'TJ' || t === "'" || t === '"') && !marks.some((m) => m.actual !== undefined)) read(decode(font, operands[operands.length - 1]));
      if (PAINTING.has(t)) painted.push({ op: t, marks: [...marks] });
      if (t === 'Do') {
        const corners = [[0, 0], [1, 0], [0, 1], [1, 1]].map(([x, y]) => [ctm[0] * x + ctm[2] * y + ctm[4], ctm[1] * x + ctm[3] * y + ctm[5]]);
        const xs = corners.map((c) => c[0]);
        const ys = corners.map((c) => c[1]);
        const mcid = [...marks].reverse().find((m) => m.mcid !== undefined)?.mcid;
        images.push({ name: operands[operands.length - 1].slice(1), mcid, box: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)] });
      }
      operands.length = 0;
    } else operands.push(t);
  }
  if (marks.length) failures.push('marked content left open at the end of a page');
  return { painted, images, failures, shown, langMarked };
}

/** The report's structure and the PDF/UA failure conditions found in it. */
export function pdfua(pdf: Buffer) {
  const objects = readObjects(pdf);
  const get = (n: number | undefined): PdfObject => {
    const o = n === undefined ? undefined : objects.get(n);
    if (!o) throw new Error(`object ${n} not found`);
    return o;
  };
  const src = pdf.toString('latin1');
  const trailer = src.slice(src.lastIndexOf('trailer'));
  const catalog = get(ref(trailer, 'Root')).dict;
  const info = get(ref(trailer, 'Info')).dict;
  const failures: string[] = [];
  const fail = (why: string) => failures.push(why);

  // the header and the metadata (06-*, 07-001)
  const version = /^%PDF-(\d\.\d)/.exec(src)?.[1];
  const metadata = ref(catalog, 'Metadata') === undefined ? undefined : get(ref(catalog, 'Metadata'));
  const xmp = metadata?.stream?.toString('utf8') ?? '';
  if (!metadata) fail('no metadata stream in the catalog (06-001)');
  else if (/\/Filter/.test(metadata.dict)) fail('the metadata stream is compressed');
  if (!/<pdfuaid:part>1<\/pdfuaid:part>/.test(xmp)) fail('no PDF/UA identification, pdfuaid:part 1 (06-002)');
  const xmpTitle = /<dc:title>\s*<rdf:Alt>\s*<rdf:li[^>]*>([^<]*)<\/rdf:li>/.exec(xmp)?.[1];
  if (!xmpTitle) fail('no dc:title in the metadata (06-003)');
  if (/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(xmp)) fail('the metadata is not well-formed XML: a bare "&"');
  const xmpLang = /<dc:language>\s*<rdf:Bag>\s*<rdf:li>([^<]*)<\/rdf:li>/.exec(xmp)?.[1];
  const held = (key: string) => (ref(catalog, key) === undefined ? '' : get(ref(catalog, key)).dict);
  if (!/\/DisplayDocTitle\s+true/.test(held('ViewerPreferences'))) fail('DisplayDocTitle is not true (07-001)');
  if (!/\/Marked\s+true/.test(held('MarkInfo'))) fail('not marked as tagged (01-002)');
  if (/\/Suspects\s+true/.test(held('MarkInfo'))) fail('Suspects true (01-007)');
  if (!str(catalog, 'Lang')) fail('no document language (11-006)');

  // the structure tree
  const root = get(ref(catalog, 'StructTreeRoot')).dict;
  const elements = new Map<number, Element>();
  for (const [id, o] of objects) {
    const type = /^\s*<<\s*\/S\s*\/([A-Za-z0-9]+)/.exec(o.dict)?.[1];
    if (type && /\/P\s+\d+\s+\d+\s+R/.test(o.dict)) elements.set(id, { id, type, parent: ref(o.dict, 'P'), alt: str(o.dict, 'Alt'), lang: str(o.dict, 'Lang'), actual: str(o.dict, 'ActualText'), dict: o.dict });
  }
  const parentTree = new Map<number, string>();
  const nums = /\/Nums\s*\[([\s\S]*?)\]\s*>>/.exec(root)?.[1] ?? '';
  for (const m of nums.matchAll(/(\d+)\s+(\[[^\]]*\]|\d+\s+\d+\s+R)/g)) parentTree.set(Number(m[1]), m[2]);

  // each element in the right place (09-*), headings in order (14-*), figures with alt (13-004), tables headed (15-*)
  const typeOf = (id: number | undefined) => (id === undefined ? undefined : elements.get(id)?.type);
  const inOrder = [...elements.values()].sort((a, b) => a.id - b.id);
  let level = 0;
  for (const e of inOrder) {
    if (e.type === 'TR' && typeOf(e.parent) !== 'Table') fail(`a TR under ${typeOf(e.parent)} (09-004)`);
    if ((e.type === 'TH' || e.type === 'TD') && typeOf(e.parent) !== 'TR') fail(`a ${e.type} under ${typeOf(e.parent)} (09-004)`);
    if (e.type === 'TH' && !/\/Scope\s*\/(Column|Row|Both)/.test(e.dict)) fail('a TH without /Scope (15-003)');
    if (e.type === 'Figure' && !e.alt) fail('a figure without alternative text (13-004)');
    const h = /^H(\d)$/.exec(e.type);
    if (h) {
      if (level === 0 && h[1] !== '1') fail(`the first heading is ${e.type} (14-002)`);
      if (Number(h[1]) > level + 1) fail(`${e.type} after H${level} (14-003)`);
      level = Number(h[1]);
    }
  }

  // every element reachable from the StructTreeRoot: held in its parent's /K, up to the root (a screen
  // reader walks the tree from the root: an element only its /P names is never read), and a well-formed /Lang
  const rootId = ref(catalog, 'StructTreeRoot');
  const kids = (dict: string) => new Set(refs(/\/K\s*(\[[\s\S]*?\]|\d+\s+\d+\s+R)/.exec(dict)?.[1] ?? ''));
  for (const e of inOrder) {
    const seen = new Set<number>();
    for (let at: Element | undefined = e; at && !seen.has(at.id); at = at.parent === undefined ? undefined : elements.get(at.parent)) {
      seen.add(at.id);
      const parent = at.parent === rootId ? root : at.parent === undefined ? undefined : elements.get(at.parent)?.dict;
      if (parent === undefined || !kids(parent).has(at.id)) {
        fail(`a ${e.type} (${e.id}) is not reachable from the StructTreeRoot: its ${at === e ? '' : `ancestor ${at.type}'s `}parent does not hold it`);
        break;
      }
      if (at.parent === rootId) break;
    }
    if (e.lang !== undefined && !/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(e.lang)) fail(`a ${e.type} with /Lang "${e.lang}", not a BCP 47 tag (ISO 14289-1 7.2)`);
  }

  // the pages: content marked or artifact (01-005), in the parent tree, tab order (19-003), annotations (28-*)
  const pages = [...objects.entries()].filter(([, o]) => /\/Type\s*\/Page\b(?!s)/.test(o.dict));
  const images: { page: number; name: string; mcid?: number; box: number[] }[] = [];
  /** each element's drawn text, decoded, in content order */
  const shownBy = new Map<number, string>();
  for (const [id, page] of pages) {
    if (!/\/Tabs\s*\/S/.test(page.dict)) fail(`page ${id} has no /Tabs /S (19-003)`);
    const content = refs(/\/Contents\s*(\[[^\]]*\]|\d+\s+\d+\s+R)/.exec(page.dict)?.[1] ?? '').map((n) => get(n).stream!.toString('latin1')).join('\n');
    const read = readContent(content, pageDecoder(page.dict, (n) => get(n)));
    failures.push(...read.failures);
    for (const { lang, text } of read.langMarked) {
      failures.push(...untoldRuns(text, lang).map((run) => `page ${id}: ${run} in marked content with /Lang ${lang} (11-001)`));
      if (standIns(text).length) failures.push(`page ${id}: "${text.trim()}" drawn in marked content with /Lang ${lang} and no /ActualText: read as "?" (14.9.4)`);
    }
    const untagged = read.painted.filter((p) => !p.marks.some((m) => m.tag === 'Artifact' || m.mcid !== undefined));
    if (untagged.length) fail(`page ${id}: ${untagged.length} painting operators neither tagged nor artifact (01-005): ${[...new Set(untagged.map((p) => p.op))].join(' ')}`);
    read.images.forEach((im) => images.push({ page: id, ...im }));
    const mcids = [...new Set(read.painted.flatMap((p) => p.marks.map((m) => m.mcid)).filter((m): m is number => m !== undefined))];
    const key = Number(/\/StructParents\s+(\d+)/.exec(page.dict)?.[1]);
    const parents = (parentTree.get(key) ?? '').replace(/^\[|\]$/g, '').trim().split(/\s+(?=\d+\s+\d+\s+R|null)/).filter(Boolean);
    for (const mcid of mcids) {
      const parent = refs(parents[mcid] ?? '')[0];
      if (parent === undefined || !elements.has(parent)) fail(`page ${id}: MCID ${mcid} has no structure element in the parent tree`);
      else shownBy.set(parent, `${shownBy.get(parent) ?? ''} ${read.shown.get(mcid) ?? ''}`);
      if (parent !== undefined && elements.has(parent) && !new RegExp(`/K\\s*\\[[^\\]]*\\b${mcid}\\b`).test(elements.get(parent)!.dict) && !new RegExp(`/MCID\\s+${mcid}\\b`).test(elements.get(parent)!.dict)) fail(`page ${id}: MCID ${mcid}'s element does not hold it`);
    }
    // a picture in tagged content is a Figure's (whose alternative text is checked above), never a P's or a Span's
    for (const im of read.images) {
      const holder = im.mcid === undefined ? undefined : refs(parents[im.mcid] ?? '')[0];
      if (im.mcid !== undefined && typeOf(holder) !== 'Figure') fail(`page ${id}: image /${im.name} is drawn in a ${typeOf(holder)}, not a Figure (13-001)`);
    }
    for (const a of refs(/\/Annots\s*(\[[^\]]*\])/.exec(page.dict)?.[1] ?? '')) {
      const annot = get(a).dict;
      const contents = str(annot, 'Contents');
      if (!contents) fail(`annotation ${a} has no /Contents describing it (28-004, 7.18.5)`);
      const sp = /\/StructParent\s+(\d+)/.exec(annot)?.[1];
      const holder = sp === undefined ? undefined : refs(parentTree.get(Number(sp)) ?? '')[0];
      if (/\/Subtype\s*\/Link/.test(annot) && typeOf(holder) !== 'Link') fail(`link annotation ${a} is not in a Link element (28-011)`);
    }
  }

  // the language of every drawn letter, /Alt and /ActualText determinable (11-001, pdfua-lang.ts)
  failures.push(...languageFailures(new Map(inOrder.map((e) => [e.id, e])), shownBy, str(catalog, 'Lang') ?? ''));

  // fonts embedded (31-009) and mapped to Unicode (10-001)
  for (const [id, o] of objects) {
    if (!/\/Type\s*\/Font\b/.test(o.dict)) continue;
    const subtype = /\/Subtype\s*\/(\w+)/.exec(o.dict)?.[1];
    if (subtype === 'Type0') {
      if (ref(o.dict, 'ToUnicode') === undefined) fail(`font ${id} has no ToUnicode (10-001)`);
      const descendant = get(refs(/\/DescendantFonts\s*\[([^\]]*)\]/.exec(o.dict)?.[1] ?? '')[0]).dict;
      const descriptor = get(ref(descendant, 'FontDescriptor')).dict;
      if (!/\/FontFile[23]?\s+\d+\s+\d+\s+R/.test(descriptor)) fail(`font ${id} is not embedded (31-009)`);
    } else if (subtype !== 'CIDFontType2' && subtype !== 'CIDFontType0') {
      const descriptor = ref(o.dict, 'FontDescriptor');
      if (descriptor === undefined || !/\/FontFile[23]?\s/.test(get(descriptor).dict)) fail(`font ${id} (${subtype}) is not embedded (31-009)`);
    }
  }

  return { version, catalog, info, infoTitle: str(info, 'Title') ?? (ref(info, 'Title') ? pdfString(get(ref(info, 'Title')).dict.trim()) : undefined), xmp, xmpTitle, xmpLang, elements: inOrder, images, failures };
}
