import PDFDocument from 'pdfkit';
import { DISCLAIMER, DISCLAIMER_SHORT, EXPERIMENTAL_NOTICE } from '../common/disclaimer';
import { HEATMAP_METHOD, HEATMAP_NOTE, heatmapCaption, NO_FOCUS_NOTE } from '../explainability/heatmap-text';
import { answeredByExperimentalModel, recordedCaveat } from '../presentation/experimental';
import type { HistoryItem } from '../history/history.service';
import { confidenceName, STUDY_CONFIDENCE_NOTE } from '../presentation/study-confidence';
import { fileSummary, humanTime, NO_ACCOUNT, NO_PROBABILITIES, THRESHOLD_NOT_RECORDED, thresholdLine } from '../presentation/history.view';
import { studyRuleLine, studySeriesLine, studySpacingLine } from '../presentation/study-lines';
import { labelName, recordTitle, type LoadedLabels } from '../presentation/label-names';
import { bodyPartLine, codeOf, humanCode, humanLabel, humanStage, statusName } from '../presentation/labels';
import { thresholdPercent } from '../presentation/percent';
import { mriCheck } from '../presentation/mri-check';
import type { ModelCardView } from '../presentation/model-card.view';
import { missingSlicesLine } from '../studies/gap-record';
import { volumeNote } from '../studies/volume-note';
import { windowLine } from '../studies/window-record';
import { copiesNote, unevenLine } from '../studies/study-notes-record';
import { figureAtThreshold, probabilityFigure, recordReason, withheldOutOfDistribution } from '../presentation/record-reason';
import { reportTable } from './report-table';
import { heatmapAlt, IMAGE_ALT, PDFUA_OPTIONS, REPORT_LANG, reportTags, xmpSafeTitle, type ReportTags } from './report-tags';
import { reportLangText } from './report-lang-text';
import { reportTextWriter } from './report-value';
import type { ReportFaces } from './report-fonts';
import { msText } from '../presentation/timing-figure';

export interface ReportInput {
  record: HistoryItem;
  /** the analysis message (full reports only; metadata reports rebuild a short one) */
  message?: string;
  /** a warning boxed under the disclaimer (a full report whose re-run decided otherwise) */
  notice?: string;
  /** PNG/JPEG bytes; absent in metadata-only reports */
  image?: Buffer;
  heatmap?: Buffer;
  /** the re-run's map had no region standing out (explanation.focus 'none'): no heat map, NO_FOCUS_NOTE instead */
  noFocus?: boolean;
  /** the cards of the models that ran, when the loaded card has the recorded version */
  cards?: ModelCardView[];
  generatedFor: string;
  /** when it is generated (default now): one reading for the printed time and the /CreationDate */
  generatedAt?: Date;
  /** absolute origin (https://host[/prefix]) for clickable links; without it links are printed as paths */
  baseUrl?: string;
  /** the report font, loaded once at start-up (ReportFonts) */
  fonts: ReportFaces;
  /** the loaded models' labels: a label none gives is named "(earlier model)", as the history names it (label-names.ts) */
  loadedLabels?: LoadedLabels;
}

/** The names the faces are registered under in each document. */
const REGULAR = 'Report';
const BOLD = 'Report-Bold';
const fallbackName = (i: number) => `Report-Fallback-${i}`;

const GREY = '#555555';
/** Below the figures' heading: the heading's own line, the figures (220 pt) and their captions (to y + 244), the lines after */
const FIGURES_ROOM = 20 + 244 + 12;
const LEFT = 48;

/**
 * One PDF layout for both kinds of report. With `image`, the full report right after an analysis
 * (image, heat map, everything); without, the metadata-only report from history, marked as such.
 * Words and rounded figures for people; the raw keys stay in the API and the CSV.
 */
