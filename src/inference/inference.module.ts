import { Module } from '@nestjs/common';
import { MODEL_PROVIDER } from './model-provider';
import { ModelRegistry } from './model-registry.service';

/** The only module that touches onnxruntime-node and sharp. */
@Module({
  providers: [ModelRegistry, { provide: MODEL_PROVIDER, useExisting: ModelRegistry }],
  exports: [ModelRegistry, MODEL_PROVIDER],
})
export class InferenceModule {}
