import { INestApplicationContext } from '@nestjs/common';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AnalysisService } from '../../src/classifier/analysis.service';
import { createAnalysisContext, evaluateOne } from '../../src/cli/analysis-context';
import { decisionKey, PythonDecision } from '../../src/cli/evaluate-lib';
import { colourShare } from '../../src/inference/colour-share';
import { decodeImage } from '../../src/inference/image-decoder';
import type { ModelCard } from '../../src/inference/model-card';
import { REPO_ROOT, SHARED_DIR, testConfig } from '../support/app';

/**
 * The served pipeline (sharp + onnxruntime-node) against the Python reference (PIL +
 * onnxruntime + ml/'s rules) on a fixed, spread-out subset of the test split, per image.
 * The reference decisions are committed with the sha256 of the models they were made with;
 * retraining a model makes this test ask for them to be regenerated (see the fixture's meta).
 */
const DIR = path.join(REPO_ROOT, 'test/fixtures/python-decisions');
const meta = JSON.parse(fs.readFileSync(path.join(DIR, 'meta.json'), 'utf8')) as {
  models: Record<string, string>;
  /** card versions (a card's gates can change while its network does not) */
  versions?: Record<string, string>;
  count: number;
  regenerate: string;
};
const reference = fs
  .readFileSync(path.join(DIR, 'decisions.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as PythonDecision);

describe('decision agreement with the Python reference pipeline', () => {
  let ctx: INestApplicationContext;
  let service: AnalysisService;

  beforeAll(async () => {
    ({ ctx, service } = await createAnalysisContext(testConfig()));
  });
  afterAll(async () => {
    await ctx?.close();
  });

  it('uses the models the reference was made with', () => {
    const cards = fs
      .readdirSync(path.join(REPO_ROOT, 'models'), { withFileTypes: true })
      .filter((d) => d.isDirectory() && fs.existsSync(path.join(REPO_ROOT, 'models', d.name, 'model_card.json')))
      .map((d) => JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'models', d.name, 'model_card.json'), 'utf8')) as ModelCard);
    const served = Object.fromEntries(cards.map((c) => [c.name, c.onnx.sha256]));
    const versions = Object.fromEntries(cards.map((c) => [c.name, c.version]));
    const canon = (m: Record<string, string>) => JSON.stringify(Object.entries(m).sort(([a], [b]) => a.localeCompare(b)));
    if (canon(served) !== canon(meta.models) || canon(versions) !== canon(meta.versions ?? {})) {
      throw new Error(`models changed since the reference decisions were made; regenerate with:\n${meta.regenerate}`);
    }
    expect(reference.length).toBe(meta.count);
  });

  it('measures the colour gate as the reference does (sharp vs PIL decodes, same rule)', async () => {
    const card = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'models/triage/model_card.json'), 'utf8')) as ModelCard;
    const spec = card.thresholds.colour;
    const measured = reference.filter((r) => r.colour_share !== undefined);
    if (!spec) return expect(measured).toHaveLength(0);
    expect(measured.length).toBe(reference.length);
    const limits = { maxPixels: 40_000_000, minSide: 1 };
    let worst = 0;
    let gateFlips = 0;
    for (const ref of measured) {
      const ours = colourShare(await decodeImage(fs.readFileSync(path.join(SHARED_DIR, 'data', ref.path)), limits), spec);
      worst = Math.max(worst, Math.abs(ours - ref.colour_share!));
      if (ours > spec.max_share !== ref.colour_share! > spec.max_share) gateFlips++;
    }
    // JPEG decoders may differ by a level in a pixel's chroma: the share moves a little, the gate must not
    expect(gateFlips).toBe(0);
    expect(worst).toBeLessThan(0.01);
  });

  it('agrees on at least 99% of the images', async () => {
    const root = path.join(SHARED_DIR, 'data');
    let agree = 0;
    const disagreements: string[] = [];
    for (const ref of reference) {
      const ours = decisionKey(await evaluateOne(service, root, ref.path));
      if (ours === ref.decision) agree++;
      else disagreements.push(`${ref.path}: ours ${ours}, python ${ref.decision}`);
    }
    const rate = agree / reference.length;
    if (rate < 0.99) throw new Error(`agreement ${(rate * 100).toFixed(2)}%:\n${disagreements.slice(0, 20).join('\n')}`);
    expect(rate).toBeGreaterThanOrEqual(0.99);
  });
});
