/**
 * The plain JS values the pickle interpreter produces, and the handle types the caller's allow-list
 * works with. Nothing here executes anything named by a pickle: a global is only ever a lookup in the
 * caller's allow-list.
 *
 * Mapping: None → null, bool → boolean, int → number (bigint beyond 2^53), float → number,
 * str → string, bytes/bytearray → Uint8Array, list → array, tuple → frozen array (see `isTuple`),
 * dict → Map, set/frozenset → Set, an instance of an allowed class → whatever its handler returns
 * (by default a `PickleObject`).
 */

/** A global resolved from the allow-list; what GLOBAL / STACK_GLOBAL push on the stack. */
export interface GlobalRef {
  readonly _tag: "PickleGlobal"
  /** `module.qualname`, e.g. `collections.OrderedDict`. */
  readonly name: string
  readonly handler: GlobalHandler
}

/** What a caller allows a global to do. Absent hooks are refused when a pickle tries to use them. */
export interface GlobalHandler {
  /** REDUCE: `global(*args)`. */
  readonly call?: (args: ReadonlyArray<unknown>) => unknown
  /** NEWOBJ / NEWOBJ_EX / OBJ / INST: `global.__new__(global, *args)`. */
  readonly construct?: (args: ReadonlyArray<unknown>, kwargs: ReadonlyMap<unknown, unknown>) => unknown
}

/** The caller's allow-list: fully-qualified global name (`module.name`) → what it may do. */
export type AllowList = Readonly<Record<string, GlobalHandler>>

/** An instance of an allowed class with no dedicated representation: its class, arguments and state. */
export class PickleObject {
  readonly _tag = "PickleObject"
  /** `__dict__` after BUILD (string keys). */
  readonly dict = new Map<string, unknown>()
  /** A BUILD state that is not a dict (kept as is). */
  state: unknown = undefined
  constructor(
    readonly className: string,
    readonly args: ReadonlyArray<unknown> = [],
  ) {}
  get(key: string): unknown {
    return this.dict.get(key)
  }
}

/** Objects that handle BUILD themselves implement this symbol. */
export const SETSTATE: unique symbol = Symbol.for("periogt.pickle.setstate")
export interface SetStateable {
  [SETSTATE](state: unknown): void
}

/** Attributes set by BUILD on a dict-like value (e.g. the `_metadata` of a torch state dict). */
export const ATTRIBUTES: unique symbol = Symbol.for("periogt.pickle.attributes")

const TUPLE: unique symbol = Symbol.for("periogt.pickle.tuple")

export const makeTuple = (items: Array<unknown>): ReadonlyArray<unknown> => {
  Object.defineProperty(items, TUPLE, { value: true, enumerable: false })
  return Object.freeze(items)
}

export const isTuple = (u: unknown): u is ReadonlyArray<unknown> =>
  Array.isArray(u) && (u as unknown as Record<symbol, unknown>)[TUPLE] === true

export const isGlobalRef = (u: unknown): u is GlobalRef =>
  typeof u === "object" && u !== null && (u as { _tag?: unknown })._tag === "PickleGlobal"

export const hasSetState = (u: unknown): u is SetStateable =>
  typeof u === "object" && u !== null && typeof (u as Record<symbol, unknown>)[SETSTATE] === "function"

/** A handler for a class whose instances become `PickleObject`s (state filled in by BUILD). */
export const plainClass = (name: string): GlobalHandler => ({
  construct: (args) => new PickleObject(name, args),
  call: (args) => new PickleObject(name, args),
})

/** A short description of a value for error messages. */
export const describe = (u: unknown): string => {
  if (u === null) return "None"
  if (isGlobalRef(u)) return `global ${u.name}`
  if (isTuple(u)) return `tuple(${u.length})`
  if (Array.isArray(u)) return `list(${u.length})`
  if (u instanceof Map) return `dict(${u.size})`
  if (u instanceof Uint8Array) return `bytes(${u.length})`
  if (u instanceof PickleObject) return `${u.className} instance`
  if (typeof u === "object") return (u as { constructor?: { name?: string } }).constructor?.name ?? "object"
  return typeof u
}
