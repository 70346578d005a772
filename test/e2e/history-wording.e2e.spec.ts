/**
 * The history page names each status once and its summary in words. It badged a "no validated
 * model" result "RECOGNISED" while the Status filter and the summary called the same status
 * "Inconclusive", and the summary listed reasons as raw keys ("Rejected: not mri") and a body
 * part "—" for the analyses refused before triage named one.
 */
import request from 'supertest';
import { HistoryService } from '../../src/history/history.service';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';
import { analysisRecord } from '../helpers/analysis-record';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();

/** The <li> pairs of one summary column ("Status", "Body part", "Reasons (not completed)"). */
function summaryColumn(html: string, heading: string): string[] {
  const m = new RegExp(`<h3>${heading.replace(/[()]/g, '\\$&')}</h3><ul>([\\s\\S]*?)</ul>`).exec(html);
  return m ? [...m[1].matchAll(/<li>([\s\S]*?)<\/li>/g)].map((li) => text(li[1])) : [];
}


describe('history page: one name per status, a summary in words', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR }, sessions: { alice: {} } });
  const { alice } = h.sessions;
  let html: string;

  beforeAll(async () => {
    const history = h.get(HistoryService);
    const id = alice.user.id;
    await history.record(analysisRecord(id, { status: 'inconclusive', code: 'NO_VALIDATED_MODEL', anatomy: 'spine', task: 'triage', label: null, confidence: null }));
    await history.record(analysisRecord(id, { status: 'rejected', stage: 'modality', code: 'NOT_MRI', anatomy: null, anatomyConfidence: null, isMri: false, task: 'triage', label: null, confidence: null }));
    await history.record(analysisRecord(id, { status: 'rejected', stage: 'file', code: 'UNSUPPORTED_TYPE', fileType: null, width: null, height: null, anatomy: null, anatomyConfidence: null, isMri: null, mriConfidence: null, task: null, label: null, confidence: null }));
    html = (await request(h.server).get('/history').set(alice.headers).expect(200)).text;
  });

  it('the badge, the Status filter and the summary call a "no validated model" result by the same name', () => {
    const badges = [...html.matchAll(/<span class="badge [a-z]+">([^<]*)<\/span>/g)].map((m) => m[1].toLowerCase());
    const options = [...html.matchAll(/<option value="([a-z]+)"[^>]*>([^<]*)<\/option>/g)].map((m) => [m[1], m[2].trim().toLowerCase()]);
    const inconclusive = options.find(([v]) => v === 'inconclusive')?.[1];
    expect(inconclusive).toBe('inconclusive');
    expect(badges).toContain(inconclusive);
    expect(badges).not.toContain('recognised');
    expect(summaryColumn(html, 'Status').map((s) => s.toLowerCase())).toContain(`${inconclusive} 1`);
    // still blue: an informative outcome, not a failure
    expect(html).toMatch(/<span class="badge info">inconclusive<\/span> <strong>Spine MRI — no validated model<\/strong>/);
  });

  it('reasons read as the refusal labels, and the unnamed body part is named', () => {
    const reasons = summaryColumn(html, 'Reasons (not completed)');
    expect(reasons).toEqual(expect.arrayContaining(['Not an MRI image (rejected) 1', 'Unsupported file type (rejected) 1', 'Recognised, no validated model (inconclusive) 1']));
    expect(reasons.join(' ')).not.toMatch(/not mri|NOT_MRI|_/);
    const parts = summaryColumn(html, 'Body part');
    expect(parts).toContain('Not determined 2');
    expect(parts.some((p) => p.startsWith('—'))).toBe(false);
  });

  it('filters that cannot be used: the history page again, as typed, with the reason by the form', async () => {
    // it was the bare error page ("\"from\" is after \"to\".", a link to the analyser): the form and what was typed were gone
    const res = await request(h.server).get('/history?from=2026-12-07&to=2026-12-01&label=No+tumour').set(alice.headers).set('Accept', 'text/html').expect(400);
    expect(res.text).toContain('<form method="get" action="/history" class="filters">');
    expect(res.text).toContain('name="from" value="2026-12-07"');
    expect(res.text).toContain('name="to" value="2026-12-01"');
    // the label, in the words the pages show, chosen in the Label box (a <select> of the accepted values since history-filter-form)
    expect(res.text).toContain('<option value="notumor" selected>No tumour</option>');
    expect(res.text).toContain('&quot;from&quot; is after &quot;to&quot;. Change the filters above, or <a href="/history">reset them</a>.');
    expect(res.text).toMatch(/<p class="client-error" role="alert" id="filter-error">/);
    // no rows or summary under filters that were not applied
    expect(res.text).not.toContain('Summary ·');
    expect(res.text).not.toContain('history-table');
    // a bad page number too; the API keeps its JSON 400
    expect((await request(h.server).get('/history?pageSize=100000').set(alice.headers).set('Accept', 'text/html').expect(400)).text).toContain('&quot;pageSize&quot; must be a whole number from 1 to 100. Change the filters above');
    const api = await request(h.server).get('/api/v1/history?from=2026-12-07&to=2026-12-01').set(alice.bearer).expect(400);
    expect(api.body).toMatchObject({ statusCode: 400, code: 'BAD_REQUEST', message: '"from" is after "to".' });
  });

  it('a refused filter is tied to the field(s) it names, which takes the focus (as the account and users forms do)', async () => {
    // the message sat above the form with no field marked: a screen reader on "From" heard nothing wrong
    const page = async (q: string) => (await request(h.server).get(`/history?${q}`).set(alice.headers).set('Accept', 'text/html').expect(400)).text;
    /** The form's fields marked invalid, each with what describes it and whether it has the focus. */
    const marked = (html: string) =>
      [...html.matchAll(/<(?:input|select) [^>]*name="(\w+)"[^>]*>/g)].filter((m) => m[0].includes('aria-invalid="true"')).map((m) => `${m[1]}:${/aria-describedby="([^"]*)"/.exec(m[0])?.[1]}${m[0].includes(' autofocus') ? ':autofocus' : ''}`);
    expect(marked(await page('from=2026-12-07&to=2026-12-01'))).toEqual(['from:filter-error:autofocus', 'to:filter-error:autofocus']);
    expect(marked(await page('to=2026-13-45'))).toEqual(['to:filter-error:autofocus']);
    expect(marked(await page('status=bogus'))).toEqual(['status:filter-error:autofocus']);
    // a label whose value reads like another field's name marks the Label box only
    expect(marked(await page('label=%22from%22%20x%20%24'))).toEqual(['label:filter-error:autofocus']);
    // a refusal of no field of the form (the page number) marks none
    expect(marked(await page('page=0'))).toEqual([]);
  });
});
