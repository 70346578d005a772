/**
 * The analysis page under rate limits (registered into analysis-page.browser.spec.ts, on its page
 * and session): a 429 keeps the user on the page with a Retry-After countdown, and a batch of
 * images pauses on a 429 and disables the single Analyse meanwhile, with the reason; a batch holds
 * at most 20 images and says how many were left out.
 */
import { AnalysisPage, sha } from './analysis-page-context';
import { axeScan, drop, shoot } from './harness';

export function rateLimitTests(c: AnalysisPage): void {
  it('a 429 keeps the user here: Retry-After counts down, then Analyse and Retry come back', async () => {
    const { page, brain, wide, axe, choose, resultShown } = c;
    await page.route('**/api/v1/analyses', (route) =>
      route.fulfill({ status: 429, headers: { 'Retry-After': '3', 'Content-Type': 'application/json' }, body: JSON.stringify({ statusCode: 429, code: 'TOO_MANY_REQUESTS', message: 'Too many analyses: wait 3 seconds.' }) }),
    );
    await choose(brain);
    await page.click('#submit-btn');
    await page.locator('#error-countdown').waitFor({ state: 'visible' });
    await expect(page.locator('#error-countdown').textContent()).resolves.toMatch(/again in [1-3] s/);
    await expect(page.locator('#retry-btn').isDisabled()).resolves.toBe(true);
    await expect(page.locator('#submit-btn').isDisabled()).resolves.toBe(true);
    expect(new URL(page.url()).pathname).toBe('/');
    wide.push(...(await shoot(page, 'page-05-rate-limited')));
    axe.push(...(await axeScan(page, 'rate limited')));
    await page.unroute('**/api/v1/analyses');
    await page.waitForFunction(() => !(document.getElementById('retry-btn') as HTMLButtonElement).disabled, undefined, { timeout: 10_000 });
    await expect(page.locator('#retry-btn').textContent()).resolves.toBe('Retry');
    await expect(page.locator('#submit-btn').isEnabled()).resolves.toBe(true);
    await page.click('#retry-btn');
    await resultShown();

    // the report button under its own 429: disabled while the wait counts down on it (not in the
    // note, a live region a screen reader would repeat each second), back afterwards
    await page.route('**/api/v1/reports', (route) => route.fulfill({ status: 429, headers: { 'Retry-After': '2', 'Content-Type': 'application/json' }, body: '{"statusCode":429,"code":"TOO_MANY_REQUESTS","message":"wait"}' }));
    await page.click('#pdf-btn');
    await page.waitForFunction(() => /\([12] s\)$/.test(document.getElementById('pdf-btn')!.textContent));
    await expect(page.locator('#pdf-note').textContent()).resolves.toContain('Too many requests');
    await expect(page.locator('#pdf-btn').isDisabled()).resolves.toBe(true);
    await page.waitForFunction(() => document.getElementById('pdf-btn')!.getAttribute('aria-disabled') === 'false', undefined, { timeout: 10_000 });
    await page.unroute('**/api/v1/reports');
  });

  it('batch: several images queue with per-image status, pause on 429 with a countdown, each result openable with its own report', async () => {
    const { page, brain, brain2, xray, spine, wide, axe, downloadPdf } = c;
    let calls = 0;
    await page.route('**/api/v1/analyses', (route) => {
      calls++;
      if (calls === 2) return route.fulfill({ status: 429, headers: { 'Retry-After': '2', 'Content-Type': 'application/json' }, body: '{"statusCode":429,"code":"TOO_MANY_REQUESTS","message":"wait"}' });
      return route.continue();
    });
    const files = [brain, xray, brain2, ...(spine ? [spine] : [])];
    await drop(page, '#dropzone', files);
    await page.locator('#batch').waitFor({ state: 'visible' });
    await expect(page.locator('#batch-list li').count()).resolves.toBe(files.length);
    await page.locator('#batch-wait').waitFor({ state: 'visible' });
    await expect(page.locator('#batch-wait').textContent()).resolves.toMatch(/continues in [12] s/);
    wide.push(...(await shoot(page, 'page-06-batch-waiting')));
    await page.waitForFunction((n) => document.querySelectorAll('#batch-list li.done').length === n, files.length, { timeout: 30_000 });
    await expect(page.locator('#batch-summary').textContent()).resolves.toMatch(new RegExp(`^${files.length} of ${files.length} analysed · [12] without an answer$`)); // the x-ray refused (the spine MRI too, with the trained models)
    await page.unroute('**/api/v1/analyses');
    await page.locator('#batch-list li').nth(1).getByRole('button', { name: /^Open/ }).click();
    await page.waitForFunction(() => document.activeElement!.id === 'verdict-label');
    await expect(page.locator('#verdict-file').textContent()).resolves.toBe(`Image: ${xray.name}`);
    const pdf = await downloadPdf(`#batch-list li:nth-child(3) button:has-text("PDF")`);
    expect(pdf.text).toContain(sha(brain2.bytes));
    // the list itself flags the experimental answers (brain), not the refusal (x-ray)
    await expect(page.locator('#batch-list li:nth-child(1) .experimental-note').isVisible()).resolves.toBe(true);
    await expect(page.locator('#batch-list li:nth-child(2) .experimental-note').count()).resolves.toBe(0);
    await expect(page.locator('#verdict-experimental').isHidden()).resolves.toBe(true); // the opened x-ray result
    axe.push(...(await axeScan(page, 'batch')));
    wide.push(...(await shoot(page, 'page-07-batch-done')));
  });

  it('while a batch waits out a 429, the single Analyse is disabled with the reason, and comes back after', async () => {
    const { page, brain, brain2, xray, choose } = c;
    // Analyse stayed enabled during the batch's pause: pressing it only earned another 429
    if (await page.locator('#batch-clear').isVisible()) await page.click('#batch-clear');
    let calls = 0;
    await page.route('**/api/v1/analyses', (route) => {
      calls++;
      if (calls === 1) return route.fulfill({ status: 429, headers: { 'Retry-After': '5', 'Content-Type': 'application/json' }, body: '{"statusCode":429,"code":"TOO_MANY_REQUESTS","message":"wait"}' });
      return route.continue();
    });
    await drop(page, '#dropzone', [brain, brain2]);
    await page.locator('#batch-wait').waitFor({ state: 'visible' });
    await choose(xray); // one image chosen during the pause
    await expect(page.locator('#submit-btn').isDisabled()).resolves.toBe(true);
    await expect(page.locator('#wait-note').isVisible()).resolves.toBe(true);
    await expect(page.locator('#wait-note').textContent()).resolves.toMatch(/Rate limit reached: Analyse is available again in [1-5] s/);
    await page.waitForFunction(() => !(document.getElementById('submit-btn') as HTMLButtonElement).disabled, undefined, { timeout: 30_000 });
    await expect(page.locator('#wait-note').isHidden()).resolves.toBe(true);
    await page.waitForFunction(() => document.querySelectorAll('#batch-list li.done').length === 2, undefined, { timeout: 30_000 });
    await page.unroute('**/api/v1/analyses');
    await page.click('#batch-clear');
  });

  it('a new image clears the error on screen: a server refusal, and the page\'s own file check', async () => {
    const { page, brain, brain2, choose } = c;
    await page.route('**/api/v1/analyses', (route) => route.fulfill({ status: 415, headers: { 'Content-Type': 'application/json' }, body: '{"statusCode":415,"code":"UNSUPPORTED_TYPE","message":"Not a JPEG or PNG file."}' }));
    await choose(brain);
    await page.click('#submit-btn');
    await page.locator('#state-error').waitFor({ state: 'visible' });
    await page.unroute('**/api/v1/analyses');
    await choose(brain2);
    await expect(page.locator('#state-error').isHidden()).resolves.toBe(true);
    await expect(page.locator('#state-empty').isVisible()).resolves.toBe(true);
    await page.setInputFiles('#file-input', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') });
    await page.locator('#client-error').waitFor({ state: 'visible' });
    await choose(brain);
    await expect(page.locator('#client-error').isHidden()).resolves.toBe(true);
  });

  it('batch holds 20: choosing 22 files queues 20 and says 2 were left out; a refused file is "not analysed", not counted as analysed', async () => {
    const { page, brain } = c;
    if (await page.locator('#batch-clear').isVisible()) await page.click('#batch-clear');
    const text = { name: 'notes.txt', type: 'text/plain', bytes: Buffer.from('not an image') };
    const files = [brain, text, ...Array.from({ length: 20 }, (_, i) => ({ ...brain, name: `copy-${i + 1}.${brain.name.split('.').pop()}` }))];
    await page.setInputFiles('#file-input', files.map((f) => ({ name: f.name, mimeType: f.type, buffer: f.bytes })));
    await page.locator('#batch').waitFor({ state: 'visible' });
    await expect(page.locator('#batch-list li').count()).resolves.toBe(20);
    await expect(page.locator('#batch-wait').textContent()).resolves.toBe('2 images left out: a batch holds up to 20.');
    await expect(page.locator('#batch-list li .batch-name').last().textContent()).resolves.toBe(files[19].name); // the first 20, in order
    await page.waitForFunction(() => document.querySelectorAll('#batch-list li.done, #batch-list li.failed').length === 20, undefined, { timeout: 60_000 });
    await expect(page.locator('#batch-list li.failed .batch-status').textContent()).resolves.toMatch(/notes\.txt.* not a JPEG or PNG/);
    await expect(page.locator('#batch-summary').textContent()).resolves.toBe('19 of 20 analysed · 1 not analysed');
    await expect(page.locator('#selected').isHidden()).resolves.toBe(true); // several files go to the batch, not the single image
    await page.click('#batch-clear');
  });
}
