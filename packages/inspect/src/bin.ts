#!/usr/bin/env node
/**
 * `pnpm db inspect <folder> [--json] [--verbose]`: what a database folder holds (IDENTITY,
 * LOCK, CURRENT, the MANIFEST's counters and edits, live tables per level, WALs, orphans),
 * read without opening the database: no LOCK taken, every file opened read-only.
 *
 * Text by default; `--json` prints one JSON document, validated against the InspectReport
 * schema first (a report that does not match is a bug, reported as an error, never printed).
 *
 * Exit status: 0 report printed; 1 the folder cannot be described (missing, not a folder, not
 * a database, corrupt CURRENT or MANIFEST, unreadable), one line on stderr naming the problem
 * and the path; 2 bad usage (unknown flag, missing folder argument), with the usage text.
 */
import { Command, CommanderError } from "commander"

const EXIT_FAILED = 1
const EXIT_USAGE = 2

/** An error as one line: multi-line messages (a zod issue list) would break `2>` logs into pieces. */
const oneLine = (e: unknown): string => {
  if (e instanceof Error && e.name === "ZodError" && "issues" in e && Array.isArray(e.issues)) {
    const first = e.issues[0] as { path: ReadonlyArray<PropertyKey>; message: string } | undefined
    return `the report does not match its schema (a bug): ${first ? `${first.path.join(".")}: ${first.message}` : "no issues listed"}`
  }
  return (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, " ")
}

const inspect = async (folder: string, options: { readonly json: boolean; readonly verbose: boolean }): Promise<number> => {
  try {
    // Loaded only when a folder is to be read, so usage errors and --help answer at once.
    // Direct module imports (not the package index) keep the engine out of the CLI.
    const { inspectFolder } = await import("./inspectFolder.ts")
    const report = inspectFolder(folder, { verbose: options.verbose })
    const text = options.json
      ? JSON.stringify((await import("./InspectReport.ts")).InspectReport.parse(report), null, 2)
      : (await import("./formatReport.ts")).formatReport(report)
    process.stdout.write(`${text}\n`)
    return 0
  } catch (e) {
    process.stderr.write(`db inspect: ${oneLine(e)}\n`)
    return EXIT_FAILED
  }
}

const program = new Command("db")
  .description("Tools for writepath (and LevelDB) database folders")
  // Settings before `.command()`: subcommands inherit them.
  .exitOverride()
  .showHelpAfterError()

program
  .command("inspect")
  .description("describe a database folder without opening it (no LOCK taken, nothing written)")
  .argument("<folder>", "the database folder")
  .option("--json", "print one JSON document (validated against the InspectReport schema)")
  .option("-v, --verbose", "also list every MANIFEST edit")
  .action(async (folder: string, options: { json?: true; verbose?: true }) => {
    process.exitCode = await inspect(folder, { json: options.json === true, verbose: options.verbose === true })
  })

try {
  await program.parseAsync(process.argv.slice(2), { from: "user" })
} catch (e) {
  // Commander has already printed the message (and, after an error, the usage).
  if (!(e instanceof CommanderError)) throw e
  process.exitCode = e.code === "commander.helpDisplayed" || e.code === "commander.version" ? 0 : EXIT_USAGE
}
