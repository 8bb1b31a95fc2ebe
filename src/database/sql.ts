/** A timestamptz column rendered by PostgreSQL as the ISO-8601 UTC string the API returns. */
export const isoTimestamp = (column: string): string =>
  `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
