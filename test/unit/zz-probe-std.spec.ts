import { loadStudy } from '../../src/studies/study-loader';
import { LIMITS, slices } from '../../test/support/study-loader-cases';
import { dicomSeries, dicomSlice, nifti1, zip } from '../../test/support/study-fixtures';

const show = async (name: string, files: Uint8Array[]) => {
  try {
    const s = await loadStudy(files, LIMITS);
    const m = s.meta as unknown as Record<string, unknown>;
    console.log(name, '→ OK', JSON.stringify({ kind: s.kind, n: s.kind === 'slices' ? s.slices.length : null, ...Object.fromEntries(Object.entries(m).filter(([k]) => !['identifiers'].includes(k))) }).slice(0, 900));
  } catch (e) {
    console.log(name, '→', (e as { code?: string }).code, (e as Error).message.slice(0, 400));
  }
};
const u = (b: Buffer) => new Uint8Array(b);
import { writeNifti1 } from '../support/nifti-fixtures';
test('probe2', async () => {
  const src = slices(6);
  const v = (i: number, j: number, k: number) => (i * 3 + j + k * 10) % 200;
  await show('nifti slope NaN', [u(nifti1([64, 64, 4], v, { slope: NaN, inter: 5 }))]);
  await show('nifti slope Inf', [u(nifti1([64, 64, 4], v, { slope: Infinity }))]);
  await show('nifti slope 0 inter 100', [u(nifti1([64, 64, 4], v, { slope: 0, inter: 100 }))]);
  await show('nifti inter NaN slope 2', [u(nifti1([64, 64, 4], v, { slope: 2, inter: NaN }))]);
  await show('nifti 4D', [u(writeNifti1([64, 64, 4], (i, j, k, t) => v(i, j, k) + t, { volumes: 3 }))]);
  await show('nifti NaN voxels', [u(writeNifti1([64, 64, 4], (i, j, k) => (i < 10 ? NaN : i === 20 ? Infinity : v(i, j, k)), { datatype: 'float32' }))]);
  await show('nifti all NaN', [u(writeNifti1([64, 64, 4], () => NaN, { datatype: 'float32' }))]);
  const sizes = [dicomSlice(src[0], { z: 0, instanceNumber: 1 }), dicomSlice(slices(1).map(() => ({ width: 64, height: 64, data: new Uint8Array(64 * 64).fill(9) }))[0], { z: 5, instanceNumber: 2 }), dicomSlice(src[2], { z: 10, instanceNumber: 3 })];
  await show('mixed sizes', sizes.map(u));
  const names = zip({ '../evil/IM0': u(dicomSlice(src[0], { z: 0 })), '/abs/IM1': u(dicomSlice(src[1], { z: 5 })), 'a\\b\\IM2': u(dicomSlice(src[2], { z: 10 })), '../readme.txt': new Uint8Array(10), 'C:\\x\\notes.txt': new Uint8Array(5) });
  await show('zip odd names', [u(names)]);
});
test('probe', async () => {
  const src = slices(6);
  const a = dicomSeries(src.slice(0, 3));
  const b = dicomSeries(src.slice(3), { seriesUid: '1.2.3.999', seriesNumber: 7 });
  await show('two series in a ZIP', [u(zip(Object.fromEntries([...a, ...b].map((f, i) => [`IM${i}`, u(f)]))))]);
  await show('two series loose', [...a, ...b].map(u));
  const dupSop = dicomSeries(src.slice(0, 3), { sopInstanceUid: '1.2.3.4' });
  await show('dup SOP UID, diff positions', dupSop.map(u));
  const same = [dicomSlice(src[0], { z: 0, instanceNumber: 1 }), dicomSlice(src[0], { z: 0, instanceNumber: 1 })];
  await show('two copies (diff SOP) same pos/inst', same.map(u));
  const dupInst = [dicomSlice(src[0], { z: 0, instanceNumber: 1 }), dicomSlice(src[1], { z: 5, instanceNumber: 1 }), dicomSlice(src[2], { z: 10, instanceNumber: 1 })];
  await show('dup instance numbers diff pos', dupInst.map(u));
  const samePosDiff = [dicomSlice(src[0], { z: 0, instanceNumber: 1 }), dicomSlice(src[1], { z: 0, instanceNumber: 2 }), dicomSlice(src[2], { z: 5, instanceNumber: 3 })];
  await show('same pos different pixels', samePosDiff.map(u));
  const gap = [0, 5, 10, 25, 30].map((z, i) => dicomSlice(src[i % 6], { z, instanceNumber: i + 1 }));
  await show('gap', gap.map(u));
  const mixedOrient = [dicomSlice(src[0], { z: 0, instanceNumber: 1 }), dicomSlice(src[1], { z: 5, instanceNumber: 2, orientation: [0, 1, 0, 0, 0, -1] }), dicomSlice(src[2], { z: 10, instanceNumber: 3 })];
  await show('mixed orientation', mixedOrient.map(u));
  const noPos = [0, 1, 2].map((i) => dicomSlice(src[i], { geometry: false, instanceNumber: 3 - i }));
  await show('no geometry', noPos.map(u));
  const noPosDupInst = [0, 1, 2].map((i) => dicomSlice(src[i], { geometry: false, instanceNumber: 1 }));
  await show('no geometry dup inst', noPosDupInst.map(u));
});
