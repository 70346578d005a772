import * as fs from 'node:fs';
const RealDate = Date;
(global as unknown as { Date: DateConstructor }).Date = class extends RealDate {
  constructor(...a: ConstructorParameters<DateConstructor>) { super(...((a.length ? a : ['2026-12-06T12:00:00Z']) as [string])); }
} as DateConstructor;
import { buildReportPdf } from '../src/reports/report-pdf';
import { loadReportFaces } from '../src/reports/report-fonts';
import { notMriRecord } from '../test/helpers/history-item';
const study = { modality: 'MR', seriesDescription: '頭部 T1 軸位 造影後 뇌 축상 영상 の画像 头部轴位增强 醫學 간호사 カタカナ', sliceCount: 3, usableSlices: 3, spacing: { column: 0.9, row: 0.9, slice: 3 }, rule: null, gaps: null, volumes: null, windowing: null, headerWindowIgnored: null };
void buildReportPdf({ record: notMriRecord({ status: 'completed', stage: 'diagnosis', code: null, isMri: true, task: '脳腫瘍', label: '神経膠腫', confidence: 0.8, probabilities: { 神経膠腫: 0.8, 髄膜腫: 0.15, 下垂体腫瘍: 0.05, 뇌종양: 0.0 }, modelVersions: { 脳腫瘍: '1.0.0' }, study }), generatedFor: '山田はなこ', fonts: loadReportFaces() }).then((pdf) => fs.writeFileSync(process.argv[2], pdf));
