/** A tiny STORED-only ZIP writer for tests (hostile checkpoints made in memory). */
import { crc32 } from "../../core/model/checkpoint/zip.ts"

export const writeZip = (entries: ReadonlyArray<[string, Uint8Array]>): Uint8Array => {
  const enc = new TextEncoder()
  const parts: Uint8Array[] = []
  const central: Uint8Array[] = []
  let offset = 0
  for (const [name, data] of entries) {
    const n = enc.encode(name)
    const crc = crc32(data)
    const lh = new Uint8Array(30 + n.length)
    const lv = new DataView(lh.buffer)
    lv.setUint32(0, 0x04034b50, true)
    lv.setUint16(4, 20, true)
    lv.setUint32(14, crc, true)
    lv.setUint32(18, data.length, true)
    lv.setUint32(22, data.length, true)
    lv.setUint16(26, n.length, true)
    lh.set(n, 30)
    const ch = new Uint8Array(46 + n.length)
    const cv = new DataView(ch.buffer)
    cv.setUint32(0, 0x02014b50, true)
    cv.setUint16(4, 20, true)
    cv.setUint16(6, 20, true)
    cv.setUint32(16, crc, true)
    cv.setUint32(20, data.length, true)
    cv.setUint32(24, data.length, true)
    cv.setUint16(28, n.length, true)
    cv.setUint32(42, offset, true)
    ch.set(n, 46)
    parts.push(lh, data)
    central.push(ch)
    offset += lh.length + data.length
  }
  const cdSize = central.reduce((a, c) => a + c.length, 0)
  const eocd = new Uint8Array(22)
  const ev = new DataView(eocd.buffer)
  ev.setUint32(0, 0x06054b50, true)
  ev.setUint16(8, entries.length, true)
  ev.setUint16(10, entries.length, true)
  ev.setUint32(12, cdSize, true)
  ev.setUint32(16, offset, true)
  const all = [...parts, ...central, eocd]
  const out = new Uint8Array(all.reduce((a, c) => a + c.length, 0))
  let p = 0
  for (const c of all) {
    out.set(c, p)
    p += c.length
  }
  return out
}

/** Concatenates byte chunks / latin1 strings into one pickle byte string. */
export const bytesOf = (...chunks: Array<string | number[] | Uint8Array>): Uint8Array => {
  const arrs = chunks.map((c) =>
    typeof c === "string" ? Uint8Array.from(c, (ch) => ch.charCodeAt(0)) : c instanceof Uint8Array ? c : Uint8Array.from(c),
  )
  const out = new Uint8Array(arrs.reduce((a, c) => a + c.length, 0))
  let p = 0
  for (const a of arrs) {
    out.set(a, p)
    p += a.length
  }
  return out
}
