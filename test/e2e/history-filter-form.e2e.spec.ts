/**
 * The history page's Body part and Label filters offer the values the server accepts, in the
 * words the pages show: they were free text boxes ("brain, knee…", "glioma…"), so a user guessed
 * spellings and met a 400 listing the keys. The options come from FilterVocabulary.values(), the
 * source of the check itself, so the form offers no value the server refuses and every one it
 * accepts (an older model version's label too, while its rows exist). Typed and bookmarked URLs
 * keep working: a value in words or as the key selects its option.
 */
import request from 'supertest';
import type { AnalysisRecord } from '../../src/classifier/analysis-result';
import { HistoryService } from '../../src/history/history.service';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';
import { analysisRecord } from '../helpers/analysis-record';

/** This spec's rows: a different image ('b…') with no tumour, unless a test says otherwise. */
const record = (userId: string, over: Partial<AnalysisRecord>) => analysisRecord(userId, { sha256: 'b'.repeat(64), label: 'notumor', ...over });

interface Option {
  value: string;
  name: string;
  selected: boolean;
}

/** The options of the page form's <select name="…">, in order; null when there is no such select. */
function options(html: string, name: string): Option[] | null {
  const select = new RegExp(`<select name="${name}"[^>]*>([\\s\\S]*?)</select>`).exec(html)?.[1];
  if (select === undefined) return null;
  return [...select.matchAll(/<option value="([^"]*)"( selected)?>([^<]*)<\/option>/g)].map((m) => ({ value: m[1], name: m[3], selected: m[2] !== undefined }));
}

const chosen = (html: string, name: string) => options(html, name)?.filter((o) => o.selected).map((o) => o.value);

describe('history page: the body part and label filters offer the accepted values', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR }, sessions: { alice: {} } });
  const { alice } = h.sessions;
  const server = () => h.server;
  const page = (query: string) => request(server()).get(`/history${query}`).set(alice.headers).set('Accept', 'text/html');

  beforeAll(async () => {
    const history = h.get(HistoryService);
    await history.record(record(alice.user.id, {}));
    // as brain_tumor 2.x answered: its labels were glioma_tumor, no_tumor…
    await history.record(record(alice.user.id, { label: 'no_tumor' }));
    await history.record(record(alice.user.id, { label: 'glioma_tumor' }));
  });

  it('offers "any" and each value in words, an older model version\'s labels marked as such', async () => {
    const html = (await page('').expect(200)).text;
    expect(options(html, 'bodyPart')).toEqual([
      { value: '', name: 'any', selected: false },
      ...[['brain', 'Brain'], ['knee', 'Knee'], ['spine', 'Spine'], ['other_mri', 'Other MRI']].map(([value, name]) => ({ value, name, selected: false })),
    ]);
    expect(options(html, 'label')?.map((o) => `${o.value}: ${o.name}`)).toEqual([
      ': any',
      'glioma: Glioma',
      'meningioma: Meningioma',
      'notumor: No tumour',
      'pituitary: Pituitary',
      'glioma_tumor: Glioma tumor (earlier model)',
      'no_tumor: No tumor (earlier model)',
    ]);
    // no free-text box left to guess in
    expect(html).not.toMatch(/<input[^>]*name="(bodyPart|label)"/);
  });

  it('offers exactly what the server accepts: every option is a 200, and the set is the one a refusal lists', async () => {
    const html = (await page('').expect(200)).text;
    for (const name of ['bodyPart', 'label']) {
      const offered = (options(html, name) ?? []).map((o) => o.value).filter((v) => v !== '');
      for (const value of offered) {
        const res = await request(server()).get(`/api/v1/history?${name}=${encodeURIComponent(value)}`).set(alice.bearer);
        expect({ name, value, status: res.status }).toEqual({ name, value, status: 200 });
      }
      const refused = await request(server()).get(`/api/v1/history?${name}=zzz`).set(alice.bearer).expect(400);
      const listed = /must be one of: (.*); "zzz"/.exec(refused.body.message as string)?.[1].split(', ').map((v) => v.replace(/ \(.*\)$/, ''));
      expect(offered.sort()).toEqual(listed);
    }
  });

  it.each([
    ['?label=notumor', 'label', 'notumor'],
    ['?label=No+tumour', 'label', 'notumor'],
    ['?label=No+tumor', 'label', 'notumor'],
    ['?label=no_tumor', 'label', 'no_tumor'],
    ['?label=Glioma+tumor', 'label', 'glioma_tumor'],
    ['?bodyPart=Other+MRI', 'bodyPart', 'other_mri'],
    ['?bodyPart=knee&label=Pituitary', 'bodyPart', 'knee'],
  ])('a typed or bookmarked %s selects its option', async (query, name, value) => {
    const html = (await page(query).expect(200)).text;
    expect(chosen(html, name)).toEqual([value]);
  });

  it('"No tumor" filters the current label\'s rows; brain_tumor 2.x\'s are reached by their key', async () => {
    const ids = async (q: string) => ((await request(server()).get(`/api/v1/history?${q}`).set(alice.bearer).expect(200)).body as { items: { label: string }[] }).items.map((i) => i.label);
    expect(await ids('label=No+tumor')).toEqual(['notumor']);
    expect(await ids('label=No+tumour')).toEqual(['notumor']);
    expect(await ids('label=no_tumor')).toEqual(['no_tumor']);
  });

  it('filters refused: the form keeps the accepted values chosen, and offers no refused one', async () => {
    // a reversed range: nothing wrong with the label, which stays chosen
    const reversed = (await page('?from=2026-12-07&to=2026-12-01&label=No+tumor&bodyPart=Brain').expect(400)).text;
    expect([chosen(reversed, 'label'), chosen(reversed, 'bodyPart')]).toEqual([['notumor'], ['brain']]);
    // a label no record can hold: named in the message, not offered (the box falls back to "any")
    const unknown = (await page('?label=tumour&bodyPart=brain').expect(400)).text;
    expect(unknown).toContain('&quot;tumour&quot; is none of them');
    expect(options(unknown, 'label')?.map((o) => o.value)).not.toContain('tumour');
    expect([chosen(unknown, 'label'), chosen(unknown, 'bodyPart')]).toEqual([[], ['brain']]);
  });
});
