/**
 * A series sent as separate files, and the three places a stored analysis is shown again — the
 * history API item, the history detail page and the record's PDF — read for one signed-in user.
 * The study record specs compare each with the live answer; they wrote these readers each.
 */
import type { Server } from 'node:http';
import request from 'supertest';
import type { TestSession } from './auth';
import { binary, pdfFlatText } from './pdf-text';

export interface RecordViews {
  /** POST /api/v1/studies with each buffer as its own `files` part (f0.dcm, f1.dcm, …), 200, the answer */
  postSeries<T>(files: Buffer[]): Promise<T>;
  /** GET /api/v1/history/:id, 200, as the type the spec expects */
  record<T>(id: string): Promise<T>;
  /** the record's PDF as flat text */
  pdf(id: string): Promise<string>;
  /** the history detail page's HTML */
  page(id: string): Promise<string>;
}

/** `server` is read at each call (useApp's server exists once beforeAll has run). */
export function recordViews(server: () => Server, user: TestSession): RecordViews {
  return {
    postSeries: async <T>(files: Buffer[]) => {
      let r = request(server()).post('/api/v1/studies').set(user.bearer);
      files.forEach((f, i) => (r = r.attach('files', f, `f${i}.dcm`)));
      return (await r.expect(200)).body as T;
    },
    record: async <T>(id: string) => (await request(server()).get(`/api/v1/history/${id}`).set(user.bearer).expect(200)).body as T,
    pdf: async (id: string) => pdfFlatText((await request(server()).get(`/api/v1/history/${id}/report.pdf`).set(user.bearer).buffer(true).parse(binary).expect(200)).body as Buffer),
    page: async (id: string) => (await request(server()).get(`/history/${id}`).set(user.headers).expect(200)).text,
  };
}
