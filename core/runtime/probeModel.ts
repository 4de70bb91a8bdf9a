/**
 * A one-node ONNX model (y = x + x, fp32 [1]) written byte by byte, so `doctor` and the device check
 * can open a real ONNX Runtime session on any execution provider without any artifact on disk.
 */
const varint = (n: number): Array<number> => {
  const out: Array<number> = []
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80)
    n >>>= 7
  }
  out.push(n)
  return out
}
const key = (field: number, wire: number) => varint((field << 3) | wire)
const int = (field: number, v: number) => [...key(field, 0), ...varint(v)]
const bytes = (field: number, b: ReadonlyArray<number>) => [...key(field, 2), ...varint(b.length), ...b]
const str = (field: number, s: string) => bytes(field, [...new TextEncoder().encode(s)])

const valueInfo = (name: string) =>
  [...str(1, name), ...bytes(2, bytes(1, [...int(1, 1), ...bytes(2, bytes(1, int(1, 1)))]))]

export const PROBE_MODEL: Uint8Array = new Uint8Array([
  ...int(1, 8),
  ...str(2, "periogt"),
  ...bytes(7, [
    ...bytes(1, [...str(1, "x"), ...str(1, "x"), ...str(2, "y"), ...str(4, "Add")]),
    ...str(2, "probe"),
    ...bytes(11, valueInfo("x")),
    ...bytes(12, valueInfo("y")),
  ]),
  ...bytes(8, int(2, 13)),
])
