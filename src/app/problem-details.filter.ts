import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isClientAbort } from '../common/database/database-errors';
import { redactPasswords } from '../common/database/database-url';
import { PROBLEM_CONTENT_TYPE, toProblem } from '../common/problem-details';

/** The one place where errors become HTTP responses. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    if (isClientAbort(error)) {
      // Nobody is left to answer: neither an outage nor a bug, so no alarm.
      request.log.info({ url: request.url }, 'client aborted the request');
      return;
    }
    const body = toProblem(error);
    body.instance = request.url;
    body.requestId = request.id;
    logServerError(request, body.code, body.status, error);
    const reply = http.getResponse<FastifyReply>();
    if (reply.sent || reply.raw.headersSent) return;
    if (typeof body.retryAfterSeconds === 'number') {
      void reply.header('retry-after', String(body.retryAfterSeconds));
    }
    void reply.status(body.status).header('content-type', PROBLEM_CONTENT_TYPE).send(body);
  }
}

/**
 * Logs a 5xx through the request's own logger, so the line carries its `reqId` (the id the
 * client got in `x-request-id` and in the problem body). An unavailable database is expected
 * weather, logged as a warning without a stack; a shed request (OVERLOADED, by the thousand under
 * a herd) as info; anything else is a bug, logged with its stack.
 */
function logServerError(
  request: FastifyRequest,
  code: string,
  status: number,
  error: unknown,
): void {
  if (status < 500) return;
  const message = redactPasswords(error instanceof Error ? error.message : String(error));
  if (code === 'DATABASE_UNAVAILABLE') {
    request.log.warn({ code, status, error: message }, 'database unavailable');
  } else if (code === 'OVERLOADED') {
    request.log.info({ code, status }, message);
  } else {
    request.log.error(
      { code, status, err: error instanceof Error ? error : { message } },
      `unhandled error: ${message}`,
    );
  }
}
