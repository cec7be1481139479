/**
 * Picking a write strategy by configuration: `Strategy.fromConfig(options)` validates the
 * engine options (zod; unknown keys and contradicting flags are errors naming the field)
 * and returns the layer of the strategy they select.
 */
import type { Layer } from "effect"
import * as Classic from "./Classic.ts"
import * as ConcurrentMemtable from "./ConcurrentMemtable.ts"
import { type EngineOptions, parseEngineOptions, type StrategyName } from "./EngineOptions.ts"
import * as Pipelined from "./Pipelined.ts"
import * as TwoQueue from "./TwoQueue.ts"
import type { WritePathEnv } from "./WritePathEnv.ts"
import type { WriteStrategy } from "./WriteStrategy.ts"

export type StrategyLayer = Layer.Layer<WriteStrategy, never, WritePathEnv>

export const layerFor = (name: StrategyName): StrategyLayer => {
  switch (name) {
    case "classic":
      return Classic.layer
    case "pipelined":
      return Pipelined.layer
    case "two-queue":
      return TwoQueue.layer
    case "concurrent-memtable":
      return ConcurrentMemtable.layer
  }
}

/** Validated options and the layer of the strategy they select. Throws InvalidOptions. */
export const fromConfig = (input: unknown, env?: Record<string, string | undefined>): { options: EngineOptions; layer: StrategyLayer } => {
  const options = parseEngineOptions(input, env)
  return { options, layer: layerFor(options.strategy) }
}
