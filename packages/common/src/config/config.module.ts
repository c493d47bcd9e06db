import { DynamicModule, Global, Inject, Module } from '@nestjs/common';
import type { BaseEnv } from './env.schema.js';

/** Injection token of the service's validated configuration object. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/** Injects the validated configuration (see {@link loadConfig}). */
export const InjectConfig = () => Inject(APP_CONFIG);

/** Makes the configuration loaded in `main.ts` injectable everywhere. */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot<C extends BaseEnv>(config: C): DynamicModule {
    return {
      module: AppConfigModule,
      providers: [{ provide: APP_CONFIG, useValue: config }],
      exports: [APP_CONFIG],
    };
  }
}
