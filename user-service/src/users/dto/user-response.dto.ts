import { ApiProperty } from '@nestjs/swagger';
import { Role } from '@flash-sale/contracts';
import type { User } from '../user.js';

/** A user as the API shows it. Built field by field from {@link User}, so no hash can slip in. */
export class UserResponseDto {
  @ApiProperty({ example: '42', description: 'Decimal id; the `sub` of the user’s tokens.' })
  id!: string;

  @ApiProperty({ example: 'alice_01' })
  username!: string;

  @ApiProperty({ example: 'alice@example.com' })
  email!: string;

  @ApiProperty({ enum: Object.values(Role), example: Role.User })
  role!: Role;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: string;

  static from(user: User): UserResponseDto {
    return {
      id: user.id,
      username: user.username,
      email: user.email,
      role: user.role,
      createdAt: user.createdAt.toISOString(),
    };
  }
}
