import { NestExpressApplication } from '@nestjs/platform-express';
import * as fs from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';
import { PrismaService } from '../../src/prisma/prisma.service';
import type { TestSession } from '../helpers/auth';
import { CapturingLogger, startLoggedApp } from '../helpers/capturing-logger';
import { SERIES } from '../support/study-e2e';
import { dicomSeries, zip } from '../support/study-fixtures';

/**
 * The names of skipped side files reach the uploader's answer only (API, the study page built
 * from it, the 415 message): never a history row — in any column, message or reason text
 * included — nor a log line. Side-file names here carry identifiers the series' header does not
 * know (so they are shown) and are searched for everywhere else afterwards.
 */
const NAMES = ['QQDOEWALTER.pdf', 'QQREFERRAL_7731.txt', 'VIEWQQ.EXE'];
const TOKENS = ['QQDOEWALTER', 'QQREFERRAL', 'VIEWQQ'];
const sideFiles = (): Record<string, Uint8Array> => ({
  [NAMES[0]]: new TextEncoder().encode('%PDF-1.4 not really a PDF\n'),
  [NAMES[1]]: new TextEncoder().encode('Referral letter\r\n'),
  [NAMES[2]]: new Uint8Array([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0]),
});

describe('skipped side-file names are never stored nor logged', () => {
  let app: NestExpressApplication;
  let user: TestSession;
  let dbDir: string;
  const logs = new CapturingLogger();
  const post = (files: Buffer[]) => {
    let r = request(app.getHttpServer()).post('/api/v1/studies').set(user.bearer);
    files.forEach((f, i) => (r = r.attach('files', f, `upload${i}.zip`)));
    return r;
  };

  beforeAll(async () => {
    ({ app, user, dbDir } = await startLoggedApp(logs));
  });
  afterAll(async () => {
    await app.close();
  });

  it('completed, refused from the header (CT) and refused for its files (415): the names are in the answers, in no row, column or log line', async () => {
    const series = (o = {}) => Object.fromEntries(dicomSeries(SERIES.slice(0, 3), o).map((b, i) => [`IM${i}`, new Uint8Array(b)]));
    const completed = await post([zip({ ...sideFiles(), ...series() })]).expect(200);
    expect(completed.body).toMatchObject({ status: 'completed', study: { skipped: { count: 3, names: NAMES } } });
    const ct = await post([zip({ ...sideFiles(), ...series({ modality: 'CT' }) })]).expect(200);
    expect(ct.body).toMatchObject({ status: 'rejected', code: 'NOT_MRI', study: { skipped: { count: 3, names: NAMES } } });
    const refused = await post([zip(sideFiles())]).expect(415);
    for (const n of NAMES) expect(refused.body.message).toContain(n); // shown to the uploader, sanitised

    const rows = await app.get(PrismaService).analysis.findMany();
    expect(rows.map((r) => [r.status, r.code])).toEqual(expect.arrayContaining([['completed', null], ['rejected', 'NOT_MRI'], ['rejected', 'UNSUPPORTED_TYPE']]));
    for (const row of rows) {
      for (const [column, value] of Object.entries(row)) {
        for (const t of TOKENS) expect({ column, found: String(value).toUpperCase().includes(t) }).toEqual({ column, found: false });
      }
    }
    expect(logs.lines.some((l) => l.includes('(3 other files skipped)'))).toBe(true); // a count, never a name
    expect(logs.lines.some((l) => l.includes('study refused: UNSUPPORTED_TYPE'))).toBe(true);
    for (const l of logs.lines) for (const t of TOKENS) expect(l.toUpperCase()).not.toContain(t);
    // nor in any byte of the database files (WAL and journal included)
    for (const f of fs.readdirSync(dbDir)) {
      const bytes = fs.readFileSync(path.join(dbDir, f));
      for (const t of TOKENS) expect({ f, t, found: bytes.includes(Buffer.from(t)) || bytes.includes(Buffer.from(t, 'utf16le')) }).toEqual({ f, t, found: false });
    }
  });

  it('a report.docx (a ZIP-formatted document) beside the series: 200 completed, the report listed as skipped (was 415 "is itself a ZIP archive")', async () => {
    const report = zip({ '[Content_Types].xml': new TextEncoder().encode('<Types/>'), 'word/document.xml': new TextEncoder().encode('<w:document/>') });
    const slices = Object.fromEntries(dicomSeries(SERIES.slice(0, 3)).map((b, i) => [`IM${i}`, new Uint8Array(b)]));
    const res = await post([zip({ ...slices, 'QQDOEWALTER report.docx': new Uint8Array(report) })]).expect(200);
    expect(res.body).toMatchObject({ status: 'completed', study: { skipped: { count: 1, names: ['QQDOEWALTER report.docx'] } } });
    for (const l of logs.lines) expect(l.toUpperCase()).not.toContain('QQDOEWALTER'); // a skipped document's name is not logged either
  });
});
