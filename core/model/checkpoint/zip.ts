/**
 * A minimal ZIP reader for `torch.save` archives: reads the central directory (ZIP64 included) and
 * individual entries by byte range, so a 350 MB checkpoint is read once, entry by entry, never whole.
 * Entries are STORED (what torch writes) or DEFLATEd (a re-zipped file); CRC-32 is verified.
 */
import { inflateRawSync } from "node:zlib"

/** Random access to bytes: a file (read by slices) or memory. */
export interface ByteSource {
  readonly name: string
  readonly size: number
  read(offset: number, length: number): Promise<Uint8Array>
}

export const fileSource = (path: string): ByteSource => {
  const file = Bun.file(path)
  return {
    name: path,
    size: file.size,
    read: async (offset, length) => new Uint8Array(await file.slice(offset, offset + length).arrayBuffer()),
  }
}

export const memorySource = (bytes: Uint8Array, name = "<memory>"): ByteSource => ({
  name,
  size: bytes.length,
  read: async (offset, length) => bytes.subarray(offset, offset + length),
})

export interface ZipEntry {
  readonly name: string
  readonly method: number
  readonly crc32: number
  readonly compressedSize: number
  readonly size: number
  readonly localHeaderOffset: number
}

/** A malformed archive throws a plain `Error`; the checkpoint reader turns it into `ModelLoadFailed`. */
const ZipFormatError = Error

const EOCD_SIG = 0x06054b50
const ZIP64_LOCATOR_SIG = 0x07064b50
const ZIP64_EOCD_SIG = 0x06064b50
const CD_SIG = 0x02014b50
const LOCAL_SIG = 0x04034b50

const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength)

