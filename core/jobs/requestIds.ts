import { requestId } from "../pipeline/batch.ts"

/**
 * `requestId(namespace, name)` for many names under one namespace, fast enough to check a million
 * rows in well under a second (collect's exactly-once check): the SHA-1 state after the namespace's
 * whole 64-byte blocks is computed once, each name costs one or two block compressions. Equal to
 * `requestId` by construction (and by test); names of characters outside ASCII use `requestId` itself.
 */
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"))

const compress = (h: Int32Array, w: Int32Array): void => {
  for (let t = 16; t < 80; t++) {
    const x = w[t - 3]! ^ w[t - 8]! ^ w[t - 14]! ^ w[t - 16]!
    w[t] = (x << 1) | (x >>> 31)
  }
  let a = h[0]!, b = h[1]!, c = h[2]!, d = h[3]!, e = h[4]!
  for (let t = 0; t < 80; t++) {
    let f: number, k: number
    if (t < 20) {
      f = (b & c) | (~b & d)
      k = 0x5a827999
    } else if (t < 40) {
      f = b ^ c ^ d
      k = 0x6ed9eba1
    } else if (t < 60) {
      f = (b & c) | (b & d) | (c & d)
      k = 0x8f1bbcdc | 0
    } else {
      f = b ^ c ^ d
      k = 0xca62c1d6 | 0
    }
    const tmp = (((a << 5) | (a >>> 27)) + f + e + k + w[t]!) | 0
    e = d
    d = c
    c = (b << 30) | (b >>> 2)
    b = a
    a = tmp
  }
  h[0] = (h[0]! + a) | 0
  h[1] = (h[1]! + b) | 0
  h[2] = (h[2]! + c) | 0
  h[3] = (h[3]! + d) | 0
  h[4] = (h[4]! + e) | 0
}

const isAscii = (s: string) => {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false
  return true
}

export const requestIds = (namespace: string): ((name: string) => string) => {
  if (!isAscii(namespace)) return (name) => requestId(namespace, name)
  const prefix = namespace + "\0"
  const whole = Math.floor(prefix.length / 64)
  const mid = new Int32Array([0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476, 0xc3d2e1f0 | 0])
  const w = new Int32Array(80)
  for (let b = 0; b < whole; b++) {
    for (let i = 0; i < 16; i++) {
      const o = b * 64 + i * 4
      w[i] = (prefix.charCodeAt(o) << 24) | (prefix.charCodeAt(o + 1) << 16) | (prefix.charCodeAt(o + 2) << 8) | prefix.charCodeAt(o + 3)
    }
    compress(mid, w)
  }
  const tail = prefix.slice(whole * 64)
  const h = new Int32Array(5)
  const bytes = new Uint8Array(128)
  return (name) => {
    if (!isAscii(name)) return requestId(namespace, name)
    const msg = tail + name
    const n = msg.length
    const blocks = n + 9 <= 64 ? 1 : 2
    if (n + 9 > 128) return requestId(namespace, name)
    bytes.fill(0)
    for (let i = 0; i < n; i++) bytes[i] = msg.charCodeAt(i)
    bytes[n] = 0x80
    const bits = (whole * 64 + n) * 8
    const end = blocks * 64
    bytes[end - 4] = (bits >>> 24) & 0xff
    bytes[end - 3] = (bits >>> 16) & 0xff
    bytes[end - 2] = (bits >>> 8) & 0xff
    bytes[end - 1] = bits & 0xff
    h.set(mid)
    for (let b = 0; b < blocks; b++) {
      for (let i = 0; i < 16; i++) {
        const o = b * 64 + i * 4
        w[i] = (bytes[o]! << 24) | (bytes[o + 1]! << 16) | (bytes[o + 2]! << 8) | bytes[o + 3]!
      }
      compress(h, w)
    }
    let s = ""
    for (let k = 0; k < 16; k++) {
      let byte = (h[k >> 2]! >>> (24 - 8 * (k & 3))) & 0xff
      if (k === 6) byte = (byte & 0x0f) | 0x50
      else if (k === 8) byte = (byte & 0x3f) | 0x80
      s += HEX[byte]
      if (k === 3 || k === 5 || k === 7 || k === 9) s += "-"
    }
    return s
  }
}

