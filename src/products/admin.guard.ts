import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../common/config';
import { DomainError } from '../common/errors';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Lets a request through only with `Authorization: Bearer <ADMIN_TOKEN>`; the scheme is
 * case-insensitive, as for every HTTP authentication scheme (RFC 9110, section 11.1).
 */
@Injectable()
export class AdminGuard implements CanActivate {
  private readonly expected?: Buffer;

  constructor(config: AppConfig) {
    if (config.ADMIN_TOKEN) this.expected = digest(config.ADMIN_TOKEN);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) {
      throw new DomainError('ADMIN_DISABLED', 'Admin routes are disabled: ADMIN_TOKEN is not set.');
    }
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization;
    const token = /^Bearer (.+)$/i.exec(header ?? '')?.[1];
    // Comparing fixed-length digests keeps the comparison constant-time whatever the token length.
    if (!token || !timingSafeEqual(digest(token), this.expected)) {
      throw new DomainError('UNAUTHORIZED', 'A valid admin bearer token is required.');
    }
    return true;
  }
}
