import { quoteIdent } from '../../storage/clickhouse/schema/sql.ts';

/** Default name of the source-map table (template `sourcemaps_table.sql`). */
export const SOURCEMAPS_TABLE = 'otelhouse_sourcemaps';

/** The store's SQL, in one place. Reads use FINAL so a re-upload replaces the older map. */
export function sourceMapQueries(database: string, table: string) {
  const t = `${quoteIdent(database)}.${quoteIdent(table)}`;
  const listColumns = 'Release, FileUrl, Digest, length(Content) AS SizeBytes, toUnixTimestamp64Milli(UploadedAt) AS UploadedAtMs';
  return {
    table: t,
    find: `SELECT FileUrl, Content FROM ${t} FINAL WHERE Release = {release:String} AND FileUrl IN {fileUrls:Array(String)}`,
    listAll: `SELECT ${listColumns} FROM ${t} FINAL ORDER BY Release, FileUrl LIMIT {limit:UInt32}`,
    listRelease: `SELECT ${listColumns} FROM ${t} FINAL WHERE Release = {release:String} ORDER BY FileUrl LIMIT {limit:UInt32}`,
    releases: `SELECT DISTINCT Release FROM ${t} LIMIT {limit:UInt32}`,
    deleteRelease: `DELETE FROM ${t} WHERE Release = {release:String}`,
    deleteFile: `DELETE FROM ${t} WHERE Release = {release:String} AND FileUrl = {fileUrl:String}`,
  };
}

/** A row of the list queries. */
export interface ListRow {
  Release: string;
  FileUrl: string;
  Digest: string;
  SizeBytes: string | number;
  UploadedAtMs: string | number;
}
