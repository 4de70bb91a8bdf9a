/**
 * A safe pickle interpreter (protocols 0–5). It walks the opcode stream with its own stack and memo and
 * builds plain JS values. It never imports or executes anything: GLOBAL / STACK_GLOBAL / INST names are
 * looked up in the caller's allow-list, and a name that is not there is refused with an error naming it.
 * REDUCE / NEWOBJ / BUILD are only performed through the hooks the allow-list gives.
 *
 * Every failure is a `ModelLoadFailed` naming the source (file) and the reason.
 */
import { ModelLoadFailed } from "../../errors/index.ts"
import {
  ATTRIBUTES,
  type AllowList,
  type GlobalRef,
  PickleObject,
  SETSTATE,
  describe,
  hasSetState,
  isGlobalRef,
  makeTuple,
} from "./values.ts"

export interface UnpickleOptions {
  /** Fully-qualified global name → allowed behaviour. Anything else is refused. */
  readonly globals?: AllowList
  /** PERSID / BINPERSID: turns a persistent id into a value (torch storages). Absent → refused. */
  readonly persistentLoad?: (pid: unknown) => unknown
  /** Names the input in error messages (a file path, or `archive.pth:archive/data.pkl`). */
  readonly source?: string
  /** What the user should do when reading fails. */
  readonly action?: string
}

const MARK = Symbol("mark")

const DEFAULT_ACTION =
  "the file is damaged, truncated or not the expected artifact: download or regenerate it (periogt setup) and retry"

class Fail {
  constructor(
    readonly reason: string,
    readonly extra: Record<string, unknown> = {},
  ) {}
}

const textDecoder = new TextDecoder("utf-8", { fatal: true })
const latin1Decoder = new TextDecoder("latin1")

/** Decodes `bytes` as a pickle; throws `ModelLoadFailed` on anything malformed or not allowed. */
export const unpickle = (bytes: Uint8Array, options: UnpickleOptions = {}): unknown =>
  decodePickle(bytes, options, (v) => v)

/**
 * Decodes `bytes` and converts the result with `convert`, inside the same error handling: a `refuse(…)`
 * (or any error) thrown by `convert` becomes a `ModelLoadFailed` naming the source.
 */
export const decodePickle = <T>(bytes: Uint8Array, options: UnpickleOptions, convert: (value: unknown) => T): T => {
  const source = options.source ?? "<pickle>"
  let pos = 0
  try {
    return convert(run(bytes, options, (p) => (pos = p)))
  } catch (e) {
    if (e instanceof ModelLoadFailed) throw e
    const reason = e instanceof Fail ? e.reason : e instanceof Error ? e.message : String(e)
    throw new ModelLoadFailed({
      message: `cannot read ${source}: ${reason}`,
      action: options.action ?? DEFAULT_ACTION,
      details: { file: source, offset: pos, ...(e instanceof Fail ? e.extra : {}) },
      cause: e,
    })
  }
}

