import { codecThread } from '../../src/studies/codec-thread';
import { buildDeepCase, deepSeeds, runDeepCase } from '../../scripts/fuzz/deep-cases';
import type { Seed } from '../../scripts/fuzz/seeds';
import { CODEC_SEED_NAMES } from '../../scripts/fuzz/codec-seeds';

/**
 * A small, fixed slice of scripts/fuzz/deep-fuzz.ts: valid PNG/JPEG images and DICOM (every
 * transfer syntax read, multi-frame, palettes), NIfTI (.nii, .nii.gz, pairs) and ZIP studies built
 * in code, damaged by one or two seeded structure-aware mutations (chunk, segment, codestream,
 * encapsulation, gzip, header lies) without the costly ones (bombs, 10⁵ items), and handed to the
 * image route's checks and decoder and the study route's loadStudy. Every case must end accepted
 * or refused by a named 4xx domain error: an error without one is a 500 in the service. Same seed,
 * same bytes: a failure names its case number, and
 * `scripts/fuzz/deep-fuzz.ts --seed 20261207 --light 1 --only N` replays it (its files under artifacts/).
 */
const SEED = 20261207;
const CASES = 300;

afterAll(() => codecThread.end());

describe('seeded upload fuzz: every damaged image or study ends in a named outcome', () => {
  let seeds: Seed[];
  beforeAll(async () => {
    seeds = await deepSeeds();
  });

  it('the seeds of the syntaxes added on 2026-12-07 (16-bit JPEG Baseline, 12-bit and colour JPEG Extended, multi-frame JPEG 2000, HTJ2K, JPEG-LS) load undamaged', async () => {
    for (const name of CODEC_SEED_NAMES) {
      const s = seeds.find((x) => x.name === name)!;
      await expect(runDeepCase({ route: 'study', seed: name, how: 'none', files: s.files.map((f) => f.data) })).resolves.toEqual({ kind: 'ok', detail: 'slices' });
    }
  });

  it(`${CASES} cases: accepted or a named 4xx, never an unnamed error`, async () => {
    const unnamed: string[] = [];
    const outcomes = new Map<string, number>();
    const routes = new Set<string>();
    for (let i = 0; i < CASES; i++) {
      const c = buildDeepCase(seeds, SEED, i, { light: true });
      const o = await runDeepCase(c);
      routes.add(c.route);
      outcomes.set(o.kind === 'named' ? o.detail : o.kind, (outcomes.get(o.kind === 'named' ? o.detail : o.kind) ?? 0) + 1);
      if (o.kind === 'unnamed') unnamed.push(`case ${i} (${c.seed} ${c.how}): ${o.detail}`);
    }
    expect(unnamed).toEqual([]);
    // not vacuous: both routes reached, damage refused by name and some of it read through
    expect([...routes].sort()).toEqual(['image', 'study']);
    expect(outcomes.get('422 CORRUPT_IMAGE')).toBeGreaterThan(CASES / 10);
    expect(outcomes.get('ok')).toBeGreaterThan(CASES / 10);
  });
});
