// A small HTTP client for the cluster tests: node:http with a chosen source address (any
// 127.x.y.z is this machine's loopback), so each simulated client has its own IP behind HAProxy.
import * as http from 'node:http';

const BOUNDARY = 'sentinelclusterboundary';

export function request(url, { method = 'GET', headers = {}, body, from, timeoutMs = 30_000 } = {}) {
  return new Promise((resolve) => {
    const req = http.request(url, { method, headers: body ? { ...headers, 'content-length': body.length } : headers, localAddress: from, agent: false, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try {
          json = JSON.parse(text);
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
      res.on('error', (err) => resolve({ status: 0, error: err.message, headers: {} }));
    });
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    // status 0 = no HTTP answer at all (reset, refused, timeout): the tests count these as unclean
    req.on('error', (err) => resolve({ status: 0, error: err.message, headers: {} }));
    req.end(body);
  });
}

export function multipart(png, name = 'x.png') {
  const head = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="${name}"\r\nContent-Type: image/png\r\n\r\n`;
  const tail = `\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="explain"\r\n\r\nfalse\r\n--${BOUNDARY}--\r\n`;
  return { body: Buffer.concat([Buffer.from(head), png, Buffer.from(tail)]), type: `multipart/form-data; boundary=${BOUNDARY}` };
}

export function json(obj) {
  return { body: Buffer.from(JSON.stringify(obj)), type: 'application/json' };
}

export const bearer = (token) => ({ authorization: `Bearer ${token}` });

export async function token(base, email, password, from) {
  const b = json({ email, password });
  const r = await request(`${base}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': b.type }, body: b.body, from });
  if (r.status !== 200 && r.status !== 201) throw new Error(`token for ${email}: ${r.status} ${r.text}`);
  return r.json.token;
}

export async function analyse(base, tok, png, from, headers = {}) {
  const m = multipart(png);
  return request(`${base}/api/v1/analyses`, { method: 'POST', headers: { ...bearer(tok), 'content-type': m.type, ...headers }, body: m.body, from });
}
