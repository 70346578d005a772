/**
 * The result as a Windows high-contrast (forced colours) user sees it, and as it comes out of the
 * printer. Under forced colours Chromium drops every background colour and CSS gradient, so the
 * confidence bar, its threshold mark, the probability bars and the heat map's legend — all drawn as
 * backgrounds — vanished: the page said "99.8 %" beside an empty box and "Less … More influence"
 * around a blank outline. In print, backgrounds are dropped too (print-color-adjust: economy), so the
 * same bars and legend were blank on paper, and the page printed its navigation, the upload card,
 * the heat-map viewer's buttons and the PDF/copy buttons; with the screen in dark mode the text
 * printed in its light dark-mode colours on white paper. Fake models: a white image is a brain MRI
 * with glioma, with a heat map.
 */
import type { Locator, Page } from 'playwright-core';
import sharp from 'sharp';
import { analyseFromPage, HAVE_CHROMIUM, useSignedInPage } from './harness';

const ADMIN = { email: 'print-admin@example.org', password: 'print-admin-password-1' };

/** Share of the element's pixels, as drawn on screen now, that differ from `canvas` (the page's background). */
async function inkShare(el: Locator, canvas: number[]): Promise<number> {
  const png = await el.screenshot();
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let ink = 0;
  for (let i = 0; i < data.length; i += info.channels) {
    if (Math.abs(data[i] - canvas[0]) + Math.abs(data[i + 1] - canvas[1]) + Math.abs(data[i + 2] - canvas[2]) > 30) ink++;
  }
  return ink / (info.width * info.height);
}

/** The page's background colour as drawn (under forced colours: the system's Canvas). */
async function canvasColour(page: Page): Promise<number[]> {
  const s = await page.evaluate(() => window.getComputedStyle(document.body).backgroundColor);
  const [r, g, b] = (s.match(/\d+/g) ?? ['255', '255', '255']).map(Number);
  return /rgba\(\d+, \d+, \d+, 0\)/.test(s) ? [255, 255, 255] : [r, g, b];
}

/** What the print stylesheet shows and hides, and whether each background-drawn figure prints its colours. */
function printView(page: Page, shown: string[], hidden: string[], figures: string[]): Promise<Record<string, unknown>> {
  return page.evaluate(
    ({ shown, hidden, figures }: { shown: string[]; hidden: string[]; figures: string[] }) => {
      const drawn = (s: string): boolean => Array.from(document.querySelectorAll(s)).some((e) => e.getClientRects().length > 0);
      const out: Record<string, unknown> = {};
      for (const s of shown) out[`shown ${s}`] = drawn(s);
      for (const s of hidden) out[`hidden ${s}`] = !drawn(s);
      for (const s of figures) {
        const e = document.querySelector(s);
        out[`printed in colour ${s}`] = !!e && window.getComputedStyle(e).printColorAdjust === 'exact';
      }
      return out;
    },
    { shown, hidden, figures },
  );
}

