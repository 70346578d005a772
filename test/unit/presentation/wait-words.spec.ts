/**
 * A locked login with JavaScript off read "Please wait 15 minutes and try again." above "You can try
 * again in 900 s." — the same wait in two units (wait.js already said "15 min" once it ran). The
 * server-rendered line (login.hbs, error.hbs) now words the wait by the rule wait.js counts down
 * with, and the two are compared here over every wait up to two hours.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import Handlebars from 'handlebars';
import { registerViewHelpers } from '../../../src/common/view-helpers';
import { waitWords } from '../../../src/presentation/wait-words';

const ROOT = path.join(__dirname, '../../..');

function render(view: string, context: Record<string, unknown>): string {
  const hb = Handlebars.create();
  registerViewHelpers(hb);
  hb.registerPartial('head', '');
  return hb.compile(readFileSync(path.join(ROOT, 'views', view), 'utf8'))(context);
}

describe('the wait a page says without JavaScript', () => {
  it.each(['login.hbs', 'error.hbs'])('%s says a 900 s lock as "15 min", in one unit with the message', (view) => {
    const html = render(view, { retryAfter: 900, title: 'Too many requests', message: 'Please wait 15 min and try again.', statusCode: 429 });
    expect(html).toContain('You can try again in 15 min.');
    expect(html).not.toContain('900 s');
    expect(html).toContain('data-retry-after="900"'); // wait.js still counts from the seconds
  });

  it('words every wait as wait.js does', () => {
    const window: { SentinelWait?: { wording(s: number): string } } = {};
    vm.runInNewContext(readFileSync(path.join(ROOT, 'public/js/wait.js'), 'utf8'), { window, document: { querySelector: () => null } });
    const browser = window.SentinelWait!.wording;
    for (let s = 1; s <= 7200; s++) expect(waitWords(s)).toBe(browser(s));
    expect([waitWords(45), waitWords(60), waitWords(900), waitWords(959), waitWords(3660)]).toEqual(['45 s', '1 min', '15 min', '15 min 59 s', '1 h 1 min']);
  });
});
