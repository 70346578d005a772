import { ApiProperty } from '@nestjs/swagger';

export class LivenessDto {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
}

/** /readyz: one entry per readiness check (database, models; shutdown once stopping); codes only, never messages or paths. */
export class ReadinessDto {
  @ApiProperty({ enum: ['ready', 'not_ready'] }) status!: 'ready' | 'not_ready';
  @ApiProperty({
    type: 'object',
    additionalProperties: {
      type: 'object',
      required: ['ok'],
      properties: { ok: { type: 'boolean' }, code: { type: 'string', description: 'only when not ok: DATABASE_UNAVAILABLE, MODELS_UNAVAILABLE, SHUTTING_DOWN' } },
    },
    example: { database: { ok: true }, models: { ok: false, code: 'MODELS_UNAVAILABLE' } },
  })
  checks!: Record<string, { ok: boolean; code?: string }>;
}