export function buildReportPdf(input: ReportInput): Promise<Buffer> {
  const { record: r, fonts } = input;
  const labels = input.loadedLabels ?? null;
  const generatedAt = input.generatedAt ?? new Date();
  const doc = new PDFDocument({
    // no default font: pdfkit opened Helvetica (parsing its metrics file) in every document, ~3 %
    // of a report's CPU, for a font nothing prints in; the report's faces are selected below
    font: '',
    size: 'A4',
    margin: LEFT,
    // kept until the end, so that each page's footer can say "page i of n"
    bufferPages: true,
    // tagged, in a language, its title shown as the title (not the file name), declared PDF/UA-1: report-tags.ts
    tagged: true,
    lang: REPORT_LANG,
    displayTitle: true,
    ...PDFUA_OPTIONS,
    info: { Title: xmpSafeTitle(`MRI Sentinel report: ${recordTitle(r, labels)}`), Author: 'MRI Sentinel', Subject: `${reportKind(input)} of analysis ${r.id}. ${DISCLAIMER_SHORT}.`, CreationDate: generatedAt },
  });
  const tags = reportTags(doc);
  doc.registerFont(REGULAR, fonts.regular.font).registerFont(BOLD, fonts.bold.font).font(REGULAR);
  /** a fallback face is registered (and so read, and embedded) only when something is written in it: rarely */
  const fallbacks = new Set<number>();
  const fallback = (i: number) => {
    if (!fallbacks.has(i)) doc.registerFont(fallbackName(i), fonts.fallbacks[i].font);
    fallbacks.add(i);
    return fallbackName(i);
  };
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const width = doc.page.width - 2 * LEFT;
  /** text in any script: a record's own after its key (value), a label or a card's words in a box (block) */
  const write = reportTextWriter(doc, fonts, { regular: REGULAR, bold: BOLD, fallback }, LEFT, width);
  // a heading keeps at least a few lines of its section below it (`room`, in points), never alone at a page's foot
  const heading = (t: string, room = 72) => {
    (doc.y > doc.page.height - doc.page.margins.bottom - room ? doc.addPage() : doc).moveDown(0.8).fontSize(12).fillColor('black');
    tags.tag('H2', () => write.block(t, LEFT, undefined, { width, bold: true }));
    doc.moveDown(0.2).font(REGULAR).fontSize(10);
  };
  // every record value through write.value(): a DICOM series description may be Japanese, Arabic or emoji;
  // a value or label in a language its letters name, or right to left, a Span of its own (report-lang-text.ts)
  const writerFor = (x: number, box: number) => reportTextWriter(doc, fonts, { regular: REGULAR, bold: BOLD, fallback }, x, box);
  const { keyed, labelled } = reportLangText(tags, write, { regular: REGULAR, bold: BOLD }, LEFT, width, writerFor);
  const row = (k: string, v: string) => keyed(`${k}: `, BOLD, v);
  /** a paragraph of the report's own words */
  const para = (draw: () => void) => tags.tag('P', draw);
  /** the small tables: probabilities, a card's figures and sources (report-table.ts) */
  const table = reportTable(doc, write, tags, { regular: REGULAR, bold: BOLD }, LEFT, width);

  doc.fontSize(18);
  labelled('H1', 'MRI Sentinel — ', recordTitle(r, labels));
  doc.fontSize(9).fillColor(GREY);
  keyed(`Analysed ${humanTime(r.createdAt)} · report generated ${humanTime(generatedAt.toISOString())} for `, REGULAR, input.generatedFor);
  doc.moveDown(0.4).fillColor('#8a1c1c').font(BOLD).fontSize(10);
  para(() => doc.text(`Disclaimer: ${DISCLAIMER}`, { width }));
  doc.fillColor('black');

  const boxed = (t: string) => {
    doc.moveDown(0.6);
    const y = doc.y;
    doc.font(BOLD).fontSize(11);
    const h = doc.heightOfString(t, { width: width - 16 }) + 12;
    tags.artifact(() => doc.rect(LEFT, y, width, h).lineWidth(1.5).stroke('#b45309'));
    doc.fillColor('#b45309');
    para(() => doc.text(t, LEFT + 8, y + 6, { width: width - 16 }));
    doc.fillColor('black').font(REGULAR).fontSize(10);
    doc.y = y + h + 8;
    doc.x = LEFT;
  };
  if (!input.image) boxed('This report contains no image — metadata only. The server never stores uploaded images, heat maps or file names.');
  if (input.notice) boxed(input.notice);

  heading('Result');
  row('Status', r.code === 'NO_VALIDATED_MODEL' ? `${statusName(r.status)} (no validated model)` : statusName(r.status));
  row('Label', r.label ? labelName(r.label, labels) : '— (no diagnosis)');
  if (withheldOutOfDistribution(r)) {
    // not "Calibrated confidence: 94.0 %" above a 60.0 % threshold for a result without an answer
    row(confidenceName(r), `${figureAtThreshold(r, r.task, r.confidence)} — not an answer: the image is unlike the model's training data (out-of-distribution)`);
  } else if (r.stage === 'diagnosis' && r.code !== 'NO_VALIDATED_MODEL') row(confidenceName(r), figureAtThreshold(r, r.task, r.confidence));
  // a study's figure is combined from its slices' calibrated ones, not itself calibrated: said so, as on the pages
  if (r.study && r.stage === 'diagnosis' && r.code !== 'NO_VALIDATED_MODEL' && typeof r.confidence === 'number') para(() => write.block(STUDY_CONFIDENCE_NOTE, LEFT, undefined, { width }));
  // the caveats beside the answer itself, not only in the Models section further down
  const caveat = recordedCaveat(r, input.cards ?? []);
  if (caveat) {
    doc.fillColor('#8a1c1c');
    para(() => write.block(caveat, LEFT, undefined, { width, bold: true }));
    doc.fillColor('black').font(REGULAR);
  }
  if (answeredByExperimentalModel(r, input.cards ?? [])) {
    doc.fillColor('#b45309').font(BOLD);
    para(() => doc.text(EXPERIMENTAL_NOTICE, LEFT, undefined, { width }));
    doc.fillColor('black').font(REGULAR);
  }
  row('Deciding stage', `${humanStage(r.stage)}${r.code ? ` — ${humanCode(r.code, codeOf(r))} (${r.code})` : ''}`);
  // the threshold recorded with the analysis: the rule this answer or refusal was given under
  row('Confidence threshold', thresholdLine(r));
  // a study's own settings (STUDY_AGREEMENT, STUDY_MIN_USABLE_SLICES), also as recorded
  if (r.study) row('Study rule', studyRuleLine(r));
  // slices missing from the series: nothing there was looked at, so the answer covers less than the study
  if (r.study) row('Missing slices', missingSlicesLine(r.study.gaps));
  // steps unlike the spacing, and files left out as copies: the live answer's sentences, as recorded (none, or not known: no line)
  const uneven = unevenLine(r.study?.unevenSteps ?? null, r.study?.spacing?.slice);
  if (uneven) row('Slice spacing', uneven);
  const copies = copiesNote(r.study?.copiesDropped);
  if (copies) row('Copies left out', copies);
  // the window the slices were drawn with: a header window set aside for flattening the head is said here, not only in a live message
  if (r.study) row('Window', windowLine(r.study));
  // a 4-D NIfTI: the answer is about its first volume only
  const volumes = volumeNote(r.study?.volumes ?? null);
  if (volumes) row('Volumes', volumes);
  // a metadata report has no live message: the reason the record holds, as the history detail page says it
  if (input.message) row('Message', input.message);
  else row('Reason', recordReason(r, labels));
  row('MRI check', mriCheck(r));
  row('Body part', bodyPartLine(r));

  if (input.image) {
    // a refused image has no heat map: the heading names what is printed below it
    // the pictures are placed, not flowed: the heading, the 220-pt figures and their captions (FIGURES_ROOM)
    // start a page where they do not fit, or they were drawn into the footer and off the page's edge
    heading(input.heatmap ? 'Image and heat map' : 'Image', FIGURES_ROOM);
    const y = doc.y;
    const w = input.heatmap ? (width - 16) / 2 : width / 2;
    // each picture a figure whose alternative text says what it is; its caption a paragraph after it
    tags.figure(input.image, LEFT, y, [w, 220], IMAGE_ALT);
    doc.fontSize(8).fillColor(GREY);
    para(() => doc.text('Image', LEFT, y + 224, { width: w, align: 'center' }));
    if (input.heatmap) {
      const label = r.label ? labelName(r.label, labels) : null;
      tags.figure(input.heatmap, LEFT + w + 16, y, [w, 220], heatmapAlt(label));
      // the class the map is for (a full report carries one only where the re-run gave the record's answer)
      // the label a Span in its language, as in the title ("Heat map for 신경교종 — class activation map (CAM)")
      const caption = heatmapCaption(label);
      doc.y = y + 224;
      if (label && caption.endsWith(label)) labelled('P', caption.slice(0, -label.length), label, ` — ${HEATMAP_METHOD}`, { bold: false, x: LEFT + w + 16, box: w });
      else para(() => write.block(`${caption} — ${HEATMAP_METHOD}`, LEFT + w + 16, y + 224, { width: w }));
    }
    doc.x = LEFT;
    // below the captions: a long class name's runs to three lines or more, and the note was written over them
    doc.y = Math.max(y + 244, input.heatmap ? doc.y + 4 : 0);
    // what the map is and is not, under it: read as evidence otherwise
    if (input.heatmap) {
      para(() => write.block(HEATMAP_NOTE, LEFT, undefined, { width }));
      doc.moveDown(0.3);
    } else if (input.noFocus) {
      para(() => write.block(NO_FOCUS_NOTE, LEFT, undefined, { width }));
      doc.moveDown(0.3);
    }
    doc.fillColor('black').fontSize(10);
  }

  heading(`Probabilities (calibrated${r.task ? `, ${humanLabel(r.task)}` : ''})`);
  const probs = Object.entries(r.probabilities ?? {}).sort((a, b) => b[1] - a[1]);
  if (!probs.length) para(() => doc.text(NO_PROBABILITIES));
  else table(['Class', 'Probability'], probs.map(([label, p]) => [labelName(label, labels), probabilityFigure(r, p)]), [0.5, 0.2]);

  heading('Models');
  const versions = Object.entries(r.modelVersions ?? {});
  if (!versions.length) para(() => doc.text('— (no model ran)'));
  for (const [name, version] of versions) {
    const card = input.cards?.find((c) => c.name === name);
    doc.fontSize(10);
    labelled('H3', '', card ? card.title : humanLabel(name), ` — version ${version}${card?.experimental ? ' (experimental)' : ''}`);
    doc.font(REGULAR);
    if (!card) continue;
    const cardUrl = `${input.baseUrl ?? ''}/models/${encodeURIComponent(card.name)}`;
    // the model's threshold at this analysis (the record's), not the one in force now
    const recorded = r.thresholds?.[name];
    const rule = recorded === undefined ? `Confidence threshold at this analysis: ${r.thresholds === null ? THRESHOLD_NOT_RECORDED : '—'}.` : `Decided at the ${thresholdPercent(recorded)} confidence threshold.`;
    cardLink(doc, tags, `${rule} Model card: `, cardUrl, Boolean(input.baseUrl), card.title);
    doc.moveDown(0.2);
    if (card.figures.length) table(['Validation (test split)', 'Value'], card.figures.map((f) => [f.name, f.value]), [0.6, 0.25]);
    if (card.sources.length) {
      doc.moveDown(0.2);
      table(['Training source', 'Images', 'Licence'], card.sources.map((s) => [s.source, s.count, s.licence]), [0.3, 0.12, 0.58], [1], [0]);
    }
    doc.moveDown(0.4);
  }

  heading('Timings');
  const t = Object.entries(r.timingsMs ?? {});
  para(() => doc.text(t.length ? t.map(([k, v]) => `${k} ${msText(v)}`).join(' · ') : '—', LEFT, undefined, { width }));

  heading('Record');
  row('Analysis id', r.id);
  row('User', r.userEmail ?? NO_ACCOUNT);
  row('File', fileSummary(r));
  row('SHA-256', r.sha256);
  if (r.study) {
    const st = r.study;
    row('Series description', studySeriesLine(st));
    row('Spacing', studySpacingLine(st));
  }

  doc.moveDown(1).fontSize(9).fillColor('#8a1c1c').font(BOLD);
  para(() => doc.text(`Disclaimer: ${DISCLAIMER}`, LEFT, undefined, { width }));
  footers(doc, tags, width);
  doc.end();
  return done;
}

