/** `collections.OrderedDict` → Map (insertion-ordered, like Python's). */
import type { AllowList } from "./values.ts"
import { refuse } from "./unpickle.ts"

const orderedDict = (args: ReadonlyArray<unknown>): Map<unknown, unknown> => {
  const m = new Map<unknown, unknown>()
  const init = args[0]
  if (init === undefined || init === null) return m
  if (init instanceof Map) {
    for (const [k, v] of init) m.set(k, v)
    return m
  }
  if (Array.isArray(init)) {
    for (const pair of init) {
      if (!Array.isArray(pair) || pair.length !== 2) refuse("OrderedDict initialiser is not a list of pairs")
      m.set((pair as Array<unknown>)[0], (pair as Array<unknown>)[1])
    }
    return m
  }
  return refuse("OrderedDict initialiser is not a dict or a list of pairs")
}

export const COLLECTIONS_GLOBALS: AllowList = {
  "collections.OrderedDict": { call: orderedDict, construct: orderedDict },
}
