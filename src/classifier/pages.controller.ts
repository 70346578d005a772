import { Controller, Get, Param, Render, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { formatBytes } from '../common/errors';
import { AppConfig } from '../config/config.service';
import { SamplesService } from './samples.service';

/** Server-rendered pages; the page talks to POST /api/v1/analyses from public/js/app.js. */
@ApiExcludeController()
@Controller()
export class PagesController {
  constructor(
    private readonly config: AppConfig,
    private readonly samples: SamplesService,
  ) {}

  @Get()
  @Render('index')
  index(): Record<string, unknown> {
    return {
      title: 'Analyse an MRI image',
      maxBytes: this.config.maxUploadBytes,
      maxBytesLabel: formatBytes(this.config.maxUploadBytes),
      minSide: this.config.minImageSide,
      samples: this.samples.list(),
      scripts: ['/static/js/app.js'],
    };
  }

  /** Sample images (from SAMPLES_DIR, listed in SAMPLES.csv only) for the gallery. */
  @Get('samples/:file')
  sample(@Param('file') file: string, @Res() res: Response): void {
    const { bytes, contentType } = this.samples.read(file);
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.type(contentType).send(bytes);
  }
}
