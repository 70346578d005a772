import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AnalysisService } from '../classifier/analysis.service';
import { DomainError, FileCheckError } from '../common/errors';
import { ConfigModule } from '../config/config.module';
import { AppConfig } from '../config/config.service';
import { InferenceModule } from '../inference/inference.module';
import { ModelRegistry } from '../inference/model-registry.service';
import { StartupError } from '../startup-error';
import type { EvalLine } from './evaluate-lib';

/**
 * The analysis pipeline without HTTP or a database (no recorder): what `npm run evaluate`
 * and the Python-agreement test run. Same AnalysisService, same model registry.
 */
export async function createAnalysisContext(config: AppConfig): Promise<{ ctx: INestApplicationContext; service: AnalysisService }> {
  @Module({ imports: [ConfigModule.forRoot(config), InferenceModule], providers: [AnalysisService] })
  class AnalysisOnlyModule {}
  const ctx = await NestFactory.createApplicationContext(AnalysisOnlyModule, { logger: ['error', 'warn'] });
  await requireModels(ctx, config);
  return { ctx, service: ctx.get(AnalysisService) };
}

/**
 * Models that did not load stop the CLI with the reason (a StartupError; the context is closed),
 * rather than one "error" line per image and exit code 0.
 */
export async function requireModels(ctx: INestApplicationContext, config: AppConfig): Promise<void> {
  const r = await ctx.get(ModelRegistry).check();
  if (r.ok) return;
  await ctx.close();
  throw new StartupError(`The models in ${config.modelsDir} did not load: ${r.detail ?? 'unknown reason'}`);
}

/** One manifest row through the pipeline: the result without the heat map, or the file/service error. */
export async function evaluateOne(service: AnalysisService, root: string, rel: string): Promise<EvalLine> {
  try {
    const bytes = fs.readFileSync(path.join(root, rel));
    const { explanation: _drop, preview: _image, status, stage, code, message, ...rest } = await service.analyze(bytes, { explain: false });
    return { path: rel, status, stage, code, message, ...rest };
  } catch (err) {
    if (err instanceof FileCheckError) return { path: rel, status: 'rejected', stage: 'file', code: err.code, message: err.message };
    const code = err instanceof DomainError ? err.code : 'INTERNAL_ERROR';
    return { path: rel, status: 'error', code, message: err instanceof Error ? err.message : String(err) };
  }
}
