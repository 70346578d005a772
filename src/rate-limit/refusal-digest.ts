import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { AuditLog } from '../audit/audit-log.service';
import type { AuditEvent } from '../audit/audit-event';

/**
 * Keys tracked at once: ~200 bytes each, so ~2 MB at most whatever a flood of addresses does. A
 * new key past the cap ends the oldest window early (its count written then), never drops one.
 */
export const MAX_TRACKED_KEYS = 10_000;
/** How often windows that ended are looked for while any is open (their counts written then). */
export const SWEEP_EVERY_MS = 5_000;

/** What a count line keeps of its window's first line: who and from where (no one request's path or id). */
type Who = Pick<AuditEvent, 'event' | 'limit' | 'userId' | 'username' | 'ip'>;

interface Window {
  endsAt: number;
  suppressed: number;
  who: Who;
}

/**
 * One `rate_limited` line per (limit, key) per window instead of one per refused request: a client
 * flooding a limit wrote a line for each 429 (unbounded log volume, the attack's own amplifier).
 * The first refusal is written as before; the rest are counted, and the count is written — the
 * window's first line's who and where with `suppressed: N` — when the window ends (swept, or at
 * the key's next refusal, which then carries it on its own line), when the key is evicted by the
 * cap, or at shutdown. Pure of Nest and of the clock, for the unit test; RefusalDigestService runs it.
 */
export class RefusalDigest {
  private readonly windows = new Map<string, Window>();
  private lastSweep = 0;

  constructor(
    private readonly write: (e: AuditEvent) => void,
    private readonly maxKeys = MAX_TRACKED_KEYS,
    private readonly now: () => number = Date.now,
  ) {}

  get tracked(): number {
    return this.windows.size;
  }

  /** A refusal for `key` (the limit's storage key: its name and tracker) whose window is `windowMs`. */
  refused(key: string, windowMs: number, line: AuditEvent): void {
    const t = this.now();
    const open = this.windows.get(key);
    if (open && t < open.endsAt) {
      open.suppressed++;
      return;
    }
    if (open) this.windows.delete(key);
    if (t - this.lastSweep >= SWEEP_EVERY_MS) this.sweep();
    if (this.windows.size >= this.maxKeys) this.end(this.windows.keys().next().value as string);
    this.write(open?.suppressed ? { ...line, suppressed: open.suppressed } : line);
    this.windows.set(key, { endsAt: t + windowMs, suppressed: 0, who: { event: line.event, limit: line.limit, userId: line.userId, username: line.username, ip: line.ip } });
  }

  /** Windows that have ended: their counts written, their keys forgotten. */
  sweep(): void {
    const t = this.now();
    this.lastSweep = t;
    for (const [key, w] of this.windows) if (t >= w.endsAt) this.end(key);
  }

  /** Every window ended now (shutdown): no count is lost. */
  flush(): void {
    for (const key of [...this.windows.keys()]) this.end(key);
  }

  private end(key: string): void {
    const w = this.windows.get(key);
    this.windows.delete(key);
    if (w?.suppressed) this.write({ ...w.who, suppressed: w.suppressed });
  }
}

/**
 * The digest of the RateLimitGuard's `rate_limited` lines, with the timer that writes a window's
 * count when it ends although no refusal follows: started with the first open window, stopped
 * when none is open and at shutdown (unref'd: it never holds the process).
 */
@Injectable()
export class RefusalDigestService implements OnModuleDestroy {
  private readonly digest: RefusalDigest;
  private timer: NodeJS.Timeout | undefined;

  constructor(audit: AuditLog) {
    this.digest = new RefusalDigest((e) => audit.write(e));
  }

  refused(key: string, windowMs: number, line: AuditEvent): void {
    this.digest.refused(key, windowMs, line);
    if (!this.timer) {
      this.timer = setInterval(() => {
        this.digest.sweep();
        if (!this.digest.tracked) this.stop();
      }, SWEEP_EVERY_MS);
      this.timer.unref();
    }
  }

  onModuleDestroy(): void {
    this.stop();
    this.digest.flush();
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
