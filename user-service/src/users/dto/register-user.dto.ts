import { ApiProperty } from '@nestjs/swagger';
import { IsAscii, IsEmail, IsString, Length, Matches, MaxLength } from 'class-validator';
import {
  EMAIL_MAX_LENGTH,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  USERNAME_MAX_LENGTH,
  USERNAME_MIN_LENGTH,
  USERNAME_PATTERN,
} from '../user.constants.js';

/** Addresses as the `users` table stores them: ASCII, with a real domain and TLD. */
export const EMAIL_OPTIONS = {
  allow_utf8_local_part: false,
  allow_display_name: false,
  allow_ip_domain: false,
  require_tld: true,
} as const;

/** `POST /api/users/register`. There is no `role`: registration always makes a `user`. */
export class RegisterUserDto {
  @ApiProperty({
    example: 'alice_01',
    minLength: USERNAME_MIN_LENGTH,
    maxLength: USERNAME_MAX_LENGTH,
    pattern: USERNAME_PATTERN.source,
    description: 'Unique, case-insensitively (`Alice` and `alice` are one user).',
  })
  @IsString()
  @Length(USERNAME_MIN_LENGTH, USERNAME_MAX_LENGTH)
  @Matches(USERNAME_PATTERN, { message: 'username may only contain A-Z a-z 0-9 _ . -' })
  username!: string;

  @ApiProperty({
    example: 'alice@example.com',
    format: 'email',
    maxLength: EMAIL_MAX_LENGTH,
    description: 'Unique, case-insensitively. ASCII only.',
  })
  @IsString()
  @MaxLength(EMAIL_MAX_LENGTH)
  @IsAscii()
  @IsEmail(EMAIL_OPTIONS)
  email!: string;

  @ApiProperty({
    example: 'correct horse battery staple',
    format: 'password',
    minLength: PASSWORD_MIN_LENGTH,
    maxLength: PASSWORD_MAX_LENGTH,
  })
  @IsString()
  @Length(PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH)
  password!: string;
}
