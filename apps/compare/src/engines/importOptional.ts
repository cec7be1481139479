/**
 * Loads a module that may be missing or fail to load (a native peer on Bun or Deno, a
 * workspace package still being built). The specifier is a variable on purpose: the type
 * checker must not follow it, so this app compiles whatever state those packages are in;
 * each adapter states the shape it expects and checks it at run time.
 */
export type Imported<T> = { readonly ok: true; readonly module: T } | { readonly ok: false; readonly reason: string }

export const importOptional = async <T>(specifier: string): Promise<Imported<T>> => {
  try {
    return { ok: true, module: (await import(specifier)) as T }
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e)
    return { ok: false, reason: `cannot load ${specifier}: ${message.split("\n")[0]}` }
  }
}
