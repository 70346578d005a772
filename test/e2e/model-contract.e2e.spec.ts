/**
 * A model card must describe its ONNX graph: the input's name and size, one logit and one cam
 * plane per label, the embedding and cam sizes. A card that does not is refused when the session
 * opens (in-process and in the inference workers), naming the mismatch — never loaded to answer
 * with probabilities that do not sum to 1, a label `undefined`, or a 503 on every analysis.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelRegistry } from '../../src/inference/model-registry.service';
import { contractMismatch, SessionMetadata } from '../../src/inference/model-outputs';
import { FAKE_MODELS_DIR, startApp, tempDir, testConfig } from '../support/app';

type Card = Record<string, unknown> & { labels: string[]; input: { size: number }; outputs: { embedding_dim: number; cam_size: number } };

/** The fake models, with the brain_tumor card edited. */
function modelsWithEditedCard(edit: (card: Card) => void): string {
  const dir = tempDir('sentinel-contract-');
  for (const name of ['triage', 'brain_tumor']) fs.cpSync(path.join(FAKE_MODELS_DIR, name), path.join(dir, name), { recursive: true });
  const file = path.join(dir, 'brain_tumor', 'model_card.json');
  const card = JSON.parse(fs.readFileSync(file, 'utf8')) as Card;
  edit(card);
  fs.writeFileSync(file, JSON.stringify(card, null, 2));
  return dir;
}

const EDITS: [string, (c: Card) => void, string][] = [
  ['one label fewer than the graph', (c) => void ((c.labels = c.labels.slice(0, 3)), delete c.label_caveats), '"logits" is [N, 4] but the card says [N, 3]'],
  ['another input size', (c) => void (c.input.size = 256), '"input" is [N, 3, 224, 224] but the card says [N, 3, 256, 256]'],
  ['another embedding size', (c) => void (c.outputs.embedding_dim = 7), '"embedding" is [N, 1] but the card says [N, 7]'],
  ['another cam size', (c) => void (c.outputs.cam_size = 9), '"cam" is [N, 4, 7, 7] but the card says [N, 4, 9, 9]'],
];

describe.each([['0'], ['2']])('a card that does not match its ONNX graph (INFERENCE_WORKERS=%s)', (workers) => {
  it.each(EDITS)('%s: the models are not loaded and the reason names it', async (_what, edit, expected) => {
    const app = await startApp(testConfig({ MODELS_DIR: modelsWithEditedCard(edit), INFERENCE_WORKERS: workers }));
    try {
      const registry = app.get(ModelRegistry);
      expect(registry.isReady()).toBe(false);
      const { ok, detail } = await registry.check();
      expect(ok).toBe(false);
      expect(detail).toContain('brain_tumor');
      expect(detail).toContain(expected);
    } finally {
      await app.close();
    }
  });

  it('the unedited fake models load', async () => {
    const app = await startApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR, INFERENCE_WORKERS: workers }));
    try {
      expect(app.get(ModelRegistry).isReady()).toBe(true);
    } finally {
      await app.close();
    }
  });
});

describe('contractMismatch', () => {
  const session = (input: (number | string)[], logits: (number | string)[]): SessionMetadata => ({
    inputNames: ['input'],
    outputNames: ['logits', 'embedding', 'cam'],
    inputMetadata: [{ name: 'input', isTensor: true, shape: input }],
    outputMetadata: [
      { name: 'logits', isTensor: true, shape: logits },
      { name: 'embedding', isTensor: true, shape: ['N', 8] },
      { name: 'cam', isTensor: true, shape: ['N', 2, 5, 5] },
    ],
  });
  const want = { inputName: 'input', size: 160, classes: 2, embeddingDim: 8, camSize: 5 };

  it('accepts a graph that matches, symbolic dimensions included', () => {
    expect(contractMismatch(session(['N', 3, 160, 160], ['N', 2]), want)).toBeNull();
    expect(contractMismatch(session(['batch', 3, 'h', 'w'], ['batch', 'classes']), want)).toBeNull();
  });

  it('names every mismatch, and an input the card does not name', () => {
    expect(contractMismatch(session(['N', 1, 160, 160], ['N', 3]), want)).toBe(
      'model.onnx does not match its card: "input" is [N, 1, 160, 160] but the card says [N, 3, 160, 160] (input.size 160); "logits" is [N, 3] but the card says [N, 2] (2 labels)',
    );
    expect(contractMismatch({ ...session(['N', 3, 160, 160], ['N', 2]), inputNames: ['pixels'] }, want)).toBe('model.onnx has no input "input" (its inputs: pixels)');
    expect(contractMismatch({ ...session(['N', 3, 160, 160], ['N', 2]), outputNames: ['logits', 'cam'] }, want)).toBe('model.onnx has no "embedding" output');
  });
});
