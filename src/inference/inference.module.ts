import { Module } from '@nestjs/common';
import { MODEL_PROVIDER } from './model-provider';
import { ModelRegistry } from './model-registry.service';
import { ImageDecodeService } from './image-decode.service';
import { PreparePool } from './prepare-pool';

/** The only module that touches onnxruntime-node and sharp. */
@Module({
  providers: [ModelRegistry, { provide: MODEL_PROVIDER, useExisting: ModelRegistry }, PreparePool, ImageDecodeService],
  exports: [ModelRegistry, MODEL_PROVIDER, PreparePool, ImageDecodeService],
})
export class InferenceModule {}
