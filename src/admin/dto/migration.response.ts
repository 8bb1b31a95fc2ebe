import { ApiProperty } from '@nestjs/swagger';

export class ExecutedMigrationResponse {
  @ApiProperty({ example: 'Migration20261129000000_profiles' }) name: string;
  @ApiProperty({ format: 'date-time' }) executedAt: string;
}

export class MigrationStatusResponse {
  @ApiProperty({ type: [ExecutedMigrationResponse], description: 'In the order they ran' })
  executed: ExecutedMigrationResponse[];
  @ApiProperty({ type: [String], description: 'Not yet applied, in the order they will run' })
  pending: string[];
}

export class MigrationRunResponse extends MigrationStatusResponse {
  @ApiProperty({ type: [String], description: 'Applied by this call (empty when another run got there first)' })
  applied: string[];
}

/** The contract's answer on `POST /api/db/migrate`, kept for existing scripts. */
export class MigrateResponse extends MigrationRunResponse {
  @ApiProperty({ example: true }) success: true;
  @ApiProperty({ example: 'Migration completed' }) message: string;
}

export class MigrationFailedResponse {
  @ApiProperty({ example: 'Migration failed' }) error: string;
  @ApiProperty({ description: 'The migration that failed; the whole run was rolled back' }) migration: string;
}
