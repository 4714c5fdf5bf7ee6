import { Global, Module } from '@nestjs/common';
import { CompiledReadMiddleware } from './compiled-read.middleware.js';
import { ReadModels } from './read-models.js';

/** The read path: feature modules register their read models in ReadModels; AppModule mounts the middleware. */
@Global()
@Module({
  providers: [ReadModels, CompiledReadMiddleware],
  exports: [ReadModels, CompiledReadMiddleware],
})
export class ReadModelModule {}
