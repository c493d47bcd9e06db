import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

/** `POST /api/users/verify`. */
export class VerifyTokenDto {
  @ApiProperty({ description: 'An access token, without the `Bearer ` prefix.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(4_096)
  token!: string;
}
