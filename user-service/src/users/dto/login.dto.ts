import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { NotTogetherWith } from '@flash-sale/common';
import { IsEmail, IsNotEmpty, IsString, MaxLength, ValidateIf } from 'class-validator';
import { EMAIL_MAX_LENGTH, PASSWORD_MAX_LENGTH } from '../user.constants.js';
import { EMAIL_OPTIONS } from './register-user.dto.js';

/**
 * `POST /api/users/login`: `{username, password}` or `{email, password}`; `username` may also
 * hold an email address. Exactly one of the two is required.
 */
export class LoginDto {
  @ApiPropertyOptional({
    example: 'alice_01',
    maxLength: EMAIL_MAX_LENGTH,
    description: 'A username or an email address. Required unless `email` is given.',
  })
  @ValidateIf((dto: LoginDto) => dto.username !== undefined || dto.email === undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(EMAIL_MAX_LENGTH)
  username?: string;

  @ApiPropertyOptional({
    example: 'alice@example.com',
    format: 'email',
    maxLength: EMAIL_MAX_LENGTH,
    description: 'Required unless `username` is given.',
  })
  @ValidateIf((dto: LoginDto) => dto.email !== undefined || dto.username === undefined)
  @IsString()
  @MaxLength(EMAIL_MAX_LENGTH)
  @IsEmail(EMAIL_OPTIONS)
  @NotTogetherWith('username')
  email?: string;

  @ApiProperty({ format: 'password', maxLength: PASSWORD_MAX_LENGTH })
  @IsString()
  @IsNotEmpty()
  @MaxLength(PASSWORD_MAX_LENGTH)
  password!: string;
}
