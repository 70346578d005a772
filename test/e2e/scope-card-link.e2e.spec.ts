import request from 'supertest';
import { loginAs } from '../helpers/auth';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';

/**
 * The "Diagnosed" line of the analysis and study pages linked its model card as "model card of the
 * Brain model" to a screen reader — a body part, not a model: no page calls any model that. Every
 * other card link names the model as the pages do ("model card of the brain tumour model": the
 * history detail, the result, the models list). It now does here too.
 */
describe('the scope line\'s model card link', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR } });

  it.each(['/', '/studies'])('%s names the brain tumour model, as the other card links do', async (url) => {
    const alice = await loginAs(h.app);
    const page = await request(h.server).get(url).set(alice.headers).set('Accept', 'text/html').expect(200);
    const scope = /<div class="scope" id="scope">([\s\S]*?)<\/div>/.exec(page.text)?.[1] ?? '';
    const link = /<a href="\/models\/brain_tumor">([\s\S]*?)<\/a>/.exec(scope)?.[1].replace(/<[^>]+>/g, '') ?? '';
    expect(link).toBe('model card of the brain tumour model');
  });
});
