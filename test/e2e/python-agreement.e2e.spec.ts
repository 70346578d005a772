import { INestApplicationContext } from '@nestjs/common';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AnalysisService } from '../../src/classifier/analysis.service';
import { createAnalysisContext, evaluateOne } from '../../src/cli/analysis-context';
import { decisionKey, PythonDecision } from '../../src/cli/evaluate-lib';
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
    const served = Object.fromEntries(
      fs
        .readdirSync(path.join(REPO_ROOT, 'models'), { withFileTypes: true })
        .filter((d) => d.isDirectory() && fs.existsSync(path.join(REPO_ROOT, 'models', d.name, 'model_card.json')))
        .map((d) => {
          const card = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'models', d.name, 'model_card.json'), 'utf8')) as {
            onnx: { sha256: string };
          };
          return [d.name, card.onnx.sha256];
        }),
    );
    const canon = (m: Record<string, string>) => JSON.stringify(Object.entries(m).sort(([a], [b]) => a.localeCompare(b)));
    if (canon(served) !== canon(meta.models)) {
      throw new Error(`models changed since the reference decisions were made; regenerate with:\n${meta.regenerate}`);
    }
    expect(reference.length).toBe(meta.count);
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
