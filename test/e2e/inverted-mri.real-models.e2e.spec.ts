import { INestApplicationContext } from '@nestjs/common';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { AnalysisService } from '../../src/classifier/analysis.service';
import { createAnalysisContext } from '../../src/cli/analysis-context';
import { REPO_ROOT, SHARED_DIR, testConfig } from '../support/app';

/**
 * A negative (inverted) MRI — white background, black air — is not something a scanner makes,
 * and a diagnosis on it would be meaningless: the committed triage model must refuse it. This
 * runs 30 held-out test-split MRIs (10 brain, 10 knee, 10 spine, spread over the split) through
 * the served pipeline twice: as they are (which must be recognised, so the check cannot pass by
 * refusing everything) and inverted by sharp (which must be rejected, never analysed).
 */
const PER_PART = 10;
const PARTS = ['brain', 'knee', 'spine'] as const;

function heldOutMris(): { path: string; part: string }[] {
  const [header, ...lines] = fs.readFileSync(path.join(REPO_ROOT, 'ml/splits/triage.csv'), 'utf8').trim().split(/\r?\n/);
  const col = header.split(',');
  const rows = lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [col[i], v])) as Record<string, string>);
  return PARTS.flatMap((part) => {
    const test = rows.filter((r) => r.split === 'test' && r.label === part);
    return Array.from({ length: PER_PART }, (_, i) => ({ path: test[Math.floor((i * test.length) / PER_PART)].path, part }));
  });
}

describe('inverted MRIs with the real models', () => {
  let ctx: INestApplicationContext;
  let service: AnalysisService;
  const images = heldOutMris();

  beforeAll(async () => {
    ({ ctx, service } = await createAnalysisContext(testConfig()));
  });
  afterAll(async () => {
    await ctx?.close();
  });

  it('recognises the originals and rejects every inverted copy', async () => {
    let recognised = 0;
    const analysedInverted: string[] = [];
    for (const img of images) {
      const bytes = fs.readFileSync(path.join(SHARED_DIR, 'data', img.path));
      const original = await service.analyze(bytes, { explain: false });
      if (original.anatomy === img.part) recognised++;
      const negative = await sharp(bytes).negate({ alpha: false }).jpeg({ quality: 92 }).toBuffer();
      const inverted = await service.analyze(negative, { explain: false });
      if (inverted.status !== 'rejected') analysedInverted.push(`${img.path}: ${inverted.status} ${inverted.anatomy ?? ''} ${inverted.label ?? ''}`);
    }
    expect(recognised).toBeGreaterThanOrEqual(images.length - 1);
    expect(analysedInverted).toEqual([]);
  });
});
