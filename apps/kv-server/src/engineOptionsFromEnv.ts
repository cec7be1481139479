/**
 * Engine options from the environment: every option of `@writepath/strategies`' schema
 * (except `path` and `strategy`, which have their own variables) as WRITEPATH_<OPTION>,
 * the option's name in SCREAMING_SNAKE_CASE (writeBufferSize -> WRITEPATH_WRITE_BUFFER_SIZE).
 *
 * Values are read as text and typed by shape ("true"/"false" booleans, decimal numbers,
 * anything else a string); the engine's own zod schema then judges them, so the rules live
 * in one place, and its complaint is reported against the variable it came from.
 */
import { EngineOptionsSchema } from "@writepath/strategies"
import { Config, Option } from "effect"

const OWN_VARIABLES = new Set(["path", "strategy"])

/** writeBufferSize -> WRITEPATH_WRITE_BUFFER_SIZE; level0StopWritesTrigger -> WRITEPATH_LEVEL0_STOP_WRITES_TRIGGER. */
export const envNameOf = (option: string): string => `WRITEPATH_${option.replace(/([A-Z])/g, "_$1").toUpperCase()}`

export const ENGINE_OPTION_VARIABLES: ReadonlyMap<string, string> = new Map(
  Object.keys(EngineOptionsSchema.shape)
    .filter((k) => !OWN_VARIABLES.has(k))
    .map((k) => [envNameOf(k), k]),
)

const typed = (text: string): boolean | number | string => {
  if (text === "true") return true
  if (text === "false") return false
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text)
  return text
}

/** The engine options the environment sets, keyed by option name (not yet validated). */
export const engineOptionsConfig: Config.Config<Readonly<Record<string, boolean | number | string>>> = Config.all(
  [...ENGINE_OPTION_VARIABLES].map(([variable, option]) =>
    Config.option(Config.string(variable)).pipe(Config.map((v) => [option, Option.map(v, typed)] as const)),
  ),
).pipe(
  Config.map((entries) => {
    const out: Record<string, boolean | number | string> = {}
    for (const [option, value] of entries) if (Option.isSome(value)) out[option] = value.value
    return out
  }),
)
