import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { catchError, Observable, tap, throwError } from 'rxjs';
import { MigrationFailedError, MigrationStatus } from '../database/migration-runner';
import { AdminAuditService } from './admin-audit.service';

/**
 * Writes the audit line of an attempt the guards let through: `ok` with the migrations it applied, or
 * `failed` naming the migration. (A refused attempt never gets here: its guard writes the line.)
 */
@Injectable()
export class AdminAuditInterceptor implements NestInterceptor {
  constructor(private readonly audit: AdminAuditService) {}

  intercept(context: ExecutionContext, next: CallHandler<MigrationStatus & { applied?: string[] }>): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    return next.handle().pipe(
      tap((result) => this.audit.record(request, 'ok', result.applied ? { applied: result.applied } : {})),
      catchError((err: unknown) => {
        this.audit.record(request, 'failed', err instanceof MigrationFailedError ? { failedMigration: err.migration } : {});
        return throwError(() => err);
      }),
    );
  }
}
