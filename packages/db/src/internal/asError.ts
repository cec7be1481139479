/** What a rejection or throw carried, as an Error (the background error and write statuses are Errors). */
export const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)))
