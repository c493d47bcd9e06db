import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators.js';

export const SERVICE_INFO = Symbol('SERVICE_INFO');

/** Name and version of the running service. */
export interface ServiceInfo {
  name: string;
  version: string;
}

@ApiTags('operations')
@Controller()
export class ServiceInfoController {
  constructor(@Inject(SERVICE_INFO) private readonly info: ServiceInfo) {}

  /** Liveness and identity: `{service, status: "ok", version}`. */
  @Public()
  @Get()
  describe(): { service: string; status: 'ok'; version: string } {
    return { service: this.info.name, status: 'ok', version: this.info.version };
  }
}
