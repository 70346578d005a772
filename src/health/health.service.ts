import { Inject, Injectable, Logger } from '@nestjs/common';
import { READINESS_CHECKS, ReadinessCheck } from '../common/readiness';
import { ShutdownState } from './shutdown-state';

/** What /readyz shows anyone: per check ok, and a fixed code when not — never a message or a path. */
export interface ReadinessReport {
  ok: boolean;
  checks: Record<string, { ok: boolean; code?: string }>;
}

@Injectable()
export class HealthService {
  private readonly logger = new Logger(HealthService.name);

  constructor(
    @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[],
    private readonly shutdown: ShutdownState,
  ) {}

  async readiness(): Promise<ReadinessReport> {
    const results = await Promise.all(
      this.checks.map(async (c) => {
        let r: { ok: boolean; detail?: string };
        try {
          r = await c.check();
        } catch (err) {
          r = { ok: false, detail: err instanceof Error ? err.message : String(err) };
        }
        // details (error messages, file paths, model versions) go to the log, not to the caller
        if (!r.ok) this.logger.warn(`not ready: ${c.name}: ${r.detail ?? 'failed'}`);
        return [c.name, r.ok ? { ok: true } : { ok: false, code: `${c.name.toUpperCase()}_UNAVAILABLE` }] as const;
      }),
    );
    // stopping: not ready whatever the checks say, so a load balancer takes this replica out of rotation
    if (this.shutdown.isStopping) results.push(['shutdown', { ok: false, code: 'SHUTTING_DOWN' }]);
    return { ok: results.every(([, r]) => r.ok), checks: Object.fromEntries(results) };
  }
}