/** Contrast of the page's text colours against white paper (the background is not printed), lowest first. */
function paperContrast(page: Page, selectors: string[]): Promise<{ sel: string; ratio: number }[]> {
  return page.evaluate((sels: string[]) => {
    const lum = (s: string): number => {
      const [r, g, b] = (s.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number).map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    return sels
      .map((sel) => {
        const e = document.querySelector(sel);
        const ratio = e ? 1.05 / (lum(window.getComputedStyle(e).color) + 0.05) : 0;
        return { sel, ratio: Math.round(ratio * 10) / 10 };
      })
      .sort((a, b) => a.ratio - b.ratio);
  }, selectors);
}

(HAVE_CHROMIUM ? describe : describe.skip)('the result under forced colours and in print', () => {
  const h = useSignedInPage({ admin: ADMIN });
  let detail = '';

  beforeAll(async () => {
    const page = h.page;
    await page.goto(`${h.base}/`);
    const buffer = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#ffffff' } }).png().toBuffer();
    detail = `/history/${await analyseFromPage(page, buffer, { shown: '#result-heatmap' })}`;
  });

  afterEach(async () => h.page.emulateMedia({ media: 'screen', forcedColors: 'none', colorScheme: 'light' }));

  it('forced colours: the confidence bar, its threshold mark, the probability bars and the heat-map legend are still drawn', async () => {
    const page = h.page;
    await page.emulateMedia({ forcedColors: 'active' });
    const canvas = await canvasColour(page);
    const share = async (sel: string): Promise<number> => Math.round((await inkShare(page.locator(sel).first(), canvas)) * 100) / 100;
    const got = {
      confidenceFill: await share('#confidence-bar'),
      topProbabilityFill: await share('#probs li.top .bar > span'),
      legend: await share('#viewer-slot .legend-bar'),
    };
    // the answer's confidence is above its 60 % threshold: most of its bar is filled; the legend is solid
    expect(got).toEqual({ confidenceFill: expect.any(Number), topProbabilityFill: expect.any(Number), legend: expect.any(Number) });
    expect(Object.entries(got).filter(([, v]) => v < 0.5)).toEqual([]);
    // the threshold mark lies on the fill (at 60 % of a fuller bar) and on the track in other answers:
    // it must stand out from both (it was not drawn at all, then CanvasText at 1.1:1 on the Highlight fill)
    const mark = await page.evaluate(() => {
      const lum = (s: string): number => {
        const [r, g, b] = (s.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number).map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      const ratio = (a: string, b: string): number => Math.round(((Math.max(lum(a), lum(b)) + 0.05) / (Math.min(lum(a), lum(b)) + 0.05)) * 10) / 10;
      const m = window.getComputedStyle(document.getElementById('threshold-mark')!);
      const fill = window.getComputedStyle(document.getElementById('confidence-bar')!).backgroundColor;
      const page = window.getComputedStyle(document.body).backgroundColor;
      // what it shows against each: its body, or its outline where the body is the colour behind it
      const best = (behind: string): number => Math.max(m.visibility === 'visible' && m.display !== 'none' && !/, 0\)$/.test(m.backgroundColor) ? ratio(m.backgroundColor, behind) : 1, m.outlineStyle !== 'none' && parseFloat(m.outlineWidth) > 0 ? ratio(m.outlineColor, behind) : 1);
      return { onFill: best(fill), onTrack: best(page) };
    });
    expect(mark.onFill).toBeGreaterThanOrEqual(3);
    expect(mark.onTrack).toBeGreaterThanOrEqual(3);
  });

  it('print of the result: colours of the bars and legend kept, heat map and disclaimer printed, no navigation or controls', async () => {
    const page = h.page;
    await page.emulateMedia({ media: 'print' });
    const got = await printView(
      page,
      ['.research-banner', '.footer .disclaimer', '#state-result', '#result-heatmap', '#viewer-slot .legend'],
      ['.topnav', '.skip-link', '.input-card', '.viewer-controls', '.result-actions'],
      ['#confidence-bar', '#threshold-mark', '#probs li.top .bar > span', '#viewer-slot .legend-bar'],
    );
    expect(Object.entries(got).filter(([, v]) => v !== true)).toEqual([]);
    // the result is not squeezed into the grid column the hidden upload card left beside it
    const width = await page.evaluate(() => document.querySelector('.result-card')!.getBoundingClientRect().width / document.querySelector('main')!.getBoundingClientRect().width);
    expect(width).toBeGreaterThan(0.8);
  });

  it('print of a history record: disclaimer and probability bars printed, no navigation or buttons', async () => {
    const page = h.page;
    await page.goto(`${h.base}${detail}`);
    await page.emulateMedia({ media: 'print' });
    const got = await printView(page, ['.research-banner', '.footer .disclaimer', '.probs svg.bar'], ['.topnav', '.skip-link', '.pdf-actions'], []);
    expect(Object.entries(got).filter(([, v]) => v !== true)).toEqual([]);
    // the banner's light text stood on a dark background that does not print: 1.1:1 on the paper
    expect((await paperContrast(page, ['.research-banner'])).filter((c) => c.ratio < 4.5)).toEqual([]);
  });

  it('print from a screen in dark mode: the text prints dark on the white paper', async () => {
    const page = h.page;
    await page.goto(`${h.base}${detail}`);
    await page.emulateMedia({ media: 'print', colorScheme: 'dark' });
    const low = (await paperContrast(page, ['.research-banner', 'h1', '.verdict-message', '.meta dd', '.prob-label', '.footer .disclaimer'])).filter((c) => c.ratio < 4.5);
    expect(low).toEqual([]);
  });

  it('forced colours: the chosen sample and the selected tab stand out from the others (not by weight alone)', async () => {
    const page = h.page;
    await page.goto(`${h.base}/`);
    await page.click('#tab-samples');
    await page.click('.sample >> nth=1');
    await page.emulateMedia({ forcedColors: 'active' });
    const got = await page.evaluate(() => {
      const lum = (s: string): number => {
        const [r, g, b] = (s.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number).map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      const ratio = (a: string, b: string): number => Math.round(((Math.max(lum(a), lum(b)) + 0.05) / (Math.min(lum(a), lum(b)) + 0.05)) * 10) / 10;
      const samples = document.querySelectorAll('.sample');
      const edge = (e: Element): string => {
        const c = window.getComputedStyle(e);
        if (c.outlineStyle !== 'none' && parseFloat(c.outlineWidth) > 0) return c.outlineColor;
        return c.borderTopStyle !== 'none' && parseFloat(c.borderTopWidth) > 0 ? c.borderTopColor : window.getComputedStyle(e.parentElement!).backgroundColor;
      };
      return {
        // the chosen sample's frame against another's: it was the dark brand colour beside black, 1.1:1
        sampleFrames: ratio(edge(samples[1]), edge(samples[0])),
        // the selected tab's edge against the unselected one's (the white pill behind it is dropped)
        tabEdges: ratio(edge(document.getElementById('tab-samples')!), edge(document.getElementById('tab-upload')!)),
      };
    });
    expect(got.sampleFrames).toBeGreaterThanOrEqual(3);
    expect(got.tabEdges).toBeGreaterThanOrEqual(3);
  });
});
