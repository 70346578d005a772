/**
 * A study refused at the file checks is named in the study's words wherever it is read again.
 * A text file or a JPEG sent to the study page was titled "Not a JPEG or PNG file" in the history
 * list, its detail page and its PDF — the single-image words, false for the JPEG — while the study
 * page itself had said the file is not a DICOM, NIfTI or ZIP file. A study's 415 is titled "Unsupported
 * file type" (true also of an RGB24 NIfTI or a bzip2-compressed one). A single image keeps its words;
 * the summary, which counts images and studies together, names the reason in words true of both.
 */
import request from 'supertest';
import { binary, pdfText } from '../helpers/pdf-text';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();

describe('a study refused at the file checks, in the history and its PDF', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR }, sessions: { alice: {} } });
  const { alice } = h.sessions;

  const historyPages = async (id: string) => {
    const server = h.server;
    const detail = text((await request(server).get(`/history/${id}`).set(alice.headers).set('Accept', 'text/html').expect(200)).text);
    const pdf = await request(server).get(`/history/${id}/report.pdf`).set(alice.headers).buffer(true).parse(binary).expect(200);
    return { detail, pdf: pdfText(pdf.body as Buffer) };
  };

  it.each([
    ['a text file', Buffer.from('not an image, not a series\n'), 'notes.txt', 415, 'Unsupported file type'],
    // a NIfTI compressed with bzip2: 415 naming bunzip2 at upload; "Not a DICOM, NIfTI or ZIP file" was false of it
    ['a bzip2-compressed NIfTI', Buffer.concat([Buffer.from('BZh91AY&SY', 'latin1'), Buffer.alloc(64, 7)]), 'volume.nii.bz2', 415, 'Unsupported file type'],
    ['a corrupt ZIP', Buffer.from('PK\x03\x04 cut off here', 'latin1'), 'series.zip', 422, 'Unreadable file'],
  ])('%s: the list, the detail page and the PDF say what the study page said', async (_what, bytes, name, status, words) => {
    const server = h.server;
    await request(server).post('/api/v1/studies').set(alice.bearer).attach('files', bytes, name).expect(status);
    const list = (await request(server).get('/api/v1/history').set(alice.bearer).expect(200)).body as { items: { id: string; study: unknown; stage: string }[] };
    const row = list.items[0];
    expect(row).toMatchObject({ stage: 'file' });
    expect(row.study).toBeTruthy();
    const html = text((await request(server).get('/history').set(alice.headers).set('Accept', 'text/html').expect(200)).text);
    expect(html).toContain(`rejected ${words}`);
    expect(html).toContain(`File checks · ${words}`);
    expect(html).toMatch(/Reasons \(not completed\) (Unsupported file type|Unreadable file) \(rejected\) \d/);
    const { detail, pdf } = await historyPages(row.id);
    expect(detail).toContain(`${words}: refused at the file checks, before any model ran.`);
    expect(pdf).toContain(`MRI Sentinel — ${words}`);
    expect(pdf).toContain(`file checks — ${words} (`);
    for (const page of [html, detail, pdf]) expect(page).not.toMatch(/Not a JPEG or PNG file|Unreadable image/);
  });

  it('a single image refused at the file checks keeps the image words', async () => {
    const server = h.server;
    await request(server).post('/api/v1/analyses').set(alice.bearer).attach('image', Buffer.from('plain text'), 'notes.png').expect(415);
    const list = (await request(server).get('/api/v1/history').set(alice.bearer).expect(200)).body as { items: { id: string; study: unknown }[] };
    expect(list.items[0].study).toBeNull();
    const { detail, pdf } = await historyPages(list.items[0].id);
    expect(detail).toContain('Not a JPEG or PNG file: refused at the file checks');
    expect(pdf).toContain('MRI Sentinel — Not a JPEG or PNG file');
  });
});
