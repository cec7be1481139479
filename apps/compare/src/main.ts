/**
 * `pnpm compare`: runs the comparison matrix, prints the table and writes the JSON and
 * HTML reports. Exit codes: 0 done, 2 bad flags, 1 anything else (printed, no stack
 * trace unless DEBUG is set).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { makeReport } from "./makeReport.ts"
import { makeProgress } from "./Progress.ts"
import { parseCli } from "./parseCli.ts"
import { renderHtml } from "./renderHtml.ts"
import { adviceLines, renderTable } from "./renderTable.ts"
import { runMatrix } from "./runMatrix.ts"

/** Writes a file, making its folder. */
const writeFile = (file: string, text: string): void => {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true })
  fs.writeFileSync(file, text)
}

const main = async (): Promise<number> => {
  const cli = parseCli(process.argv.slice(2))
  if (cli.kind === "exit") {
    process.stdout.write(cli.stdout)
    process.stderr.write(cli.stderr)
    return cli.code
  }
  const { config } = cli
  const startedAt = new Date()
  const results = await runMatrix(config, { progress: makeProgress() })
  const report = makeReport(config, startedAt, results)
  writeFile(config.json, `${JSON.stringify(report, null, 2)}\n`)
  writeFile(config.html, await renderHtml(report))
  if (config.advise) process.stdout.write(`${adviceLines(report).join("\n")}\n`)
  else process.stdout.write(`${renderTable(report)}\n\nwrote ${config.json} and ${config.html}\n`)
  return 0
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (e: unknown) => {
    process.stderr.write(
      `compare: ${process.env.DEBUG ? (e instanceof Error ? e.stack : String(e)) : e instanceof Error ? e.message : String(e)}\n`,
    )
    process.exitCode = 1
  },
)
