import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { ValidationFailedError } from '../common/errors';
import { METHODS } from './openapi-document';

/**
 * Refuses a request body where the operation takes none (no `requestBody` in the document) with
 * 400 VALIDATION_FAILED, rather than ignore it. A Fastify hook, not a global Nest guard: it runs
 * before any guard (no rate-limit hit, no idempotency claim), and only a request with a body
 * pays for it.
 */
export function refuseUnwantedBodies(app: NestFastifyApplication, document: OpenAPIObject): void {
  const withoutBody = new Set<string>();
  for (const [path, operations] of Object.entries(document.paths)) {
    const url = path.replace(/\{(\w+)\}/g, ':$1');
    for (const method of METHODS) {
      const operation = operations[method];
      if (operation && !operation.requestBody) withoutBody.add(`${method.toUpperCase()} ${url}`);
    }
  }
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('preValidation', (request, _reply, done) => {
      const length = Number(request.headers['content-length'] ?? 0);
      const hasBody = request.headers['transfer-encoding'] !== undefined || length > 0;
      if (hasBody && withoutBody.has(`${request.method} ${request.routeOptions.url}`)) {
        done(
          new ValidationFailedError([
            { field: 'body', message: 'This operation takes no request body.' },
          ]),
        );
        return;
      }
      done();
    });
}
