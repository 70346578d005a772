import { INestApplicationContext } from '@nestjs/common';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AnalysisService } from '../../src/classifier/analysis.service';
import { createAnalysisContext } from '../../src/cli/analysis-context';
import { REPO_ROOT, SHARED_DIR, testConfig } from '../support/app';

/**
 * A CT of the head read as a brain MRI was the hidden set's worst failure (issue 14: 95 % of 200
 * head CTs completed as brain MRI, "no tumour" or "meningioma"). Every head-CT image of the
 * manifest that neither the model nor its head-CT gate was fitted on (validation and test splits:
 * the three head-CT collections and the Kaggle brain set's CT slices that ml/curation lists) goes
 * through the served pipeline and must be refused as not an MRI; 30 test-split brain MRIs must
 * still be recognised, so the check cannot pass by refusing brains. (How the gate does on
 * collections it never saw is LOSO's question: ml/README.md.)
 */
function splitRows(): Record<string, string>[] {
  const [header, ...lines] = fs.readFileSync(path.join(REPO_ROOT, 'ml/splits/triage.csv'), 'utf8').trim().split(/\r?\n/);
  const col = header.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [col[i], v])) as Record<string, string>);
}

function curatedCt(): Set<string> {
  const [, ...lines] = fs.readFileSync(path.join(REPO_ROOT, 'ml/curation/not_mri.csv'), 'utf8').trim().split(/\r?\n/);
  return new Set(lines.map((l) => l.split(',')[0]));
}

describe('head CT with the real models', () => {
  let ctx: INestApplicationContext;
  let service: AnalysisService;
  const rows = splitRows().filter((r) => r.split !== 'train');
  const curated = curatedCt();
  const headCt = rows.filter((r) => r.source.startsWith('ct_head') || curated.has(r.path)).map((r) => r.path);
  const brains = rows.filter((r) => r.split === 'test' && r.label === 'brain');
  const brainSample = Array.from({ length: 30 }, (_, i) => brains[Math.floor((i * brains.length) / 30)].path);

  beforeAll(async () => {
    ({ ctx, service } = await createAnalysisContext(testConfig()));
  });
  afterAll(async () => {
    await ctx?.close();
  });

  it('refuses every held-back head CT as not an MRI, and recognises brain MRIs', async () => {
    expect(headCt.length).toBeGreaterThan(50);
    const passed: string[] = [];
    let byGate = 0;
    for (const p of headCt) {
      const r = await service.analyze(fs.readFileSync(path.join(SHARED_DIR, 'data', p)), { explain: false });
      if (r.status !== 'rejected' || r.code !== 'NOT_MRI') passed.push(`${p}: ${r.status} ${r.code ?? ''} ${r.anatomy ?? ''} ${r.label ?? ''}`);
      if (/CT scan of the head/.test(r.message)) byGate++;
    }
    expect(passed).toEqual([]);
    expect(byGate).toBeGreaterThan(0); // the gate itself is exercised, with its own reason
    let recognised = 0;
    for (const p of brainSample) {
      const r = await service.analyze(fs.readFileSync(path.join(SHARED_DIR, 'data', p)), { explain: false });
      if (r.anatomy === 'brain') recognised++;
    }
    expect(recognised).toBeGreaterThanOrEqual(29);
  });
});
