/**
 * Run as its own process (codec-thread.spec.ts): decodes the JPEG-LS stream in the file named by
 * argv[2] through a fresh codec thread with nothing else keeping the event loop alive, prints the
 * frame's size, and at exit whether the (idle) worker was still there: a worker that held the
 * process would have been ended by its idle timer first.
 */
import * as fs from 'node:fs';
import { CodecThread } from '../../src/studies/codec-thread';

const [file, pixels] = [process.argv[2], Number(process.argv[3])];
const thread = new CodecThread();
process.on('exit', () => process.stdout.write(`worker at exit: ${thread.started ? 'idle' : 'ended'}\n`));
thread.decode('jpeg-ls', new Uint8Array(fs.readFileSync(file)), pixels).then(
  (frame) => process.stdout.write(`decoded ${frame.width}x${frame.height}\n`),
  (e: unknown) => {
    process.stdout.write(`failed ${String(e)}\n`);
    process.exitCode = 1;
  },
);
