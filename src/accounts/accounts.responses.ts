import { ApiProperty } from '@nestjs/swagger';
import { ROLES, type AuthUser, type Role } from './roles';
import type { UserView } from './users.service';

/**
 * OpenAPI descriptions of what the accounts routes answer (the services return the plain
 * interfaces; these classes only describe them, and `implements` keeps the two in step).
 */
export class AuthUserDto implements AuthUser {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiProperty({ description: 'true: someone else set the password; choose your own first (POST /api/v1/auth/password)' }) mustChangePassword!: boolean;
}

/** Dates go out as JSON does them: ISO 8601 strings. */
export class UserViewDto implements Record<keyof UserView, unknown> {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiProperty() disabled!: boolean;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'null until the first login' }) lastLoginAt!: string | null;
  @ApiProperty({ description: 'the user must choose a new password at their next login (someone else set this one)' }) mustChangePassword!: boolean;
}

export class TokenDto {
  @ApiProperty({ description: 'send as `Authorization: Bearer <token>`; only its sha256 is stored' }) token!: string;
  @ApiProperty({ type: String, format: 'date-time' }) expiresAt!: string;
}
