import { GraphBuilder } from "../model/onnx/builder.ts"

/**
 * A one-node ONNX model (y = x + x, fp32 [1]), so `doctor` and the device check can open a real ONNX
 * Runtime session on any execution provider without any artifact on disk.
 */
const probe = new GraphBuilder("probe")
probe.input("x", "FLOAT", [1])
probe.output(probe.op("Add", ["x", "x"]), "y", "FLOAT", [1])

export const PROBE_MODEL: Uint8Array = probe.encode({ opset: 13, producerVersion: "probe" })
