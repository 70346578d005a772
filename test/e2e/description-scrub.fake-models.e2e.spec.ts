/**
 * A series description with identifiers the scrub learnt to cut in the privacy pass (a patient ID
 * written as a b-value, a 3-digit study ID run into a word, an ID label joined by "_", "#" and a
 * number) is stored scrubbed, and every place that shows it — the live answer, the record, the
 * history page, the admin CSV export and the PDF report — shows that stored text, never the header's.
 */
import request from 'supertest';
import { parseCsv } from '../../src/common/csv';
import { PrismaService } from '../../src/prisma/prisma.service';
import { codecThread } from '../../src/studies/codec-thread';
import { binary, pdfText } from '../helpers/pdf-text';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';
import { SERIES } from '../support/study-e2e';
import { dicomSeries } from '../support/study-fixtures';

const RAW = 'DWI b4711 PID_4711 PAT042 b1000 #0815';
/** PatientID 4711 and StudyID 042 cut where they run into words; "#0815" behind its label; the b-value b1000 kept */
const SCRUBBED = 'DWI b PID_ PAT b1000';
/** what was in the raw text and must be nowhere: each with a letter or a space beside it, so no hex id or hash can hold it */
const GONE = ['b4711', 'PID_4711', 'PAT042', '0815', '4711 ', ' 042'];

describe('a scrubbed series description wherever it is shown', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR }, sessions: { admin: { role: 'admin' } } });
  const { admin } = h.sessions;
  let id: string;

  beforeAll(async () => {
    let r = request(h.server).post('/api/v1/studies').set(admin.bearer);
    dicomSeries(SERIES.slice(0, 3), { seriesDescription: RAW, patientId: '4711', tags: { StudyID: '042' } }).forEach((f, i) => (r = r.attach('files', f, `f${i}.dcm`)));
    const res = await r;
    expect(res.status).toBe(200);
    expect(res.body.study.seriesDescription).toBe(SCRUBBED);
  });
  afterAll(async () => {
    codecThread.end();
  });

  const expectOnlyScrubbed = (where: string, text: string) => {
    expect({ where, has: text.includes(SCRUBBED) }).toEqual({ where, has: true });
    expect({ where, found: GONE.filter((g) => text.includes(g)) }).toEqual({ where, found: [] });
  };

  it('the database row and the record hold the scrubbed text', async () => {
    const rows = await h.get(PrismaService).analysis.findMany({ where: { kind: 'study' } });
    expect(rows.map((r) => r.seriesDescription)).toEqual([SCRUBBED]);
    id = rows[0].id;
    const item = await request(h.server).get(`/api/v1/history/${id}`).set(admin.bearer).expect(200);
    expect(item.body.study.seriesDescription).toBe(SCRUBBED);
    expectOnlyScrubbed('record', item.text);
  });

  it('the history page, the CSV export and the PDF show the stored text', async () => {
    const page = await request(h.server).get(`/history/${id}`).set(admin.headers).set('Accept', 'text/html').expect(200);
    expectOnlyScrubbed('history page', page.text);

    const csv = await request(h.server).get('/api/v1/history/export.csv').set(admin.bearer).expect(200);
    expect(parseCsv(csv.text).map((r) => r.seriesDescription)).toEqual([SCRUBBED]);
    expectOnlyScrubbed('csv', csv.text);

    const pdf = await request(h.server).get(`/api/v1/history/${id}/report.pdf`).set(admin.bearer).buffer(true).parse(binary).expect(200);
    expectOnlyScrubbed('pdf', pdfText(pdf.body as Buffer));
  });
});
