import { Global, Module } from '@nestjs/common';
import { AppConfig } from './app-config.js';

/** Makes the validated AppConfig injectable; main.ts (or a test) loads it once and hands it in. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig) {
    return {
      module: ConfigModule,
      providers: [{ provide: AppConfig, useValue: config }],
      exports: [AppConfig],
    };
  }
}