/**
 * Whether `text` holds, at `pos`, the request id of `${row}:${property}` under `namespace`: the same
 * digest as `requestIds`, compared character by character without building strings (collect checks a
 * million lines with it). Namespaces or properties outside ASCII fall back to comparing strings.
 */
export const requestIdMatcher = (namespace: string): ((row: number, property: string, text: string, pos: number) => boolean) => {
  const slow = requestIds(namespace)
  const prefix = namespace + "\0"
  if (!isAscii(namespace)) return (row, property, text, pos) => text.startsWith(slow(`${row}:${property}`), pos)
  const whole = Math.floor(prefix.length / 64)
  const mid = new Int32Array([0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476, 0xc3d2e1f0 | 0])
  const w = new Int32Array(80)
  for (let b = 0; b < whole; b++) {
    for (let i = 0; i < 16; i++) {
      const o = b * 64 + i * 4
      w[i] = (prefix.charCodeAt(o) << 24) | (prefix.charCodeAt(o + 1) << 16) | (prefix.charCodeAt(o + 2) << 8) | prefix.charCodeAt(o + 3)
    }
    compress(mid, w)
  }
  const tail = prefix.slice(whole * 64)
  const h = new Int32Array(5)
  const bytes = new Uint8Array(128)
  const digits = new Uint8Array(20)
  const hexCode = (v: number) => (v < 10 ? 48 + v : 87 + v)
  return (row, property, text, pos) => {
    if (!isAscii(property) || !Number.isSafeInteger(row) || row < 0) return text.startsWith(slow(`${row}:${property}`), pos)
    let n = 0
    for (let i = 0; i < tail.length; i++) bytes[n++] = tail.charCodeAt(i)
    let d = 0
    let r = row
    do {
      digits[d++] = 48 + (r % 10)
      r = Math.floor(r / 10)
    } while (r > 0)
    while (d > 0) bytes[n++] = digits[--d]!
    bytes[n++] = 58
    for (let i = 0; i < property.length; i++) bytes[n++] = property.charCodeAt(i)
    if (n + 9 > 128) return text.startsWith(slow(`${row}:${property}`), pos)
    const blocks = n + 9 <= 64 ? 1 : 2
    const end = blocks * 64
    bytes.fill(0, n, end)
    bytes[n] = 0x80
    const bits = (whole * 64 + n) * 8
    bytes[end - 4] = (bits >>> 24) & 0xff
    bytes[end - 3] = (bits >>> 16) & 0xff
    bytes[end - 2] = (bits >>> 8) & 0xff
    bytes[end - 1] = bits & 0xff
    h.set(mid)
    for (let b = 0; b < blocks; b++) {
      for (let i = 0; i < 16; i++) {
        const o = b * 64 + i * 4
        w[i] = (bytes[o]! << 24) | (bytes[o + 1]! << 16) | (bytes[o + 2]! << 8) | bytes[o + 3]!
      }
      compress(h, w)
    }
    let p = pos
    for (let k = 0; k < 16; k++) {
      let byte = (h[k >> 2]! >>> (24 - 8 * (k & 3))) & 0xff
      if (k === 6) byte = (byte & 0x0f) | 0x50
      else if (k === 8) byte = (byte & 0x3f) | 0x80
      if (text.charCodeAt(p) !== hexCode(byte >>> 4) || text.charCodeAt(p + 1) !== hexCode(byte & 15)) return false
      p += 2
      if (k === 3 || k === 5 || k === 7 || k === 9) {
        if (text.charCodeAt(p) !== 45) return false
        p++
      }
    }
    return true
  }
}
