import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../support/app';

/**
 * docs/model-contract.md: "Every served model lives in models/<name>/ with model.onnx,
 * model_card.json, report.md and plots/*.png". The server reads only the card and the ONNX file,
 * so a retrained model committed without its report, or a report whose figures were not
 * committed, would load and serve without complaint; ml/tests checks report.md only, and needs
 * torch. This reads the committed folders (skipped in a checkout without models).
 */
const MODELS = path.join(REPO_ROOT, 'models');
const served = fs.existsSync(MODELS)
  ? fs.readdirSync(MODELS).filter((n) => fs.existsSync(path.join(MODELS, n, 'model_card.json'))).sort()
  : [];

(served.length ? describe : describe.skip)('committed model folders', () => {
  it.each(served)('%s: model.onnx, model_card.json, report.md and its plots/*.png', (name) => {
    const dir = path.join(MODELS, name);
    const card = JSON.parse(fs.readFileSync(path.join(dir, 'model_card.json'), 'utf8')) as { onnx: { file: string } };
    expect(card.onnx.file).toBe('model.onnx');
    expect(fs.existsSync(path.join(dir, 'model.onnx'))).toBe(true);
    const plots = fs.existsSync(path.join(dir, 'plots')) ? fs.readdirSync(path.join(dir, 'plots')).filter((f) => f.endsWith('.png')) : [];
    expect(plots.length).toBeGreaterThan(0);
    const report = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
    // every figure the report shows is committed beside it (no broken image in the report)
    const shown = [...report.matchAll(/\]\((plots\/[^)\s]+\.png)\)/g)].map((m) => m[1]);
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.filter((f) => !fs.existsSync(path.join(dir, f)))).toEqual([]);
  });
});
