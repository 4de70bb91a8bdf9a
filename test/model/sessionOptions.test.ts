import { expect, test } from "bun:test"
import { sessionOptions } from "../../core/model/inference/session.ts"

// ONNX Runtime reads these as flat keys ("session.intra_op.allow_spinning"); a typo is silently ignored.
test("intra-op threads sleep between operators unless spinWait is asked for, and prepacking can still be turned off beside it", () => {
  expect(sessionOptions({}).extra).toEqual({ session: { "intra_op.allow_spinning": "0" } })
  expect(sessionOptions({ spinWait: true }).extra).toEqual({ session: { "intra_op.allow_spinning": "1" } })
  expect(sessionOptions({ prepackWeights: false }).extra).toEqual({ session: { "intra_op.allow_spinning": "0", disable_prepacking: "1" } })
  expect(sessionOptions({ intraOpThreads: 3 }).intraOpNumThreads).toBe(3)
})
