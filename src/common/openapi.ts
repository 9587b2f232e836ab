import { applyDecorators } from '@nestjs/common';
import {
  ApiExtension,
  ApiExtraModels,
  ApiParam,
  ApiResponse,
  getSchemaPath,
  type SchemaObject,
} from '@nestjs/swagger';
import type { ErrorCode } from './errors';
import { TIMESTAMP_PATTERN, UUID_PATTERN } from './validation';
import { ProblemDetailsDto } from './problem-details.dto';
import { PROBLEM_CONTENT_TYPE } from './problem-details';

/** Per HTTP status, the problem codes a route answers with it. */
export type Problems = Partial<Record<number, ErrorCode[]>>;

/** Schema fragments for DTO properties that the plugin cannot infer from the TypeScript type. */
export const INTEGER_SCHEMA = { type: 'integer' } as const;
export const UUID_SCHEMA = { type: 'string', format: 'uuid', pattern: UUID_PATTERN } as const;
export const TIMESTAMP_SCHEMA = {
  type: 'string',
  format: 'date-time',
  pattern: TIMESTAMP_PATTERN,
} as const;

const PROBLEMS_METADATA = 'flash-store:problems';
/** Marks an operation that needs no database, until `buildOpenApiDocument` reads and removes it. */
export const NO_DATABASE_EXTENSION = 'x-without-database';

/** The union of two problem lists, status by status. */
export function merge(into: Problems, from: Problems): Problems {
  const merged: Problems = { ...into };
  for (const [status, codes = []] of Object.entries(from)) {
    merged[Number(status)] = [...new Set([...(merged[Number(status)] ?? []), ...codes])];
  }
  return merged;
}

/** The schema of a problem body whose `code` is one of `codes`. */
export function problemSchema(codes: readonly ErrorCode[]): SchemaObject {
  return {
    allOf: [
      { $ref: getSchemaPath(ProblemDetailsDto) },
      {
        type: 'object',
        required: ['code'],
        properties: { code: { type: 'string', enum: [...codes] } },
      },
    ],
  };
}

/**
 * Documents problem responses of a route: per status, the codes that status can carry there.
 * Decorators that add a behaviour (e.g. `@Idempotent()`) use it for the answers of that
 * behaviour, and the route for its own: every use is merged, code by code, whatever the order
 * of the decorators. The answers every route of a kind shares (body errors, 503 when the
 * database is down) are added by `buildOpenApiDocument`, never by hand.
 */
export function ApiProblems(responses: Problems): MethodDecorator {
  return <T>(target: object, key: string | symbol, descriptor: TypedPropertyDescriptor<T>) => {
    const handler = descriptor.value as object;
    const merged = merge(
      (Reflect.getMetadata(PROBLEMS_METADATA, handler) as Problems | undefined) ?? {},
      responses,
    );
    Reflect.defineMetadata(PROBLEMS_METADATA, merged, handler);
    applyDecorators(
      ApiExtraModels(ProblemDetailsDto),
      ...Object.entries(merged).map(([status, codes = []]) =>
        // Replaces what an earlier ApiProblems documented for this status with the union.
        ApiResponse({
          status: Number(status),
          content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema(codes) } },
        }),
      ),
    )(target, key, descriptor);
    return descriptor;
  };
}

/** Documents path parameters read with `uuidParam`: what that pipe accepts. */
export const ApiUuidParams = (...names: string[]) =>
  applyDecorators(...names.map((name) => ApiParam({ name, schema: UUID_SCHEMA })));

/** Marks a route that never touches the database, so that it is not documented with 503. */
export const WithoutDatabase = () => ApiExtension(NO_DATABASE_EXTENSION, true);
