/**
 * Checks for the accessibility browser spec that axe-core cannot make: every axe rule at 1280 and
 * 320 px, sideways scrolling at 320 px, live regions that count seconds, buttons (and links to
 * different places) sharing a name.
 */
import * as fs from 'node:fs';
import type { Page } from 'playwright-core';
import sharp from 'sharp';

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Every axe violation (all rules axe runs by default, any impact) at 1280 and at 320 px. */
export async function axeAll(page: Page, name: string): Promise<string[]> {
  const found: string[] = [];
  for (const width of [1280, 320]) {
    await page.setViewportSize({ width, height: 800 });
    if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
    const r = (await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }))) as { violations: { id: string; nodes: { target: string[] }[] }[] };
    for (const v of r.violations) found.push(`${name}@${width}: ${v.id} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  return found;
}

/** At 320 px (WCAG 1.4.10 reflow): the document wider than the window. */
export async function sideways(page: Page, name: string): Promise<string[]> {
  await page.setViewportSize({ width: 320, height: 640 });
  const over = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  await page.setViewportSize({ width: 1280, height: 800 });
  return over > 0 ? [`${name}: ${over}px to scroll sideways at 320 px`] : [];
}

/**
 * Live regions (role status/alert/log, aria-live) whose text holds a running count of seconds: a
 * screen reader would say each second's new text. A wait counts where it is seen, outside them.
 * Running: the text changes from one second to the next. A message said once that names its wait
 * ("… Please wait 8 s and try again.", worded as the countdown is since the 429 messages use
 * waitWords) is not a count.
 */
export async function liveCounts(page: Page): Promise<string[]> {
  const read = () =>
    page.evaluate(() =>
      Array.from(document.querySelectorAll('[role=status],[role=alert],[role=log],[aria-live]:not([aria-live="off"])'))
        .filter((el) => el.getClientRects().length > 0 || el.classList.contains('visually-hidden'))
        .map((el) => el.textContent.trim()),
    );
  const before = await read();
  await page.waitForTimeout(1100); // a counter steps each second
  const after = await read();
  return after.filter((t: string, i) => /\b\d+ s\b/.test(t) && t !== before[i]);
}

/**
 * Buttons that share one accessible name (Chrome's accessibility tree): a screen reader's list of
 * controls says "Save, Save, Save" and nothing tells them apart. (Chrome's own date-picker button
 * inside each date field is left out.) Links too, where links of one name lead to different
 * addresses: the history list's "Details" of two records of one result in one minute read alike.
 */
export async function sameNames(page: Page, name: string): Promise<string[]> {
  type AxNode = { ignored: boolean; role?: { value: string }; name?: { value: string }; backendDOMNodeId?: number };
  const cdp = await page.context().newCDPSession(page);
  const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: AxNode[] };
  const named = (role: string) => nodes.filter((n) => !n.ignored && n.role?.value === role && n.name?.value !== 'Show date picker');
  const repeated = (list: AxNode[]) => {
    const names = list.map((n) => n.name?.value ?? '');
    return [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
  };
  const found = repeated(named('button')).map((n) => `${name}: button "${n}"`);
  const links = named('link');
  for (const text of repeated(links)) {
    const hrefs = new Set<string>();
    for (const n of links.filter((l) => (l.name?.value ?? '') === text)) {
      const { object } = (await cdp.send('DOM.resolveNode', { backendNodeId: n.backendDOMNodeId })) as { object: { objectId: string } };
      const { result } = (await cdp.send('Runtime.callFunctionOn', { objectId: object.objectId, functionDeclaration: 'function () { return this.href || ""; }', returnByValue: true })) as { result: { value: string } };
      hrefs.add(result.value);
    }
    if (hrefs.size > 1) found.push(`${name}: ${hrefs.size} links "${text}" to different addresses`);
  }
  await cdp.detach();
  return found;
}

/** The focused element as `tag#id`, after the page had a moment to move it. */
export async function focusedId(page: Page, expected: string): Promise<string> {
  await page.waitForFunction((id: string) => document.activeElement?.id === id, expected, { timeout: 5000 }).catch(() => undefined);
  return page.evaluate(() => `${document.activeElement?.tagName.toLowerCase()}#${document.activeElement?.id ?? ''}`);
}

/** Tables without a name (a caption, aria-label or aria-labelledby): a screen reader's list of tables says only "table". */
export async function unnamedTables(page: Page, name: string): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: { ignored: boolean; role?: { value: string }; name?: { value: string } }[] };
  await cdp.detach();
  const bare = nodes.filter((n) => !n.ignored && n.role?.value === 'table' && !(n.name?.value ?? '').trim()).length;
  return bare ? [`${name}: ${bare} table(s) without a name`] : [];
}

/** Two analyses of one grey image, posted from the signed-in page: one result twice in one minute, as a batch gives. */
export async function analyseTwice(page: Page): Promise<number[]> {
  const png = (await sharp({ create: { width: 96, height: 96, channels: 3, background: { r: 128, g: 128, b: 128 } } }).png().toBuffer()).toString('base64');
  return page.evaluate(async (b64: string) => {
    const bytes = Uint8Array.from(window.atob(b64), (c: string) => c.charCodeAt(0));
    const post = async () => {
      const fd = new window.FormData();
      fd.append('image', new window.Blob([bytes]), 'seed.png');
      return (await window.fetch('/api/v1/analyses', { method: 'POST', body: fd, headers: { Accept: 'application/json' } })).status;
    };
    return [await post(), await post()];
  }, png);
}

/** Headings of one page that say the same (a screen reader's list of headings): the history detail's h1 and h2 were both its title. */
export async function sameHeadings(page: Page, name: string): Promise<string[]> {
  const texts = (await page.locator('h1, h2, h3, h4, h5, h6').evaluateAll((els) => els.filter((e) => e.getClientRects().length > 0).map((e) => e.textContent.replace(/\s+/g, ' ').trim()))) as string[];
  return [...new Set(texts.filter((t, i) => texts.indexOf(t) !== i))].map((t) => `${name}: heading "${t}" twice`);
}
