import * as zlib from 'node:zlib';
import { AnalysisService } from '../../../src/classifier/analysis.service';
import { parseEnv } from '../../../src/config/config.schema';
import { AppConfig } from '../../../src/config/config.service';
import { ImageDecodeService } from '../../../src/inference/image-decode.service';
import type { ModelProvider } from '../../../src/inference/model-provider';
import { PixelBudget } from '../../../src/inference/pixel-budget';
import { StudyService } from '../../../src/studies/study.service';
import { logitsFor, makeCard, TRIAGE_LABELS } from '../../support/cards';
import { writeNifti1 } from '../../support/nifti-fixtures';

/**
 * The answer on a 4-D NIfTI (fMRI, DWI) says which volume it is about: only the first is read, and
 * the answer otherwise read as if the whole run had been looked at. The one pipeline and the study
 * service run for real; only the models are faked (every slice a tumour-free brain).
 */
const LABELS = ['glioma', 'meningioma', 'notumor', 'pituitary'];

function service(): StudyService {
  const config = new AppConfig(parseEnv({ INFERENCE_POOL_SIZE: '2' }));
  const triage = makeCard({ name: 'triage', kind: 'triage', labels: TRIAGE_LABELS });
  const brain = makeCard({ name: 'brain_tumor', kind: 'diagnosis', body_part: 'brain', labels: LABELS });
  const geometry = { size: 224, nw: 224, nh: 224, x0: 0, y0: 0 };
  const models: ModelProvider = {
    isReady: () => true,
    triageCard: () => triage,
    diagnosisCardFor: (part) => (part === 'brain' ? brain : undefined),
    cards: () => [triage, brain],
    versions: () => ({ triage: triage.version, brain_tumor: brain.version }),
    runImage: async (model) => {
      const p = model === 'triage' ? [0.96, 0.01, 0.01, 0.01, 0.01] : [0.02, 0.02, 0.95, 0.01];
      return { logits: Float32Array.from(logitsFor(p)), embedding: new Float32Array(2), cam: new Float32Array(p.length * 49), camH: 7, camW: 7, geometry, preprocessMs: 0, borderMean: null };
    },
    heatmap: async () => ({ width: 8, height: 8, data: new Uint8Array(8 * 8 * 3) }),
  };
  return new StudyService(config, new AnalysisService(config, models, {} as ImageDecodeService), models, { budget: new PixelBudget(config.pixelBudget, config.pixelQueueLimit) });
}

const voxel = (i: number, j: number, k: number, t: number) => 200 + ((i * 3 + j * 5 + k * 11 + t) % 251);

describe('the answer on a 4-D NIfTI names the volume analysed', () => {
  it('a 300-volume .nii.gz: "Volume 1 of 300 analysed; the file\'s other 299 volumes were not looked at."', async () => {
    const r = await service().analyze([new Uint8Array(zlib.gzipSync(writeNifti1([64, 64, 6], voxel, { volumes: 300 })))]);
    expect(r).toMatchObject({ status: 'completed', study: { format: 'nifti', volumes: 300, sliceCount: 6 } });
    expect(r.message).toMatch(/ Volume 1 of 300 analysed; the file's other 299 volumes were not looked at\.$/);
  });

  it('two volumes: "the other volume was"; one volume: no note', async () => {
    const two = await service().analyze([new Uint8Array(writeNifti1([64, 64, 6], voxel, { volumes: 2 }))]);
    expect(two.message).toMatch(/ Volume 1 of 2 analysed; the file's other volume was not looked at\.$/);
    const one = await service().analyze([new Uint8Array(writeNifti1([64, 64, 6], (i, j, k) => voxel(i, j, k, 0)))]);
    expect(one.message).not.toMatch(/Volume/);
  });
});
