/**
 * A timestamp column as JSON shows a Date (`2026-12-12T00:00:00.000Z`), formatted by PostgreSQL
 * so that rows read as plain rows can go out as read. Stored years are 1000 to 9999 (see
 * IsTimestamp).
 */
export const isoTimestamp = (column: string) =>
  `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