const run = (bytes: Uint8Array, options: UnpickleOptions, track: (pos: number) => void): unknown => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const n = bytes.length
  const allow = options.globals ?? {}
  let pos = 0
  let stack: Array<unknown> = []
  const metastack: Array<Array<unknown>> = []
  const memo = new Map<number, unknown>()

  const need = (k: number, what: string) => {
    if (k < 0 || pos + k > n) throw new Fail(`truncated pickle: ${what} needs ${k} bytes at offset ${pos}, only ${n - pos} left`)
  }
  const u8 = () => {
    need(1, "opcode argument")
    return bytes[pos++]!
  }
  const u16 = () => {
    need(2, "2-byte argument")
    const v = view.getUint16(pos, true)
    pos += 2
    return v
  }
  const u32 = () => {
    need(4, "4-byte argument")
    const v = view.getUint32(pos, true)
    pos += 4
    return v
  }
  const i32 = () => {
    need(4, "4-byte argument")
    const v = view.getInt32(pos, true)
    pos += 4
    return v
  }
  const u64 = () => {
    need(8, "8-byte argument")
    const v = view.getBigUint64(pos, true)
    pos += 8
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Fail(`length ${v} is beyond any real file`)
    return Number(v)
  }
  const take = (k: number, what: string) => {
    need(k, what)
    const out = bytes.subarray(pos, pos + k)
    pos += k
    return out
  }
  const line = (what: string) => {
    const end = bytes.indexOf(0x0a, pos)
    if (end < 0) throw new Fail(`truncated pickle: unterminated ${what}`)
    const s = latin1Decoder.decode(bytes.subarray(pos, end))
    pos = end + 1
    return s
  }
  const utf8 = (b: Uint8Array) => {
    try {
      return textDecoder.decode(b)
    } catch {
      throw new Fail("invalid UTF-8 in a string")
    }
  }
  const pop = (): unknown => {
    if (stack.length === 0) throw new Fail("stack underflow")
    const v = stack.pop()
    if (v === MARK) throw new Fail("unexpected MARK on the stack")
    return v
  }
  const top = (): unknown => {
    if (stack.length === 0) throw new Fail("stack underflow")
    const v = stack[stack.length - 1]
    if (v === MARK) throw new Fail("unexpected MARK on the stack")
    return v
  }
  const popMark = (): Array<unknown> => {
    const items = stack
    const prev = metastack.pop()
    if (prev === undefined) throw new Fail("no MARK to pop to")
    stack = prev
    return items
  }
  const memoGet = (k: number) => {
    if (!memo.has(k)) throw new Fail(`memo key ${k} was never stored`)
    return memo.get(k)
  }
  const memoPut = (k: number) => {
    memo.set(k, top())
  }
  const resolveGlobal = (module: string, name: string): GlobalRef => {
    const full = `${module}.${name}`
    const handler = Object.prototype.hasOwnProperty.call(allow, full) ? allow[full] : undefined
    if (handler === undefined)
      throw new Fail(`refused global ${full}: not in the allow-list of this reader (nothing was executed)`, {
        global: full,
      })
    return { _tag: "PickleGlobal", name: full, handler }
  }
  const callGlobal = (f: unknown, args: unknown, opname: string): unknown => {
    if (!isGlobalRef(f)) throw new Fail(`${opname} on ${describe(f)}, which is not an allowed callable`)
    if (!Array.isArray(args)) throw new Fail(`${opname} arguments for ${f.name} are ${describe(args)}, not a tuple`)
    if (f.handler.call === undefined)
      throw new Fail(`refused ${opname} of global ${f.name}: calling it is not allowed`, { global: f.name })
    return f.handler.call(args)
  }
  const construct = (cls: unknown, args: unknown, kwargs: ReadonlyMap<unknown, unknown>, opname: string): unknown => {
    if (!isGlobalRef(cls)) throw new Fail(`${opname} on ${describe(cls)}, which is not an allowed class`)
    if (!Array.isArray(args)) throw new Fail(`${opname} arguments for ${cls.name} are ${describe(args)}, not a tuple`)
    if (cls.handler.construct === undefined)
      throw new Fail(`refused ${opname} of global ${cls.name}: instantiating it is not allowed`, { global: cls.name })
    return cls.handler.construct(args, kwargs)
  }
  const setItems = (d: unknown, items: ReadonlyArray<unknown>) => {
    if (!(d instanceof Map)) throw new Fail(`SETITEM(S) on ${describe(d)}, not a dict`)
    if (items.length % 2 !== 0) throw new Fail("SETITEMS with an odd number of items")
    for (let i = 0; i < items.length; i += 2) d.set(items[i], items[i + 1])
  }
  const appendItems = (l: unknown, items: ReadonlyArray<unknown>) => {
    if (!Array.isArray(l) || Object.isFrozen(l)) throw new Fail(`APPEND(S) on ${describe(l)}, not a list`)
    for (const it of items) l.push(it)
  }
  const build = (obj: unknown, state: unknown) => {
    if (hasSetState(obj)) return obj[SETSTATE](state)
    if (obj instanceof PickleObject) {
      let dictState = state
      let slotState: unknown = null
      if (Array.isArray(state) && state.length === 2 && (state[0] === null || state[0] instanceof Map)) {
        dictState = state[0]
        slotState = state[1]
      }
      if (dictState instanceof Map) {
        for (const [k, v] of dictState) obj.dict.set(String(k), v)
      } else if (dictState !== null) obj.state = dictState
      if (slotState instanceof Map) for (const [k, v] of slotState) obj.dict.set(String(k), v)
      return
    }
    if (obj instanceof Map) {
      const attrs = ((obj as unknown as Record<symbol, unknown>)[ATTRIBUTES] ??= new Map()) as Map<unknown, unknown>
      if (state instanceof Map) for (const [k, v] of state) attrs.set(k, v)
      return
    }
    throw new Fail(`BUILD on ${describe(obj)} is not supported`)
  }
  const decodeLong = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0
    let v = 0n
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!)
    if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length)
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v
  }
  const parseTextInt = (s: string): number | bigint | boolean => {
    const t = s.trim()
    if (t === "01") return true
    if (t === "00") return false
    const body = t.endsWith("L") ? t.slice(0, -1) : t
    if (!/^[+-]?\d+$/.test(body)) throw new Fail(`bad integer literal ${JSON.stringify(t.slice(0, 40))}`)
    const v = BigInt(body)
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v
  }
  const parseQuoted = (s: string): Uint8Array => {
    // Protocol-0 STRING: a Python repr. Accept the quotes and the simple escapes.
    const q = s[0]
    if ((q !== "'" && q !== '"') || s[s.length - 1] !== q || s.length < 2) throw new Fail("bad STRING literal")
    const body = s.slice(1, -1)
    const out: number[] = []
    for (let i = 0; i < body.length; i++) {
      const c = body.charCodeAt(i)
      if (c !== 0x5c) {
        out.push(c & 0xff)
        continue
      }
      const e = body[++i]
      const simple: Record<string, number> = { n: 10, r: 13, t: 9, "\\": 92, "'": 39, '"': 34, "0": 0 }
      if (e === "x") {
        out.push(parseInt(body.slice(i + 1, i + 3), 16))
        i += 2
      } else if (e !== undefined && simple[e] !== undefined) out.push(simple[e]!)
      else throw new Fail("unsupported escape in STRING literal")
    }
    return Uint8Array.from(out)
  }

  for (;;) {
    track(pos)
    if (pos >= n) throw new Fail("truncated pickle: no STOP opcode")
    const op = bytes[pos++]!
    switch (op) {
      case 0x80: {
        // PROTO
        const proto = u8()
        if (proto > 5) throw new Fail(`unsupported pickle protocol ${proto}`)
        break
      }
      case 0x95: // FRAME
        u64()
        break
      case 0x2e: // STOP
        return pop()
      case 0x28: // MARK
        metastack.push(stack)
        stack = []
        break
      case 0x30: // POP
        if (stack.length > 0 && stack[stack.length - 1] === MARK) stack.pop()
        else if (stack.length === 0 && metastack.length > 0) popMark()
        else pop()
        break
      case 0x31: // POP_MARK
        popMark()
        break
      case 0x32: // DUP
        stack.push(top())
        break
      // ---- constants
      case 0x4e: // NONE
        stack.push(null)
        break
      case 0x88: // NEWTRUE
        stack.push(true)
        break
      case 0x89: // NEWFALSE
        stack.push(false)
        break
      case 0x49: // INT
        stack.push(parseTextInt(line("INT")))
        break
      case 0x4a: // BININT
        stack.push(i32())
        break
      case 0x4b: // BININT1
        stack.push(u8())
        break
      case 0x4d: // BININT2
        stack.push(u16())
        break
      case 0x4c: {
        // LONG
        const v = parseTextInt(line("LONG"))
        stack.push(typeof v === "boolean" ? Number(v) : v)
        break
      }
      case 0x8a: // LONG1
        stack.push(decodeLong(take(u8(), "LONG1")))
        break
      case 0x8b: {
        // LONG4
        const k = i32()
        if (k < 0) throw new Fail("LONG4 with a negative length")
        stack.push(decodeLong(take(k, "LONG4")))
        break
      }
      case 0x46: {
        // FLOAT
        const s = line("FLOAT").trim()
        const v = Number(s)
        if (Number.isNaN(v) && !/^[+-]?nan$/i.test(s)) throw new Fail(`bad float literal ${JSON.stringify(s.slice(0, 40))}`)
        stack.push(v)
        break
      }
      case 0x47: {
        // BINFLOAT (big-endian)
        need(8, "BINFLOAT")
        stack.push(view.getFloat64(pos, false))
        pos += 8
        break
      }
      // ---- strings and bytes
      case 0x53: // STRING
        stack.push(latin1Decoder.decode(parseQuoted(line("STRING").trim())))
        break
      case 0x54: {
        // BINSTRING
        const k = i32()
        if (k < 0) throw new Fail("BINSTRING with a negative length")
        stack.push(latin1Decoder.decode(take(k, "BINSTRING")))
        break
      }
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1Decoder.decode(take(u8(), "SHORT_BINSTRING")))
        break
      case 0x56: // UNICODE (raw-unicode-escape)
        stack.push(line("UNICODE").replace(/\\u([0-9a-fA-F]{4})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))))
        break
      case 0x58: // BINUNICODE
        stack.push(utf8(take(u32(), "BINUNICODE")))
        break
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8(take(u8(), "SHORT_BINUNICODE")))
        break
      case 0x8d: // BINUNICODE8
        stack.push(utf8(take(u64(), "BINUNICODE8")))
        break
      case 0x42: // BINBYTES
        stack.push(take(u32(), "BINBYTES"))
        break
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8(), "SHORT_BINBYTES"))
        break
      case 0x8e: // BINBYTES8
        stack.push(take(u64(), "BINBYTES8"))
        break
      case 0x96: // BYTEARRAY8
        stack.push(take(u64(), "BYTEARRAY8").slice())
        break
      case 0x97: // NEXT_BUFFER
        throw new Fail("out-of-band buffers (NEXT_BUFFER) are not supported")
      case 0x98: // READONLY_BUFFER
        top()
        break
      // ---- containers
      case 0x29: // EMPTY_TUPLE
        stack.push(makeTuple([]))
        break
      case 0x85: // TUPLE1
        stack.push(makeTuple([pop()]))
        break
      case 0x86: {
        // TUPLE2
        const b = pop()
        const a = pop()
        stack.push(makeTuple([a, b]))
        break
      }
      case 0x87: {
        // TUPLE3
        const c = pop()
        const b = pop()
        const a = pop()
        stack.push(makeTuple([a, b, c]))
        break
      }
      case 0x74: // TUPLE
        {
          const items = popMark()
          stack.push(makeTuple(items))
        }
        break
      case 0x5d: // EMPTY_LIST
        stack.push([])
        break
      case 0x6c: // LIST
        {
          const items = popMark()
          stack.push(items)
        }
        break
      case 0x7d: // EMPTY_DICT
        stack.push(new Map())
        break
      case 0x64: {
        // DICT
        const items = popMark()
        const d = new Map()
        setItems(d, items)
        stack.push(d)
        break
      }
      case 0x8f: // EMPTY_SET
        stack.push(new Set())
        break
      case 0x91: // FROZENSET
        {
          const items = popMark()
          stack.push(new Set(items))
        }
        break
      case 0x90: {
        // ADDITEMS
        const items = popMark()
        const s = top()
        if (!(s instanceof Set)) throw new Fail(`ADDITEMS on ${describe(s)}, not a set`)
        for (const it of items) s.add(it)
        break
      }
      case 0x61: {
        // APPEND
        const v = pop()
        appendItems(top(), [v])
        break
      }
      case 0x65: {
        // APPENDS
        const items = popMark()
        appendItems(top(), items)
        break
      }
      case 0x73: {
        // SETITEM
        const v = pop()
        const k = pop()
        setItems(top(), [k, v])
        break
      }
      case 0x75: {
        // SETITEMS
        const items = popMark()
        setItems(top(), items)
        break
      }
      // ---- memo
      case 0x67: // GET
        stack.push(memoGet(Number(parseTextInt(line("GET")))))
        break
      case 0x68: // BINGET
        stack.push(memoGet(u8()))
        break
      case 0x6a: // LONG_BINGET
        stack.push(memoGet(u32()))
        break
      case 0x70: // PUT
        memoPut(Number(parseTextInt(line("PUT"))))
        break
      case 0x71: // BINPUT
        memoPut(u8())
        break
      case 0x72: // LONG_BINPUT
        memoPut(u32())
        break
      case 0x94: // MEMOIZE
        memoPut(memo.size)
        break
      // ---- globals and objects: only through the allow-list
      case 0x63: {
        // GLOBAL
        const module = line("GLOBAL module")
        const name = line("GLOBAL name")
        stack.push(resolveGlobal(module, name))
        break
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop()
        const module = pop()
        if (typeof module !== "string" || typeof name !== "string") throw new Fail("STACK_GLOBAL with non-string names")
        stack.push(resolveGlobal(module, name))
        break
      }
      case 0x82:
      case 0x83:
      case 0x84:
        throw new Fail("extension-registry globals (EXT1/2/4) are refused")
      case 0x52: {
        // REDUCE
        const args = pop()
        const f = pop()
        stack.push(callGlobal(f, args, "REDUCE"))
        break
      }
      case 0x81: {
        // NEWOBJ
        const args = pop()
        const cls = pop()
        stack.push(construct(cls, args, new Map(), "NEWOBJ"))
        break
      }
      case 0x92: {
        // NEWOBJ_EX
        const kwargs = pop()
        const args = pop()
        const cls = pop()
        if (!(kwargs instanceof Map)) throw new Fail("NEWOBJ_EX keyword arguments are not a dict")
        stack.push(construct(cls, args, kwargs, "NEWOBJ_EX"))
        break
      }
      case 0x69: {
        // INST
        const module = line("INST module")
        const name = line("INST name")
        const args = popMark()
        stack.push(construct(resolveGlobal(module, name), makeTuple(args), new Map(), "INST"))
        break
      }
      case 0x6f: {
        // OBJ
        const items = popMark()
        if (items.length === 0) throw new Fail("OBJ without a class")
        const [cls, ...args] = items
        stack.push(construct(cls, makeTuple(args), new Map(), "OBJ"))
        break
      }
      case 0x62: {
        // BUILD
        const state = pop()
        build(top(), state)
        break
      }
      case 0x50: {
        // PERSID
        const pid = line("PERSID")
        if (options.persistentLoad === undefined) throw new Fail("persistent ids are not allowed in this file")
        stack.push(options.persistentLoad(pid))
        break
      }
      case 0x51: {
        // BINPERSID
        const pid = pop()
        if (options.persistentLoad === undefined) throw new Fail("persistent ids are not allowed in this file")
        stack.push(options.persistentLoad(pid))
        break
      }
      default:
        throw new Fail(`unknown opcode 0x${op.toString(16).padStart(2, "0")} at offset ${pos - 1}`)
    }
  }
}

/** For allow-list handlers: reject a malformed argument; becomes the `ModelLoadFailed` reason. */
export const refuse = (reason: string): never => {
  throw new Fail(reason)
}

/** Reads a pickle file and decodes it with `parse`; an unreadable file is `model_load_failed` naming it. */
export const readPickleFile = async <T>(path: string, action: string, parse: (bytes: Uint8Array, source: string) => T): Promise<T> => {
  let bytes: Uint8Array
  try {
    bytes = new Uint8Array(await Bun.file(path).arrayBuffer())
  } catch (e) {
    throw new ModelLoadFailed({ message: `cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`, action, details: { file: path }, cause: e })
  }
  return parse(bytes, path)
}
