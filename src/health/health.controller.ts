import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public, Unthrottled } from '../accounts/decorators';
import { ApiBodyTooLarge } from '../common/api-responses';
import { RETRY_AFTER_UNAVAILABLE_SECONDS } from '../common/app-exception.filter';
import { HealthService, ReadinessReport } from './health.service';
import { LivenessDto, ReadinessDto } from './health.responses';

@ApiTags('health')
@ApiBodyTooLarge()
@Controller()
// probes of load balancers and orchestrators: no login, no request limit
@Public()
@Unthrottled()
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** Liveness: the process answers. Never touches models or the database. */
  @Get('healthz')
  // security: [] — the document's global bearer requirement does not hold for the probes
  @ApiOperation({ summary: 'Liveness', security: [] })
  @ApiOkResponse({ type: LivenessDto, description: 'The process is alive.' })
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: models loaded and the database accepting a write, and no stop signal received. */
  @Get('readyz')
  @ApiOperation({ summary: 'Readiness', security: [] })
  @ApiOkResponse({ type: ReadinessDto, description: 'Ready to analyse.' })
  @ApiServiceUnavailableResponse({ type: ReadinessDto, description: 'A dependency is not ready (DATABASE_UNAVAILABLE, MODELS_UNAVAILABLE), or the process is stopping (shutdown: SHUTTING_DOWN).' })
  async readyz(@Res({ passthrough: true }) res: Response): Promise<{
    status: 'ready' | 'not_ready';
    checks: ReadinessReport['checks'];
  }> {
    const report = await this.health.readiness();
    res.status(report.ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    if (!report.ok) res.setHeader('Retry-After', String(RETRY_AFTER_UNAVAILABLE_SECONDS)); // as every other 503
    return { status: report.ok ? 'ready' : 'not_ready', checks: report.checks };
  }
}
