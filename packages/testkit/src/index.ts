export * from "./DbUnderTest.ts"
export { type DbConformanceOptions, dbConformanceSuite } from "./dbConformanceSuite.ts"
export { fromModelKey, type ModelOp, type ModelRange, modelKey, ReferenceModel } from "./ReferenceModel.ts"
