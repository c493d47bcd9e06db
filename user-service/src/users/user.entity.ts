import { Role } from '@flash-sale/contracts';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * The `users` row, as the migration defines it. Only the TypeORM repository uses this class.
 * `updated_at` is left to the database; no column declares a default, so an insert needs no
 * extra SELECT to read generated values back.
 */
@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryGeneratedColumn({ type: 'bigint', unsigned: true })
  id!: string;

  @Column({ type: 'varchar', length: 32 })
  username!: string;

  @Column({ type: 'varchar', length: 254 })
  email!: string;

  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash!: string;

  @Column({ type: 'enum', enum: [Role.User, Role.Admin] })
  role!: Role;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}
