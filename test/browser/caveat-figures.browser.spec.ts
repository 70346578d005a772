/**
 * The caveat beside an answer on the image page, the batch list and the study page
 * (result-view.js `caveatNote`): "…it called 9 % of the tumour-free slices…" broke between
 * "9" and "%" at phone widths (the study page at 375 px: "it called 9" / "% of the tumour-free"),
 * while the answer's message beside it keeps each figure whole (figures.js showMessage). The
 * caveat now goes through the same figure wrapping; its text is unchanged.
 */
import { HAVE_CHROMIUM, useSignedInPage } from './harness';

const ADMIN = { email: 'caveat-figures-admin@example.org', password: 'caveat-figures-password-1' };
const CAVEAT = 'On collections this model was not trained on (each held out in turn), it called 9 % of the tumour-free slices it answered a tumour.';

(HAVE_CHROMIUM ? describe : describe.skip)('the caveat beside an answer keeps its figures whole', () => {
  const h = useSignedInPage({ admin: ADMIN });

  it.each(['/', '/studies'])('on %s: "9 %" in a span that does not wrap, the text as the API gave it', async (url) => {
    await h.page.goto(`${h.base}${url}`);
    const got = await h.page.evaluate((caveat: string) => {
      const node = document.createElement('p');
      window.Sentinel.caveatNote(node, { caveat });
      const figures = Array.from(node.querySelectorAll('span.figure')).map((s) => [s.textContent, window.getComputedStyle(document.body.appendChild(s.cloneNode(true)) as Element).whiteSpace]);
      return { text: node.textContent, hidden: node.hidden, figures };
    }, CAVEAT);
    expect(got).toEqual({ text: CAVEAT, hidden: false, figures: [['9 %', 'nowrap']] });
  });

  it('no caveat: the note is empty and hidden', async () => {
    await h.page.goto(`${h.base}/`);
    const got = await h.page.evaluate(() => {
      const node = document.createElement('p');
      node.textContent = 'left over';
      window.Sentinel.caveatNote(node, { caveat: null });
      return { text: node.textContent, hidden: node.hidden };
    });
    expect(got).toEqual({ text: '', hidden: true });
  });
});
