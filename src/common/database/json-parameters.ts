import { type RawBuilder, sql } from 'kysely';

// Lists travel to PostgreSQL as one JSON parameter: a batch's statement has the same text
// whatever its size (so its plan can be reused), and its values need no escaping.

/** A subquery of `values`, for `column in ${inList(…)}`. */
export function inList(
  values: readonly string[],
  type: 'text' | 'uuid' = 'text',
): RawBuilder<unknown> {
  const list = sql`jsonb_array_elements_text(${JSON.stringify(values)}::jsonb)`;
  return type === 'uuid' ? sql`(select ${list}::uuid)` : sql`(select ${list})`;
}

/** `rows` as a set of records, for `from ${recordsOf(…)} as t(column type, …)`. */
export const recordsOf = (rows: readonly object[]): RawBuilder<unknown> =>
  sql`jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)`;