const u64 = (v: DataView, at: number): number => {
  const x = v.getBigUint64(at, true)
  if (x > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipFormatError("a ZIP64 size or offset is out of range")
  return Number(x)
}

export class ZipReader {
  private constructor(
    readonly source: ByteSource,
    readonly entries: ReadonlyMap<string, ZipEntry>,
  ) {}

  static async open(source: ByteSource): Promise<ZipReader> {
    const size = source.size
    if (size < 22) throw new ZipFormatError(`the file is ${size} bytes long, too short to be a ZIP archive`)
    const tailLen = Math.min(size, 22 + 0xffff + 20)
    const tail = await source.read(size - tailLen, tailLen)
    const tv = dv(tail)
    let eocd = -1
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tv.getUint32(i, true) === EOCD_SIG) {
        eocd = i
        break
      }
    }
    if (eocd < 0) throw new ZipFormatError("no end-of-central-directory record: the file is truncated or not a ZIP archive")
    let entryCount = tv.getUint16(eocd + 10, true)
    let cdSize = tv.getUint32(eocd + 12, true)
    let cdOffset = tv.getUint32(eocd + 16, true)
    if (entryCount === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      const loc = eocd - 20
      if (loc < 0 || tv.getUint32(loc, true) !== ZIP64_LOCATOR_SIG)
        throw new ZipFormatError("ZIP64 archive without a ZIP64 locator")
      const z64Offset = u64(tv, loc + 8)
      if (z64Offset + 56 > size) throw new ZipFormatError("the ZIP64 end record lies beyond the end of the file")
      const z = await source.read(z64Offset, 56)
      const zv = dv(z)
      if (zv.getUint32(0, true) !== ZIP64_EOCD_SIG) throw new ZipFormatError("bad ZIP64 end-of-central-directory record")
      entryCount = u64(zv, 32)
      cdSize = u64(zv, 40)
      cdOffset = u64(zv, 48)
    }
    if (cdOffset + cdSize > size)
      throw new ZipFormatError(
        `the central directory (${cdSize} bytes at ${cdOffset}) lies beyond the end of the file (${size} bytes): truncated`,
      )
    const cd = await source.read(cdOffset, cdSize)
    const cv = dv(cd)
    const entries = new Map<string, ZipEntry>()
    let p = 0
    const dec = new TextDecoder()
    for (let i = 0; i < entryCount; i++) {
      if (p + 46 > cd.length || cv.getUint32(p, true) !== CD_SIG)
        throw new ZipFormatError(`central directory entry ${i} is damaged`)
      const method = cv.getUint16(p + 10, true)
      const crc32 = cv.getUint32(p + 16, true)
      let compressedSize = cv.getUint32(p + 20, true)
      let usize = cv.getUint32(p + 24, true)
      const nameLen = cv.getUint16(p + 28, true)
      const extraLen = cv.getUint16(p + 30, true)
      const commentLen = cv.getUint16(p + 32, true)
      let localHeaderOffset = cv.getUint32(p + 42, true)
      if (p + 46 + nameLen + extraLen + commentLen > cd.length)
        throw new ZipFormatError(`central directory entry ${i} overruns the directory`)
      const name = dec.decode(cd.subarray(p + 46, p + 46 + nameLen))
      // ZIP64 extended information: the fields that are saturated, in order.
      let e = p + 46 + nameLen
      const eEnd = e + extraLen
      while (e + 4 <= eEnd) {
        const id = cv.getUint16(e, true)
        const len = cv.getUint16(e + 2, true)
        if (id === 0x0001) {
          let q = e + 4
          if (usize === 0xffffffff) (usize = u64(cv, q)), (q += 8)
          if (compressedSize === 0xffffffff) (compressedSize = u64(cv, q)), (q += 8)
          if (localHeaderOffset === 0xffffffff) (localHeaderOffset = u64(cv, q)), (q += 8)
        }
        e += 4 + len
      }
      if (entries.has(name)) throw new ZipFormatError(`duplicate entry ${name}`)
      entries.set(name, { name, method, crc32, compressedSize, size: usize, localHeaderOffset })
      p += 46 + nameLen + extraLen + commentLen
    }
    return new ZipReader(source, entries)
  }

  /** Reads one entry (decompressed) and verifies its size and CRC-32. */
  async read(name: string, options: { verifyCrc?: boolean } = {}): Promise<Uint8Array> {
    const entry = this.entries.get(name)
    if (entry === undefined) throw new ZipFormatError(`the archive has no entry ${name}`)
    const size = this.source.size
    if (entry.localHeaderOffset + 30 > size) throw new ZipFormatError(`entry ${name} starts beyond the end of the file: truncated`)
    const lh = await this.source.read(entry.localHeaderOffset, 30)
    const lv = dv(lh)
    if (lv.getUint32(0, true) !== LOCAL_SIG) throw new ZipFormatError(`the local header of entry ${name} is damaged`)
    const dataStart = entry.localHeaderOffset + 30 + lv.getUint16(26, true) + lv.getUint16(28, true)
    if (dataStart + entry.compressedSize > size)
      throw new ZipFormatError(
        `entry ${name} (${entry.compressedSize} bytes at ${dataStart}) runs past the end of the file (${size} bytes): truncated`,
      )
    const raw = await this.source.read(dataStart, entry.compressedSize)
    let data: Uint8Array
    if (entry.method === 0) data = raw
    else if (entry.method === 8) {
      try {
        data = new Uint8Array(inflateRawSync(raw))
      } catch (e) {
        throw new ZipFormatError(`entry ${name} does not inflate: ${e instanceof Error ? e.message : String(e)}`)
      }
    } else throw new ZipFormatError(`entry ${name} uses compression method ${entry.method}, which is not supported`)
    if (data.length !== entry.size)
      throw new ZipFormatError(`entry ${name} has ${data.length} bytes, the directory says ${entry.size}`)
    if (options.verifyCrc !== false) {
      const crc = crc32(data)
      if (crc !== entry.crc32)
        throw new ZipFormatError(
          `entry ${name} is corrupt: CRC-32 ${crc.toString(16).padStart(8, "0")} instead of ${entry.crc32.toString(16).padStart(8, "0")}`,
        )
    }
    return data
  }
}

let table: Uint32Array | undefined
const crc32Table = (): Uint32Array => {
  if (table !== undefined) return table
  table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
}

/** CRC-32 (IEEE), natively through Bun where available. */
export const crc32 = (data: Uint8Array): number => {
  const native = (globalThis as { Bun?: { hash?: { crc32?: (d: Uint8Array) => number } } }).Bun?.hash?.crc32
  if (native !== undefined) return native(data) >>> 0
  const t = crc32Table()
  let c = 0xffffffff
  for (let i = 0; i < data.length; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