/**
 * The disclaimer on every page, in its bottom margin: a report runs over two or three pages with
 * the model cards' tables, and a page printed or forwarded alone must still say it. Written into
 * the margin with the margin lifted for the moment, or pdfkit would start a page for it.
 */
function footers(doc: PDFKit.PDFDocument, tags: ReportTags, width: number): void {
  const { start, count } = doc.bufferedPageRange();
  for (let i = start; i < start + count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    // a running footer (pagination artifact): read once in full at the top and the end, not at every page turn;
    // still text on every page, for a page printed or extracted alone
    doc.font(REGULAR).fontSize(8).fillColor('#8a1c1c');
    tags.artifact(() => doc.text(`${DISCLAIMER_SHORT}. Not a medical device. Page ${i - start + 1} of ${count}`, LEFT, doc.page.height - bottom + 16, { width, align: 'center', lineBreak: false }), 'Pagination');
    doc.page.margins.bottom = bottom;
  }
  doc.fillColor('black');
}

/** What the report is, for its Subject: a viewer's document properties and a screen reader say it. */
function reportKind(input: ReportInput): string {
  const kind = input.record.study ? 'Study report' : 'Analysis report';
  return input.image ? `${kind} with the image${input.heatmap ? ' and heat map' : ''}` : `${kind} (metadata only)`;
}

/**
 * "… Model card: <url>" as one paragraph, the URL a Link element whose annotation (clickable in any
 * viewer, underlined in link blue) is in the structure, where there is an origin to link to.
 */
function cardLink(doc: PDFKit.PDFDocument, tags: ReportTags, lead: string, url: string, linked: boolean, title: string): void {
  const p = tags.group('P');
  doc.fontSize(9).fillColor(GREY);
  p.add(() => doc.text(lead, LEFT, undefined, { continued: true }));
  doc.fillColor('#1a4f8b');
  const draw = () => doc.text(url, { link: linked ? url : null, underline: linked });
  if (linked) tags.link(`Model card: ${title}`, draw, p);
  else tags.tag('Span', draw, {}, p);
  doc.fillColor('black');
}
