import {
  type ArgumentMetadata,
  type PipeTransform,
  ValidationPipe,
  type ValidationError,
} from '@nestjs/common';
import { Transform } from 'class-transformer';
import { isUUID, ValidateIf } from 'class-validator';
import { ValidationFailedError, type FieldError } from './errors';
import { findUnsafeJson } from './json-guard';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return own.concat(flatten(error.children ?? [], field));
  });
}

/** Bodies and queries are first looked through for what class-transformer cannot be trusted with. */
class RequestValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query') {
      const unsafe = findUnsafeJson(value);
      if (unsafe) throw new ValidationFailedError([{ field: metadata.type, message: unsafe }]);
    }
    return super.transform(value, metadata);
  }
}

/** The global pipe: unknown fields are refused, values are converted to their declared types. */
export const validationPipe = () =>
  new RequestValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: true,
    exceptionFactory: (errors) => new ValidationFailedError(flatten(errors)),
  });

/**
 * For `@Param('id', uuidParam('id'))`: a malformed id is a 400, never a 404 or a 500; ids are
 * compared in lower case, as the database stores them.
 */
export const uuidParam = (field: string): PipeTransform<string, string> => ({
  transform(value) {
    if (!isUUID(value)) {
      throw new ValidationFailedError([{ field, message: `${field} must be a UUID` }]);
    }
    return value.toLowerCase();
  },
});

/** Optional, but when present it must be valid: unlike @IsOptional, null is refused. */
export const IsOmittable = () => ValidateIf((_object, value) => value !== undefined);

const caseOf = (upper: boolean) =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? (upper ? value.toUpperCase() : value.toLowerCase()) : value,
  );
export const ToLowerCase = () => caseOf(false);
export const ToUpperCase = () => caseOf(true);
