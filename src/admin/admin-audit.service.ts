import { Injectable, Logger } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { clientIp } from '../common/client-ip';
import { AppConfig } from '../config/app-config';

export type AdminOutcome = 'ok' | 'unauthorized' | 'throttled' | 'not_configured' | 'failed';

export interface AdminAuditEntry {
  audit: 'admin';
  route: string;
  clientIp: string;
  outcome: AdminOutcome;
  applied?: string[];
  failedMigration?: string;
}

/**
 * The admin audit trail: one structured line per attempt on an admin route. It names the route
 * pattern (never the raw URL), the client IP, the outcome and the migrations — never a header value.
 */
@Injectable()
export class AdminAuditService {
  private readonly logger = new Logger('AdminAudit');

  constructor(private readonly config: AppConfig) {}

  record(
    request: FastifyRequest,
    outcome: AdminOutcome,
    migrations: Pick<AdminAuditEntry, 'applied' | 'failedMigration'> = {},
  ): void {
    const entry: AdminAuditEntry = {
      audit: 'admin',
      route: `${request.method} ${request.routeOptions.url ?? ''}`,
      clientIp: clientIp(request, this.config.trustProxy),
      outcome,
      ...migrations,
    };
    const message = `admin ${entry.route} from ${entry.clientIp}: ${outcome}`;
    if (outcome === 'ok') this.logger.log(entry, message);
    else this.logger.warn(entry, message);
  }
}
