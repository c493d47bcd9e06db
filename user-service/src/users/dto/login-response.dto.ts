import { ApiProperty } from '@nestjs/swagger';
import type { Session } from '../users.service.js';
import { UserResponseDto } from './user-response.dto.js';

/** A successful login. */
export class LoginResponseDto {
  @ApiProperty({
    description: 'EdDSA (Ed25519) JWT, typ at+jwt, to send as `Authorization: Bearer <token>`.',
  })
  accessToken!: string;

  @ApiProperty({ enum: ['Bearer'] })
  tokenType!: 'Bearer';

  @ApiProperty({ example: 900, description: 'Lifetime of the token in seconds.' })
  expiresIn!: number;

  @ApiProperty({ type: UserResponseDto })
  user!: UserResponseDto;

  static from(session: Session): LoginResponseDto {
    return {
      accessToken: session.accessToken,
      tokenType: 'Bearer',
      expiresIn: session.expiresIn,
      user: UserResponseDto.from(session.user),
    };
  }
}
