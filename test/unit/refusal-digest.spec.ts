import type { AuditEvent } from '../../src/audit/audit-event';
import { RefusalDigest, SWEEP_EVERY_MS } from '../../src/rate-limit/refusal-digest';

/**
 * The rate_limited digest (src/rate-limit/refusal-digest.ts) on a clock the test moves: the first
 * refusal of a (limit, key) window written, the rest counted, the count written when the window
 * ends — swept, or on the key's next refusal — and the tracked keys capped without losing a count.
 */
describe('RefusalDigest', () => {
  const MINUTE = 60_000;
  let t: number;
  let lines: AuditEvent[];
  const digest = (cap?: number) => new RefusalDigest((e) => lines.push(e), cap, () => t);
  const refusal = (ip: string, n = 0): AuditEvent => ({ event: 'rate_limited', limit: 'ip', ip, userId: 'u1', username: 'a@example.test', method: 'GET', path: `/api/v1/history?n=${n}`, requestId: `r${n}` });
  beforeEach(() => {
    t = 1_000_000;
    lines = [];
  });

  it('200 refusals in one window: the first written as it came, then one count line when the window has ended', () => {
    const d = digest();
    for (let i = 0; i < 200; i++) {
      d.refused('ip:198.51.100.23', MINUTE, refusal('198.51.100.23', i));
      t += 100; // 20 s in all: one window
    }
    expect(lines).toEqual([refusal('198.51.100.23', 0)]);
    d.sweep();
    expect(lines).toHaveLength(1); // the window is still open
    t += MINUTE;
    d.sweep();
    expect(lines).toEqual([refusal('198.51.100.23', 0), { event: 'rate_limited', limit: 'ip', ip: '198.51.100.23', userId: 'u1', username: 'a@example.test', suppressed: 199 }]);
    expect(d.tracked).toBe(0);
  });

  it("the key's next refusal after its window carries the count on its own line; a window with none suppressed writes no count", () => {
    const d = digest();
    for (let i = 0; i < 5; i++) d.refused('ip:a', MINUTE, refusal('a', i));
    t += MINUTE;
    d.refused('ip:a', MINUTE, refusal('a', 5));
    expect(lines).toEqual([refusal('a', 0), { ...refusal('a', 5), suppressed: 4 }]);
    t += MINUTE + SWEEP_EVERY_MS;
    d.refused('ip:b', MINUTE, refusal('b', 6)); // sweeps: a's window ended with nothing suppressed
    expect(lines.slice(2)).toEqual([refusal('b', 6)]);
    expect(d.tracked).toBe(1);
  });

  it('keys and limits are counted apart', () => {
    const d = digest();
    for (let i = 0; i < 3; i++) {
      d.refused('ip:a', MINUTE, refusal('a', i));
      d.refused('analyses:u1', MINUTE, { ...refusal('a', i), limit: 'analyses' });
    }
    d.flush();
    expect(lines.map((l) => [l.limit, l.suppressed])).toEqual([['ip', undefined], ['analyses', undefined], ['ip', 2], ['analyses', 2]]);
  });

  it('at most `cap` keys tracked: a new key past it ends the oldest window early, its count written, none lost', () => {
    const d = digest(3);
    for (const ip of ['a', 'b', 'c']) for (let i = 0; i < 4; i++) d.refused(`ip:${ip}`, MINUTE, refusal(ip, i));
    expect(lines).toHaveLength(3);
    d.refused('ip:d', MINUTE, refusal('d'));
    expect(d.tracked).toBe(3);
    expect(lines.slice(3)).toEqual([expect.objectContaining({ ip: 'a', suppressed: 3 }), refusal('d')]);
    for (let k = 0; k < 1000; k++) d.refused(`ip:flood-${k}`, MINUTE, refusal(`flood-${k}`));
    expect(d.tracked).toBe(3);
    d.flush();
    const counted = lines.reduce((n, l) => n + (l.suppressed ?? 0), 0);
    expect(counted).toBe(9); // a, b and c: 3 each
  });
});
