/**
 * `db inspect` as a library: the report of a database folder and its text form. The zod
 * schema (InspectReport.ts) is not re-exported here, so importing the engine does not load zod;
 * the CLI and tests import it directly.
 */
export { formatReport } from "./formatReport.ts"
export * from "./InspectError.ts"
export type {
  InspectReport,
  InternalKey,
  LevelReport,
  ManifestEdit,
  ManifestReport,
  OrphanReport,
  PrintableKey,
  TableReport,
  WalCorruptionReport,
  WalReport,
} from "./InspectReport.ts"
export { type InspectOptions, inspectFolder } from "./inspectFolder.ts"
