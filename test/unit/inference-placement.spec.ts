import { placeModels } from '../../src/inference/placement';
import { missingOutputs } from '../../src/inference/model-outputs';

const triage = { name: 'triage', triage: true };
const brain = { name: 'brain_tumor', triage: false };
const knee = { name: 'knee', triage: false };

describe('placeModels (which worker opens which model)', () => {
  it('one worker opens every model', () => {
    expect(placeModels([brain, triage], 1)).toEqual([['brain_tumor', 'triage']]);
  });

  it('two workers: triage alone in one, the diagnosis model in the other — each model opened once', () => {
    expect(placeModels([brain, triage], 2)).toEqual([['triage'], ['brain_tumor']]);
  });

  it('diagnosis models share the workers after the first; workers beyond one per model open everything', () => {
    expect(placeModels([brain, knee, triage], 2)).toEqual([['triage'], ['brain_tumor', 'knee']]);
    expect(placeModels([brain, knee, triage], 3)).toEqual([['triage'], ['brain_tumor'], ['knee']]);
    expect(placeModels([brain, triage], 4)).toEqual([['triage'], ['brain_tumor'], ['brain_tumor', 'triage'], ['brain_tumor', 'triage']]);
  });

  it('every model is placed in at least one worker, for any count', () => {
    for (let count = 1; count <= 6; count++) {
      const placed = placeModels([brain, knee, triage], count);
      expect(placed).toHaveLength(count);
      expect(new Set(placed.flat())).toEqual(new Set(['brain_tumor', 'knee', 'triage']));
    }
  });

  it('with only a triage model every worker opens it', () => {
    expect(placeModels([triage], 2)).toEqual([['triage'], ['triage']]);
  });
});

describe('missingOutputs', () => {
  it('names the first contract output a model lacks', () => {
    expect(missingOutputs(['logits', 'embedding', 'cam'])).toBeNull();
    expect(missingOutputs(['logits', 'cam'])).toBe('model.onnx has no "embedding" output');
  });
});
