import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from '@nestjs/common';
import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AppModule } from '../app.module';
import { type AppConfig, parseTrustProxy } from '../common/config';
import { ValidationFailedError } from '../common/errors';
import { PROBLEM_CONTENT_TYPE, toProblem } from '../common/problem-details';
import { MetricsService } from '../observability/metrics.service';
import { serveProductImages } from '../products/product-images';
import { compressResponses, serveStorefrontFiles } from './delivery';
import { createLogger, PinoLoggerService } from './logging';
import { buildOpenApiDocument, serveOpenApi } from './openapi-document';
import { securityHeaders } from './security-headers';
import { refuseUnwantedBodies } from './unwanted-bodies';

const BODY_LIMIT_BYTES = 100 * 1024;

export interface CreateAppOptions {
  /** No logs at all (tests). */
  silent?: boolean;
}

const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  // Swagger UI and Lit set inline styles.
  styleSrc: ["'self'", "'unsafe-inline'"],
  // Staff may give a product an absolute https picture URL (a CDN's); our own are same-origin.
  imgSrc: ["'self'", 'data:', 'https:'],
  connectSrc: ["'self'"],
  // Plain-HTTP deployments (local, behind a TLS-terminating balancer) must keep working.
  upgradeInsecureRequests: null,
};

/** Keeps a caller's X-Request-Id when it is sane, so one id can follow a request across hops. */
function requestId(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
}

/**
 * TRUST_PROXY in the form Fastify takes. A hop count becomes a function: Fastify 5 treats a bare
 * number as "trust nothing", since a count alone cannot tell a proxy from a client that reached
 * the service directly. Use a count only where the service is reachable through its proxies
 * alone (as under docker compose); otherwise give their addresses.
 */
function fastifyTrustProxy(
  value: string,
): boolean | string[] | ((address: string, hop: number) => boolean) {
  const trust = parseTrustProxy(value) ?? false;
  if (typeof trust !== 'number') return trust;
  // Hop 0 is the peer of the socket; each further hop one entry back in X-Forwarded-For.
  return (_address, hop) => hop < trust;
}

/** One log line and one latency observation per request. */
function observeRequests(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  const metrics = app.get(MetricsService);
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    metrics.requestDuration.observe(
      { method: request.method, route, status: reply.statusCode },
      seconds,
    );
    request.log.info(
      { method: request.method, url: request.url, status: reply.statusCode, ms: reply.elapsedTime },
      'request completed',
    );
  });
}

/**
 * A whole-request deadline: a request whose body has not all arrived REQUEST_TIMEOUT_MS after
 * its head is answered 408 and its connection closed. Node's own requestTimeout is only checked
 * every 30 s (its connectionsCheckingInterval, which Fastify does not expose), so a body
 * trickled a byte at a time outlived it several times over. Requests without a body take no timer.
 */
function enforceRequestDeadline(app: NestFastifyApplication, deadlineMs: number): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    const raw = request.raw;
    const length = raw.headers['content-length'];
    const bodyless = (length === undefined || length === '0') && !raw.headers['transfer-encoding'];
    if (bodyless || raw.complete) return done();
    const timer = setTimeout(() => {
      if (raw.complete || raw.socket.destroyed) return;
      request.log.info(
        { url: request.url },
        'request body not received in time: connection closed',
      );
      if (!reply.raw.headersSent) {
        raw.socket.end(
          'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
        );
      }
      raw.socket.destroySoon();
    }, deadlineMs);
    timer.unref();
    const clear = () => clearTimeout(timer);
    raw.once('end', clear);
    raw.once('close', clear);
    done();
  });
}

/**
 * Lets a close finish as soon as the requests in flight are answered. Node closes the connections
 * that are idle when the server starts closing, but not a keep-alive connection that falls idle
 * afterwards (a request that was still running, an event stream that ended), which would hold
 * the close open for its keep-alive timeout (72 s), nor a connection that a client opened and
 * has not sent a request on yet (HTTP clients open spare ones), held until the request timeout.
 * So while closing, both kinds are closed every 100 ms; requests in flight are never cut.
 */
function closeIdleConnectionsWhileClosing(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  const server = fastify.server;
  const unused = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    unused.add(socket);
    socket.once('close', () => unused.delete(socket));
  });
  server.on('request', (request: IncomingMessage) => unused.delete(request.socket));
  fastify.addHook('preClose', (done) => {
    const closeIdle = () => {
      server.closeIdleConnections();
      for (const socket of unused) socket.destroy();
    };
    closeIdle();
    const timer = setInterval(closeIdle, 100);
    timer.unref();
    server.once('close', () => clearInterval(timer));
    done();
  });
}

/**
 * Serves the built storefront at `/`, precompressed, with a cache policy per file (see
 * delivery.ts); the API routes keep their paths.
 */
async function serveStorefront(app: NestFastifyApplication, dir: string): Promise<void> {
  const root = resolve(dir);
  if (!existsSync(join(root, 'index.html'))) {
    new Logger('Storefront').warn(`No storefront build in ${root}; serving the API only`);
    return;
  }
  await serveStorefrontFiles(app, root);
}

/** Builds the HTTP application; `main.ts`, the tests and the tools all start it this way. */
export async function createApp(
  config: AppConfig,
  databaseUrl: string,
  options: CreateAppOptions = {},
): Promise<NestFastifyApplication> {
  const logger = createLogger(options.silent ? 'silent' : config.LOG_LEVEL);
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    // One line per request is written by observeRequests, with the fields we want.
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: false,
    genReqId: requestId,
    bodyLimit: BODY_LIMIT_BYTES,
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    trustProxy: fastifyTrustProxy(config.TRUST_PROXY),
    // Malformed URLs are refused by the router before any route runs (and before the onRequest
    // hook that sets x-request-id): answer them as problems too, with the request id.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => {
      const problem = toProblem(
        new ValidationFailedError([{ field: 'url', message: error.message }]),
      );
      void reply
        .header('x-request-id', request.id)
        .status(problem.status)
        .type(PROBLEM_CONTENT_TYPE)
        .send({ ...problem, instance: request.url, requestId: request.id });
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, databaseUrl),
    adapter,
    // JSON only: Nest's urlencoded parser stays off, and Fastify's text/plain one is removed
    // below, so any other body is 415 UNSUPPORTED_MEDIA_TYPE.
    // abortOnError off: a failure while building the application is thrown to the caller (which
    // then stops what it had started), instead of Nest ending the process on the spot.
    { logger: new PinoLoggerService(logger), bodyParser: false, abortOnError: false },
  );
  adapter.getInstance().removeContentTypeParser('text/plain');
  const headers = securityHeaders({
    contentSecurityPolicy: { directives: CONTENT_SECURITY_POLICY },
  });
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => {
      void reply.headers(headers).header('x-request-id', request.id);
      done();
    });
  const origins = config.CORS_ORIGINS.split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  if (origins.length > 0) {
    app.enableCors({
      origin: origins,
      allowedHeaders: ['content-type', 'authorization', 'idempotency-key', 'x-request-id'],
      exposedHeaders: ['x-request-id', 'retry-after', 'idempotent-replayed'],
    });
  }
  observeRequests(app);
  enforceRequestDeadline(app, config.REQUEST_TIMEOUT_MS);
  closeIdleConnectionsWhileClosing(app);
  // Before any route is added: it hooks into each route as it is added.
  await compressResponses(app);
  const document = buildOpenApiDocument(app);
  refuseUnwantedBodies(app, document);
  serveOpenApi(app, document);
  await serveStorefront(app, config.STOREFRONT_DIR);
  await serveProductImages(app);
  return app;
}
