import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toProblem } from './problem-details';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The one place where errors become HTTP responses. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const body = toProblem(error);
    body.instance = request.url;
    body.requestId = request.id;
    void http
      .getResponse<FastifyReply>()
      .status(body.status)
      .header('content-type', PROBLEM_CONTENT_TYPE)
      .send(body);
  }
}
