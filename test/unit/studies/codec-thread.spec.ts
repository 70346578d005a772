import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { CodecDeadlineError, CodecStreamError, CodecThread } from '../../../src/studies/codec-thread';
import { encodeJpegLs } from '../../support/wasm-encoders';
import { TS_REGISTER } from '../../../src/common/source-exec-argv';

/**
 * The codec thread on its own (without the header checks in front of it): a stream on which CharLS
 * spins is cut off at its frame's deadline with a named error, its worker ended, and the next frame
 * decodes in a fresh one. The deadline is shortened here for the cut stream only (the service's is
 * 2 s + 4 µs a pixel); that stream held CharLS ~16 s, so its outcome does not depend on the machine's
 * speed. Every other frame gets a deadline no loaded machine reaches (with no start-up allowance, a
 * fresh worker's start counts against its frame's deadline: it took over 0.4 s in a CI run).
 */
const W = 64;
const H = 48;
const px = Array.from({ length: W * H }, (_, i) => (i * 37 + (i >> 6) * 11) & 0xfff);
/** The declared pixel count the cut stream is sent with: it selects the short deadline. */
const CUT = 1;

describe('CodecThread', () => {
  const thread = new CodecThread((pixels) => (pixels === CUT ? 400 : 600_000), 0);
  afterAll(() => thread.end());

  it('a JPEG-LS stream cut after 50 bytes: CodecDeadlineError at the deadline, then the next frame decodes', async () => {
    const good = await encodeJpegLs(px, { width: W, height: H, bits: 12 });
    const err = await thread.decode('jpeg-ls', good.subarray(0, 50), CUT).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodecDeadlineError);
    expect(err).toBeInstanceOf(CodecStreamError); // a 422 for the frame, like any stream the codec refuses
    expect((err as Error).message).toMatch(/did not finish within 0\.4 s/);
    const frame = await thread.decode('jpeg-ls', good, W * H);
    expect(Array.from(new Uint16Array(frame.data.buffer, frame.data.byteOffset, W * H))).toEqual(px);
  });

  it('frames queue behind one another and each gets its own answer', async () => {
    const good = await encodeJpegLs(px, { width: W, height: H, bits: 12 });
    const garbage = Uint8Array.from(good, (v, i) => (i > 40 && i < good.length - 2 ? (i * 7919) & 0x7f : v));
    const outcomes = await Promise.all([good, garbage, good].map((b) => thread.decode('jpeg-ls', b, W * H).then((f) => f.width, (e: unknown) => (e instanceof CodecStreamError ? 'refused' : e))));
    expect(outcomes).toEqual([W, 'refused', W]);
  });

  it('a process with nothing else to do waits for a pending decode, and its idle worker does not hold it', async () => {
    // a command-line run (npm run evaluate) must neither exit before a frame's answer nor wait out the idle timer
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'codec-alone-'));
    const file = path.join(dir, 'frame.jls');
    fs.writeFileSync(file, await encodeJpegLs(px, { width: W, height: H, bits: 12 }));
    try {
      const script = path.join(__dirname, '../../support/codec-alone.ts');
      const run = await promisify(execFile)(process.execPath, ['-r', TS_REGISTER, script, file, String(W * H)], { cwd: path.join(__dirname, '../../..') });
      expect(run.stdout.trim().split('\n')).toEqual([`decoded ${W}x${H}`, 'worker at exit: idle']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

