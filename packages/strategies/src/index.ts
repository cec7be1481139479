export * from "./EngineOptions.ts"
