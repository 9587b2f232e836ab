import { type DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AppConfig } from '../common/config';
import { ProblemDetailsFilter } from './problem-details.filter';
import { validationPipe } from '../common/validation';

/** Cross-cutting pieces every module relies on: configuration, validation, error mapping. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: AppConfig, useValue: config },
        { provide: APP_PIPE, useFactory: validationPipe },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
      ],
      exports: [AppConfig],
    };
  }
}
