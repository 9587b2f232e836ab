import {
  type ArgumentMetadata,
  type PipeTransform,
  ValidationPipe,
  type ValidationError,
} from '@nestjs/common';
import { Transform } from 'class-transformer';
import { isUUID, ValidateBy, ValidateIf } from 'class-validator';
import { ValidationFailedError, type FieldError } from './errors';
import { findUnsafeJson } from './json-guard';

/** Constraints that check what a value is; they explain a failure before any other. */
const TYPE_CONSTRAINTS = new Set([
  'isInt',
  'isNumber',
  'isString',
  'isBoolean',
  'isArray',
  'isObject',
  'nestedValidation',
]);
/** Constraints that check that a value is there (or, for unknown fields, that it is not). */
const PRESENCE_CONSTRAINTS = new Set(['isDefined', 'whitelistValidation']);

const rank = (constraint: string) =>
  TYPE_CONSTRAINTS.has(constraint) ? 0 : PRESENCE_CONSTRAINTS.has(constraint) ? 1 : 2;

/**
 * One message per field: its first broken rule, in the order type, presence, range (a missing
 * field is "required", never "must be shorter than 200 characters"), then its children's.
 */
function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const constraints = Object.entries(error.constraints ?? {}).sort(
      ([a], [b]) => rank(a) - rank(b),
    );
    const own: FieldError[] =
      constraints.length === 0
        ? []
        : error.value === undefined && !('whitelistValidation' in (error.constraints ?? {}))
          ? [{ field, message: `${field} is required` }]
          : [{ field, message: constraints[0][1] }];
    // A value of the wrong type has no children worth reporting.
    if (own.length > 0 && rank(constraints[0][0]) === 0) return own;
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
    // Every rule is checked, so that `flatten` can report the one that explains the failure.
    stopAtFirstError: false,
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

/**
 * What class-validator's `isUUID` (version "all") accepts, as a JSON Schema pattern: versions 1
 * to 8 with the RFC 9562 variant, the nil and the max UUID, in either letter case.
 */
export const UUID_PATTERN =
  '^(?:[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[1-8][0-9A-Fa-f]{3}-[89ABab][0-9A-Fa-f]{3}-[0-9A-Fa-f]{12}' +
  '|00000000-0000-0000-0000-000000000000|[Ff]{8}-[Ff]{4}-[Ff]{4}-[Ff]{4}-[Ff]{12})$';

/**
 * Text PostgreSQL can store as sent: no NUL, no unpaired surrogate (`findUnsafeJson` refuses
 * them in every body). A JSON Schema pattern, matched with the `u` flag.
 */
export const STORABLE_TEXT_PATTERN = '^[^\\u0000\\uD800-\\uDFFF]*$';

/**
 * An RFC 3339 timestamp with its offset, in the years 1000 to 9999, without a leap second: what
 * `IsTimestamp` accepts, as a JSON Schema pattern (documented with `format: date-time`, which
 * adds the calendar check `IsTimestamp` makes too).
 */
export const TIMESTAMP_PATTERN =
  '^[1-9][0-9]{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])[Tt]' +
  '(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]{1,9})?' +
  '(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$';
const timestamp = new RegExp(TIMESTAMP_PATTERN, 'u');

/** A moment, e.g. `2026-12-12T00:00:00+08:00`, on a day the calendar has (no 31 February). */
export const IsTimestamp = () =>
  ValidateBy({
    name: 'isTimestamp',
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'string' || !timestamp.test(value)) return false;
        const day = value.slice(0, 10);
        return new Date(`${day}T00:00:00Z`).toISOString().startsWith(day);
      },
      defaultMessage: (args) =>
        `${args?.property ?? 'value'} must be an RFC 3339 timestamp with an offset, e.g. 2026-12-12T00:00:00Z`,
    },
  });

/** Optional, but when present it must be valid: unlike @IsOptional, null is refused. */
export const IsOmittable = () => ValidateIf((_object, value) => value !== undefined);

export const ToLowerCase = () =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.toLowerCase() : value,
  );
