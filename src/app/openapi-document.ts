import type { INestApplication } from '@nestjs/common';
import {
  DocumentBuilder,
  type OpenAPIObject,
  type OperationObject,
  type ParameterObject,
  type ReferenceObject,
  type ResponseObject,
  type SchemaObject,
  SwaggerModule,
} from '@nestjs/swagger';
import type { ErrorCode } from '../common/errors';
import { merge, NO_DATABASE_EXTENSION, type Problems, problemSchema } from '../common/openapi';
import { ProblemDetailsDto } from '../common/problem-details.dto';
import { PROBLEM_CONTENT_TYPE } from '../common/problem-details';

/** What Fastify and the validation pipe answer, before any handler runs, to a route that reads a JSON body. */
const BODY_ERRORS: Problems = {
  400: ['VALIDATION_FAILED', 'MALFORMED_JSON'],
  413: ['PAYLOAD_TOO_LARGE'],
  415: ['UNSUPPORTED_MEDIA_TYPE'],
};
/** What a route that reads no body answers to a request that has one (see `refuseUnwantedBodies`). */
const UNWANTED_BODY_ERRORS: Record<'parsed' | 'unparsed', Problems> = {
  // POST, PUT, PATCH, DELETE: Fastify parses the body first, then the body is refused.
  parsed: BODY_ERRORS,
  // GET and HEAD: Fastify does not read the body; it is refused all the same.
  unparsed: { 400: ['VALIDATION_FAILED'] },
};
/** Every operation that uses the database answers this when it does not. */
const DATABASE_ERRORS: Problems = { 503: ['DATABASE_UNAVAILABLE'] };
/** Codes whose problem carries `retryAfterSeconds`, sent as a Retry-After header too. */
const RETRY_AFTER_CODES = new Set<ErrorCode>([
  'RATE_LIMITED',
  'DATABASE_UNAVAILABLE',
  'OVERLOADED',
  'SALE_NOT_STARTED',
]);

/** Reads the problem codes documented on a response, if it is a problem response. */
function documentedCodes(response: ResponseObject | ReferenceObject | undefined): ErrorCode[] {
  const schema = (response as ResponseObject | undefined)?.content?.[PROBLEM_CONTENT_TYPE]
    ?.schema as SchemaObject | undefined;
  const own = schema?.allOf?.[1] as SchemaObject | undefined;
  return ((own?.properties?.code as SchemaObject | undefined)?.enum ?? []) as ErrorCode[];
}

const HEADERS = {
  'x-request-id': {
    description:
      "The request's id: the caller's own X-Request-Id when it is 1 to 128 of `A-Za-z0-9_.:-`, " +
      'else a new UUID. Also in problem bodies as `requestId` and in every log line.',
    required: true,
    schema: { type: 'string', minLength: 1, maxLength: 128 },
  },
  'Idempotent-Replayed': {
    description:
      '`true` when this is the stored answer to an earlier request with the same Idempotency-Key.',
    required: false,
    schema: { type: 'string', enum: ['true'] },
  },
  'Retry-After': {
    description: 'Seconds to wait before trying again.',
    required: false,
    schema: { type: 'integer', minimum: 1 },
  },
};

/**
 * Adds what every operation of a kind answers, and the headers of every answer:
 * - a JSON body: 400 VALIDATION_FAILED and MALFORMED_JSON, 413 and 415;
 * - no body: the refusal of one (refuseUnwantedBodies), said in the description too;
 * - every operation not marked `@WithoutDatabase()`: 503 DATABASE_UNAVAILABLE;
 * - every response: x-request-id; 429 and 503: Retry-After; with an Idempotency-Key:
 *   Idempotent-Replayed.
 */
function completeOperation(method: string, operation: OperationObject): void {
  const extensions = operation as unknown as Record<string, unknown>;
  const withoutDatabase = extensions[NO_DATABASE_EXTENSION] === true;
  delete extensions[NO_DATABASE_EXTENSION];

  let problems: Problems = {};
  for (const [status, response] of Object.entries(operation.responses)) {
    const codes = documentedCodes(response);
    if (codes.length > 0) problems[Number(status)] = codes;
  }
  if (operation.requestBody) {
    problems = merge(problems, BODY_ERRORS);
  } else {
    const parsed = !['get', 'head'].includes(method);
    problems = merge(problems, UNWANTED_BODY_ERRORS[parsed ? 'parsed' : 'unparsed']);
    operation.description = [
      operation.description,
      'Takes no request body: one is refused with 400 `VALIDATION_FAILED`.',
    ]
      .filter(Boolean)
      .join('\n\n');
  }
  if (!withoutDatabase) problems = merge(problems, DATABASE_ERRORS);

  for (const [status, codes = []] of Object.entries(problems)) {
    const sorted = [...codes].sort();
    operation.responses[status] = {
      description: `Problem details; \`code\` is one of ${sorted.join(', ')}.`,
      content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema(sorted) } },
      ...(codes.some((code) => RETRY_AFTER_CODES.has(code))
        ? { headers: { 'Retry-After': { $ref: '#/components/headers/Retry-After' } } }
        : {}),
    };
  }
  const idempotencyKey = ((operation.parameters ?? []) as ParameterObject[]).find(
    (parameter) => parameter.in === 'header' && parameter.name.toLowerCase() === 'idempotency-key',
  );
  for (const response of Object.values(operation.responses) as ResponseObject[]) {
    response.headers = {
      ...response.headers,
      'x-request-id': { $ref: '#/components/headers/x-request-id' },
      // A replay repeats the first answer, whatever its status.
      ...(idempotencyKey
        ? { 'Idempotent-Replayed': { $ref: '#/components/headers/Idempotent-Replayed' } }
        : {}),
    };
  }
  operation.responses = Object.fromEntries(
    Object.entries(operation.responses).sort(([a], [b]) => a.localeCompare(b)),
  );
  // Routes without a guard are public: say so, rather than leave their security undefined.
  operation.security ??= [];
}

/**
 * The global validation pipe refuses unknown properties (`forbidNonWhitelisted`) in every body:
 * every schema a request body uses, and the schemas those use, say so.
 */
function closeRequestSchemas(document: OpenAPIObject): void {
  const schemas = document.components?.schemas ?? {};
  const seen = new Set<string>();
  const visit = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    const ref = (node as ReferenceObject).$ref;
    if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
      const name = ref.slice('#/components/schemas/'.length);
      if (seen.has(name)) return;
      seen.add(name);
      const schema = schemas[name] as SchemaObject;
      if (schema.type === 'object') schema.additionalProperties = false;
      visit(schema);
      return;
    }
    Object.values(node).forEach(visit);
  };
  for (const operations of Object.values(document.paths)) {
    for (const operation of Object.values(operations) as OperationObject[]) {
      if (operation?.requestBody) visit(operation.requestBody);
    }
  }
}

export const DOCS_PATH = 'docs';

export const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

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
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: [ProblemDetailsDto],
  });
  document.components = { ...document.components, headers: HEADERS };
  for (const operations of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = operations[method];
      if (operation) completeOperation(method, operation);
    }
  }
  closeRequestSchemas(document);
  return document;
}

/** Serves Swagger UI at /docs and the JSON document at /docs-json. */
export function serveOpenApi(app: INestApplication, document: OpenAPIObject): void {
  SwaggerModule.setup(DOCS_PATH, app, document, {
    jsonDocumentUrl: `${DOCS_PATH}-json`,
    customSiteTitle: 'Flash Store API',
  });
}
