export * from "./DbUnderTest.ts"
export { type DbConformanceOptions, dbConformanceSuite } from "./dbConformanceSuite.ts"
export {
  FaultInjector,
  type FaultOp,
  type FaultRule,
  type FiredFault,
  layerFaultyLogFile,
  makeFaultyFsyncDir,
  makeFaultyLogFile,
} from "./FaultyLogFile.ts"
export { layerMemoryLogFile, type MemoryLogFileSystem, makeMemoryLogFile } from "./MemoryLogFile.ts"
export { fromModelKey, type ModelOp, type ModelRange, modelKey, ReferenceModel } from "./ReferenceModel.ts"
