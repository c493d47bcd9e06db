import { ApiProperty } from '@nestjs/swagger';
import { Role } from '@flash-sale/contracts';
import type { VerifiedToken } from '../users.service.js';

/** The claims of a valid access token. */
export class TokenPayloadDto {
  @ApiProperty({ example: '42', description: 'The user id.' })
  sub!: string;

  @ApiProperty({ example: 'alice_01' })
  username!: string;

  @ApiProperty({ enum: Object.values(Role) })
  role!: Role;

  @ApiProperty({ example: 1_767_225_600, description: 'Issued at, seconds since the epoch.' })
  iat!: number;

  @ApiProperty({ example: 1_767_226_500, description: 'Expires at, seconds since the epoch.' })
  exp!: number;

  static from({ sub, username, role, iat, exp }: VerifiedToken): TokenPayloadDto {
    return { sub, username, role, iat, exp };
  }
}

/** 200: the token is valid. */
export class ValidTokenResponseDto {
  @ApiProperty({ enum: [true] })
  valid!: true;

  @ApiProperty({ type: TokenPayloadDto })
  payload!: TokenPayloadDto;
}

/** 401: the token is expired, forged, malformed or not ours. Deliberately says nothing more. */
export class InvalidTokenResponseDto {
  @ApiProperty({ enum: [false] })
  valid!: false;
}
