import { Controller, Get, Inject, Param, Render } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { NotFoundError } from '../common/errors';
import { AppConfig } from '../config/config.service';
import { confidenceThreshold, type ModelCard } from '../inference/model-card';
import { MODEL_PROVIDER, ModelProvider } from '../inference/model-provider';
import { modelCardView, modelTitle } from '../presentation/model-card.view';
import { ModelNameParamDto } from '../common/zod-dto';

/** Model-card pages: what each loaded model was trained and tested on, its figures, its limits. */
@ApiExcludeController()
@Controller('models')
export class ModelCardsController {
  constructor(
    @Inject(MODEL_PROVIDER) private readonly models: ModelProvider,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @Render('models')
  list(): Record<string, unknown> {
    return {
      title: 'Models',
      models: this.loaded().map((c) => ({ name: c.name, title: modelTitle(c), version: c.version, experimental: c.experimental })),
    };
  }

  @Get(':name')
  @Render('model-card')
  card(@Param() { name }: ModelNameParamDto): Record<string, unknown> {
    const card = this.loaded().find((c) => c.name === name);
    if (!card) throw new NotFoundError('No model of that name is loaded.');
    const view = modelCardView(card, confidenceThreshold(card, this.config.confidenceThresholdOverride));
    return { title: `Model card: ${view.title}`, card: view };
  }

  private loaded(): ModelCard[] {
    return this.models.isReady() ? this.models.cards() : [];
  }
}
