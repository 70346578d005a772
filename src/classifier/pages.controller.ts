import { randomUUID } from 'node:crypto';
import { Controller, Get, Inject, Param, Render, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { humanBytes } from '../presentation/labels';
import { AppConfig } from '../config/config.service';
import { confidenceThreshold } from '../inference/model-card';
import { MODEL_PROVIDER, ModelProvider } from '../inference/model-provider';
import { modelTitle } from '../presentation/model-card.view';
import { indexScope } from './page-view-models';
import { SamplesService } from './samples.service';
import { SampleFileParamDto } from '../common/zod-dto';

/** Server-rendered pages; the page talks to POST /api/v1/analyses from public/js/app.js. */
@ApiExcludeController()
@Controller()
export class PagesController {
  constructor(
    private readonly config: AppConfig,
    private readonly samples: SamplesService,
    @Inject(MODEL_PROVIDER) private readonly models: ModelProvider,
  ) {}

  @Get()
  @Render('index')
  index(): Record<string, unknown> {
    const cards = this.models.isReady() ? this.models.cards() : [];
    const samples = this.samples.list();
    return {
      title: 'Analyse an MRI image',
      // the form's one-time field (analyse-form.controller.ts formKey): a re-post of this page's form is not analysed twice
      submission: randomUUID(),
      maxBytes: this.config.maxUploadBytes,
      maxBytesLabel: humanBytes(this.config.maxUploadBytes),
      minSide: this.config.minImageSide,
      scope: indexScope(cards),
      // per model: the threshold its answers are decided at (CONFIDENCE_THRESHOLD or the card's) and card page, for the result's one-sentence explanation
      modelsJson: JSON.stringify(Object.fromEntries(cards.map((c) => [c.name, { threshold: confidenceThreshold(c, this.config.confidenceThresholdOverride), title: modelTitle(c), href: `/models/${c.name}` }]))),
      samples: samples.map((s, i) => ({ ...s, index: i + 1, total: samples.length, name: `${s.caption}, sample ${i + 1} of ${samples.length}`, first: i === 0 })),
      scripts: ['/static/js/figures.js', '/static/js/result-view.js', '/static/js/report-download.js', '/static/js/heatmap-viewer.js', '/static/js/app.js', '/static/js/batch.js'],
    };
  }

  /**
   * Demo images (from SAMPLES_DIR, listed in SAMPLES.csv only) for the gallery. Behind the login, so
   * `private`: a shared cache (proxy, CDN) must not keep one and hand it to callers who never logged in.
   */
  @Get('samples/:file')
  sample(@Param() { file }: SampleFileParamDto, @Res() res: Response): void {
    const { bytes, contentType } = this.samples.read(file);
    res.setHeader('Cache-Control', 'private, max-age=3600');
    res.type(contentType).send(bytes);
  }
}
