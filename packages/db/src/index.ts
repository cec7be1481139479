export * from "./DbError.ts"
export { Transaction, type TransactionState } from "./Transaction.ts"
