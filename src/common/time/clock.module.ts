import { Global, Module } from '@nestjs/common';
import { Clock } from './clock.js';

/** One Clock for the whole application, so that a test that moves time moves it for every module at once. */
@Global()
@Module({ providers: [Clock], exports: [Clock] })
export class ClockModule {}
