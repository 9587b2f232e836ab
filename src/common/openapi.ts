import { applyDecorators } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiResponse,
  DocumentBuilder,
  getSchemaPath,
  type OpenAPIObject,
  SwaggerModule,
} from '@nestjs/swagger';
import type { ErrorCode } from './errors';
import { ProblemDetailsDto } from './problem-details.dto';
import { PROBLEM_CONTENT_TYPE } from './problem-details.filter';

const BODY_ERRORS: Partial<Record<number, ErrorCode[]>> = {
  400: ['VALIDATION_FAILED', 'MALFORMED_JSON'],
  413: ['PAYLOAD_TOO_LARGE'],
  415: ['UNSUPPORTED_MEDIA_TYPE'],
};

/**
 * Documents the problem responses of a route, one per status, each narrowed to the codes that
 * status can carry there. Routes with a JSON body also get the body errors (400, 413, 415).
 */
export function ApiProblems(
  responses: Partial<Record<number, ErrorCode[]>>,
  { body = false }: { body?: boolean } = {},
) {
  const all: Partial<Record<number, ErrorCode[]>> = body ? { ...BODY_ERRORS } : {};
  for (const [status, codes] of Object.entries(responses)) {
    all[Number(status)] = [...new Set([...(all[Number(status)] ?? []), ...(codes ?? [])])];
  }
  return applyDecorators(
    ApiExtraModels(ProblemDetailsDto),
    ...Object.entries(all).map(([status, codes = []]) =>
      ApiResponse({
        status: Number(status),
        description: `Problem details; \`code\` is one of ${codes.join(', ')}.`,
        content: {
          [PROBLEM_CONTENT_TYPE]: {
            schema: {
              allOf: [
                { $ref: getSchemaPath(ProblemDetailsDto) },
                {
                  type: 'object',
                  required: ['code'],
                  properties: { code: { type: 'string', enum: codes } },
                },
              ],
            },
          },
        },
      }),
    ),
  );
}

export const DOCS_PATH = 'docs';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Flash Store API')
    .setDescription(
      'An online store that cannot oversell: products, carts and checkout with optimistic ' +
        'locking. Errors are RFC 9457 problem documents with a stable `code`.',
    )
    .setVersion('1.0.0')
    .setLicense('UNLICENSED', 'https://choosealicense.com/no-permission/')
    .addServer('/', 'This server')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'The ADMIN_TOKEN' }, 'admin')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  // Routes without a guard are public: say so, rather than leave their security undefined.
  for (const operations of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = operations[method];
      if (operation) operation.security ??= [];
    }
  }
  return document;
}

/** Serves Swagger UI at /docs and the JSON document at /docs-json. */
export function serveOpenApi(app: INestApplication): void {
  SwaggerModule.setup(DOCS_PATH, app, buildOpenApiDocument(app), {
    jsonDocumentUrl: `${DOCS_PATH}-json`,
    customSiteTitle: 'Flash Store API',
  });
}
