export { WritepathLevel, type WritepathLevelOptions } from "./WritepathLevel.ts"
