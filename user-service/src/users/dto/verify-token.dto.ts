import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

/**
 * `POST /api/users/verify`: the token in the body. The original API's clients send no body and the
 * token as `Authorization: Bearer <token>` instead; the controller takes the header when the body
 * has no token.
 */
export class VerifyTokenDto {
  @ApiPropertyOptional({
    description:
      'An access token, without the `Bearer ` prefix. Required unless the (deprecated) ' +
      '`Authorization: Bearer` header carries it.',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(4_096)
  token?: string;
}
