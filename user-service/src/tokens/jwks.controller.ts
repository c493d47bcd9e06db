import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { JWKS_ROUTE, Public } from '@flash-sale/common';
import type { JSONWebKeySet } from 'jose';
import { SigningKeyRing } from './signing-keys.js';

/**
 * The public keys of access tokens (RFC 7517 JWK Set), at `/.well-known/jwks.json` outside the
 * `/api` prefix. Public and cacheable: it is what every service verifies tokens with.
 */
@ApiTags('tokens')
@Controller()
export class JwksController {
  constructor(@Inject(SigningKeyRing) private readonly keys: SigningKeyRing) {}

  @Public()
  @Get(JWKS_ROUTE)
  // Verifiers also refetch on an unknown kid, so a short max-age is enough.
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({ summary: 'The public keys access tokens are signed with (JWK Set)' })
  @ApiOkResponse({ description: 'A JWK Set of Ed25519 public keys, each with its kid.' })
  jwks(): JSONWebKeySet {
    return this.keys.publicKeySet;
  }
}
