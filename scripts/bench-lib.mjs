/**
 * Helpers of scripts/bench.mjs: the server process's memory and CPU from /proc, and the load
 * generator's HTTP client.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export function readProcKb(pid, key) {
  try {
    const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** utime + stime of a /proc stat file, in clock ticks (100/s), or null when it is gone. */
export function statTicks(file) {
  try {
    const f = fs.readFileSync(file, 'utf8');
    const parts = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return Number(parts[11]) + Number(parts[12]);
  } catch {
    return null;
  }
}

export function cpuTicks(pid) {
  return statTicks(`/proc/${pid}/stat`);
}

/**
 * CPU ticks by thread group: the main thread (event loop: HTTP, multipart, JSON, Prisma, inline
 * pixel work), libvips's workers (sharp decode/encode) and the rest (inference/prepare worker
 * threads, libuv pool, V8 GC/compiler). Node leaves its threads unnamed, so "rest" is the total
 * minus the two named groups (which also keeps threads that ended during the level in it).
 */
export function cpuTicksByThread(pid) {
  const total = cpuTicks(pid);
  if (total == null) return null;
  const main = statTicks(`/proc/${pid}/task/${pid}/stat`) ?? 0;
  let vips = 0;
  try {
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      let comm = '';
      try {
        comm = fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      } catch {
        continue;
      }
      if (comm.startsWith('libvips')) vips += statTicks(`/proc/${pid}/task/${tid}/stat`) ?? 0;
    }
  } catch {
    /* process gone */
  }
  return { total, main, vips };
}

// The load generator shares the server's cores, so each request is made cheaply: one keep-alive
// agent, and each image's multipart body built once (fetch + FormData cost ~2 ms of CPU per
// request here, taken from the server). The bytes on the wire are an ordinary form upload.
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
const BOUNDARY = `----sentinel-bench-${randomBytes(8).toString('hex')}`;

export function multipartBody(img, explain) {
  const key = explain ? 'bodyExplain' : 'bodyNoExplain';
  if (!img[key]) {
    const head = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="${path.basename(img.file)}"\r\nContent-Type: ${img.type}\r\n\r\n`;
    const flag = explain ? '' : `\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="explain"\r\n\r\nfalse`;
    img[key] = Buffer.concat([Buffer.from(head), img.bytes, Buffer.from(`${flag}\r\n--${BOUNDARY}--\r\n`)]);
  }
  return img[key];
}

export function postMultipart(url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'content-length': body.length } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** x rounded to d decimals; null stays null (missing figures in the reports). */
export const round = (x, d = 1) => (x == null ? null : Math.round(x * 10 ** d) / 10 ** d);
