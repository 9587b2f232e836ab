import { type RawBuilder, sql } from 'kysely';

// Lists travel to PostgreSQL as one parameter: a batch's statement has the same text whatever
// its size (so its plan can be reused), and its values need no escaping in it.

/**
 * `values` as one array parameter, for `column = any(${anyOf(…)})`. Not `column in (select …)`
 * over a JSON list: PostgreSQL plans that as a scan of the whole table, where `= any` gets index
 * lookups.
 */
export const anyOf = (
  values: readonly string[],
  type: 'text' | 'uuid' = 'text',
): RawBuilder<unknown> => sql`${values}::${sql.raw(type)}[]`;

/** `rows` as a set of records, for `from ${recordsOf(…)} as t(column type, …)`. */
export const recordsOf = (rows: readonly object[]): RawBuilder<unknown> =>
  sql`jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)`;
