/**
 * With JavaScript off, the analysis and study pages cannot send a file (their buttons stay
 * disabled and the results are drawn by script): they say so, and where to go instead, rather
 * than showing a form that silently does nothing.
 */
import { FAKE_MODELS_DIR } from '../support/app';
import { HAVE_CHROMIUM, Harness, launch, signIn } from './harness';

const ADMIN = { email: 'nojs-admin@example.org', password: 'nojs-admin-password-1' };

(HAVE_CHROMIUM ? describe : describe.skip)('pages with JavaScript off, in Chromium', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await launch({ MODELS_DIR: FAKE_MODELS_DIR, SEED_ADMIN_EMAIL: ADMIN.email, SEED_ADMIN_PASSWORD: ADMIN.password, SEED_ADMIN_PRINT: 'false' });
    await signIn(h, ADMIN.email, ADMIN.password);
  });
  afterAll(async () => h?.close());

  it.each(['/', '/studies'])('%s says it needs JavaScript and links to the API', async (route) => {
    const page = await h.context.newPage();
    try {
      const cdp = await h.context.newCDPSession(page);
      await cdp.send('Emulation.setScriptExecutionDisabled', { value: true });
      await page.goto(`${h.base}${route}`);
      const notice = page.locator('.client-error', { hasText: 'needs JavaScript' });
      expect(await notice.isVisible()).toBe(true);
      expect(await notice.locator('a').getAttribute('href')).toBe('/api/docs');
      // with scripts on, the notice is not shown
      await cdp.send('Emulation.setScriptExecutionDisabled', { value: false });
      await page.reload();
      expect(await page.getByText('needs JavaScript').count()).toBe(0);
    } finally {
      await page.close();
    }
  });
});
