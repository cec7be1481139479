/**
 * `pnpm wal dump <file> [--json] [--log-number N]`: prints every record of a WAL file.
 *
 * Text: one line per record (offset, fragment types, sequence, count), then one indented
 * line per operation (keys and values printable as text, hex otherwise), and a
 * `corruption` line for each dropped region. JSON (--json): one object per line,
 * `{offset, sequence, count, ops:[{type, key, value?, cf?}]}` for records (keys and values
 * UTF-8 if valid, else `hex:...`) and `{offset, corruption, bytes, reported}` for drops.
 *
 * Exit status: 0 clean, 2 the file has corrupt or dropped regions, 1 the file could not be
 * read (missing, a folder, unreadable) or the arguments are wrong.
 */
import { parseArgs } from "node:util"
// Direct module imports (not the package index) keep the CLI's start-up small.
import { makeNodeLogFile } from "../src/internal/nodeLogFile.ts"
import { type DumpEntry, type DumpOp, dumpLog } from "../src/WalDump.ts"

const usage = "usage: wal dump <file> [--json] [--log-number N]"

const printable = (s: string): string => {
  if (s.startsWith("hex:")) return s
  // Control characters would garble the terminal: show such strings as hex.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: that is the point
  return /[\u0000-\u001f\u007f]/.test(s) ? `hex:${Buffer.from(s, "utf8").toString("hex")}` : JSON.stringify(s)
}

const opText = (op: DumpOp): string => {
  const parts = [op.type]
  if (op.cf !== undefined) parts.push(`cf=${op.cf}`)
  if (op.key !== undefined) parts.push(`key=${printable(op.key)}`)
  if (op.end !== undefined) parts.push(`end=${printable(op.end)}`)
  if (op.xid !== undefined) parts.push(`xid=${printable(op.xid)}`)
  if (op.value !== undefined)
    parts.push(`value=${printable(op.value.length > 64 ? `${op.value.slice(0, 64)}…(${op.value.length})` : op.value)}`)
  return parts.join(" ")
}

const asJson = (e: DumpEntry): unknown => {
  switch (e.kind) {
    case "record":
      return { offset: e.offset, fragments: e.fragments, sequence: e.sequence, count: e.count, ops: e.ops }
    case "bad-batch":
      return { offset: e.offset, fragments: e.fragments, bytes: e.bytes, error: e.error }
    case "drop":
      return { offset: e.drop.offset, corruption: e.drop.reason, bytes: e.drop.bytes, reported: e.drop.reported }
  }
}

const asText = (e: DumpEntry): string => {
  switch (e.kind) {
    case "record":
      return [
        `offset ${e.offset} ${e.fragments.join("+")} bytes ${e.bytes} sequence ${e.sequence} count ${e.count}`,
        ...e.ops.map((op) => `  ${opText(op)}`),
      ].join("\n")
    case "bad-batch":
      return `offset ${e.offset} ${e.fragments.join("+")} bytes ${e.bytes} not a WriteBatch: ${e.error}`
    case "drop":
      return `corruption at offset ${e.drop.offset}: ${e.drop.bytes} bytes dropped: ${e.drop.reason}${e.drop.reported ? "" : " (a torn tail or stale data; RocksDB drops it silently)"}`
  }
}

const main = (argv: ReadonlyArray<string>): number => {
  let parsed: ReturnType<typeof parse>
  const parse = () =>
    parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { json: { type: "boolean", default: false }, "log-number": { type: "string" }, help: { type: "boolean", short: "h" } },
    })
  try {
    parsed = parse()
  } catch (e) {
    console.error(`wal: ${e instanceof Error ? e.message : String(e)}\n${usage}`)
    return 1
  }
  const { values, positionals } = parsed
  if (values.help) {
    console.log(usage)
    return 0
  }
  const [command, file, ...rest] = positionals
  if (command !== "dump" || file === undefined || rest.length > 0) {
    console.error(usage)
    return 1
  }
  const logNumberArg = values["log-number"]
  const logNumber = logNumberArg === undefined ? undefined : Number(logNumberArg)
  if (logNumber !== undefined && !(Number.isSafeInteger(logNumber) && logNumber >= 0)) {
    console.error(`wal: --log-number must be a non-negative integer\n${usage}`)
    return 1
  }
  let dirty = false
  try {
    for (const e of dumpLog(makeNodeLogFile({}), file, logNumber === undefined ? {} : { logNumber })) {
      if (e.kind !== "record") dirty = true
      console.log(values.json ? JSON.stringify(asJson(e)) : asText(e))
    }
  } catch (e) {
    console.error(`wal dump: ${e instanceof Error ? e.message : String(e)}`)
    return 1
  }
  return dirty ? 2 : 0
}

process.exitCode = main(process.argv.slice(2))
