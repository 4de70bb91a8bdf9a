import { expect, test } from "bun:test"
import committed from "../../core/artifacts/labelStats.json" with { type: "json" }
import numpy from "../fixtures/label-stats/numpy.json" with { type: "json" }

// Upstream keeps these statistics as float32 tensors; ours are float64 from the same float32 labels.
// They agree to float32 precision (2 ulp of float32 ≈ 1.2e-7 relative).
test("committed label statistics equal upstream's numpy float32 nanmean / nanstd", () => {
  expect(Object.keys(committed).sort()).toEqual(Object.keys(numpy).sort())
  for (const [prop, want] of Object.entries(numpy)) {
    const got = committed[prop as keyof typeof committed]
    expect(Math.abs(got.mean - want.mean) / Math.abs(want.mean)).toBeLessThan(1.2e-7)
    expect(Math.abs(got.std - want.std) / want.std).toBeLessThan(1.2e-7)
  }
})
