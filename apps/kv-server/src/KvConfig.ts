/**
 * The server's configuration, read with Effect `Config` from environment variables. A bad
 * value stops start-up with a ConfigError naming the variable.
 *
 * | variable | meaning | default |
 * |---|---|---|
 * | PORT | TCP port (0: any free port) | 8080 |
 * | HOST | address to listen on | 127.0.0.1 (loopback only) |
 * | WRITEPATH_PATH | database folder | ./kv-data |
 * | WRITEPATH_STRATEGY | classic, pipelined, two-queue, concurrent-memtable | classic |
 * | WRITEPATH_TOKEN | when set, every request needs `Authorization: Bearer <token>` | unset |
 * | WRITEPATH_MAX_BODY_BYTES | request bodies above this get 413 | 4 MiB |
 * | WRITEPATH_MAX_KEY_BYTES | keys above this (UTF-8 bytes) get 400 | 4096 |
 * | WRITEPATH_NO_SLOWDOWN | a write that meets a write stall fails with 503 instead of waiting | true |
 * | WRITEPATH_LOG_LEVEL | all, trace, debug, info, warn, error, fatal, off | info |
 * | WRITEPATH_<OPTION> | any engine option, e.g. WRITEPATH_WRITE_BUFFER_SIZE=1048576 | the engine's |
 */
import type { OpenOptions } from "@writepath/db"
import { type EngineOptions, parseEngineOptions, STRATEGIES, type StrategyName } from "@writepath/strategies"
import { Config, ConfigError, Either, LogLevel, type Option, type Redacted } from "effect"
import { ENGINE_OPTION_VARIABLES, engineOptionsConfig, envNameOf } from "./engineOptionsFromEnv.ts"

export interface KvConfig {
  readonly port: number
  readonly host: string
  readonly token: Option.Option<Redacted.Redacted<string>>
  readonly maxBodyBytes: number
  readonly maxKeyBytes: number
  readonly noSlowdown: boolean
  readonly logLevel: LogLevel.LogLevel
  /** Engine options from path, strategy and every WRITEPATH_<OPTION> variable, validated. */
  readonly engine: EngineConfig
}

export interface EngineConfig {
  /**
   * What `open` is given (the engine validates it again and fills in its defaults). Built from
   * environment variables, so its type is the open options' only after `parseEngineOptions` passed.
   */
  readonly input: OpenOptions & { readonly strategy: StrategyName }
  /** The same after validation, defaults filled in. */
  readonly options: EngineOptions
}

const positiveInt = (name: string, fallback: number): Config.Config<number> =>
  Config.integer(name).pipe(
    Config.validate({ message: "must be a positive integer", validation: (n) => n > 0 }),
    Config.withDefault(fallback),
  )

/** The variable an engine option came from, for an error message. */
const variableOf = (field: string): string => {
  if (field === "path") return "WRITEPATH_PATH"
  if (field === "strategy") return "WRITEPATH_STRATEGY"
  const name = envNameOf(field.split(",")[0]!.trim())
  return ENGINE_OPTION_VARIABLES.has(name) ? name : field
}

/** Runs the engine's own validation; its InvalidOptions becomes a ConfigError naming the variable. */
const validateEngine = (input: {
  readonly path: string
  readonly strategy: StrategyName
  readonly engineOptions: Readonly<Record<string, boolean | number | string>>
}): Either.Either<EngineConfig, ConfigError.ConfigError> => {
  try {
    const engineInput = { ...input.engineOptions, path: input.path, strategy: input.strategy }
    // env {}: the strategy comes from WRITEPATH_STRATEGY through Config above, not read twice.
    const options = parseEngineOptions(engineInput, {})
    return Either.right({ input: engineInput as OpenOptions & { readonly strategy: StrategyName }, options })
  } catch (e) {
    const field = typeof e === "object" && e !== null && "field" in e ? String(e.field) : "(options)"
    const reason = typeof e === "object" && e !== null && "reason" in e ? String(e.reason) : String(e)
    return Either.left(ConfigError.InvalidData([variableOf(field)], reason))
  }
}

const engineConfig: Config.Config<EngineConfig> = Config.all({
  path: Config.nonEmptyString("WRITEPATH_PATH").pipe(Config.withDefault("./kv-data")),
  strategy: Config.literal(...STRATEGIES)("WRITEPATH_STRATEGY").pipe(Config.withDefault("classic" as const)),
  engineOptions: engineOptionsConfig,
}).pipe(Config.mapOrFail(validateEngine))

export const kvConfig: Config.Config<KvConfig> = Config.all({
  port: Config.integer("PORT").pipe(
    Config.validate({ message: "must be a TCP port, 0 to 65535 (0: any free port)", validation: (n) => n >= 0 && n <= 65535 }),
    Config.withDefault(8080),
  ),
  host: Config.nonEmptyString("HOST").pipe(Config.withDefault("127.0.0.1")),
  token: Config.option(Config.redacted(Config.nonEmptyString("WRITEPATH_TOKEN"))),
  maxBodyBytes: positiveInt("WRITEPATH_MAX_BODY_BYTES", 4 * 1024 * 1024),
  maxKeyBytes: positiveInt("WRITEPATH_MAX_KEY_BYTES", 4096),
  noSlowdown: Config.boolean("WRITEPATH_NO_SLOWDOWN").pipe(Config.withDefault(true)),
  logLevel: Config.logLevel("WRITEPATH_LOG_LEVEL").pipe(Config.withDefault(LogLevel.Info)),
  engine: engineConfig,
})
