import * as fs from "node:fs"
import * as path from "node:path"

export const TINY_CHECKPOINTS = path.resolve(import.meta.dir, "../fixtures/model/tiny")
/** Upstream's descriptor scaler beside the project (../shared); tests that need it skip without it. */
export const SHARED_SCALER = path.resolve(import.meta.dir, "../../../shared/data/periogt/scaler_all.pkl")

/**
 * Places checkpoints by hand under `ck`, as a user would before `setup --skip-download`:
 * `pretrained_ckpt/base.pth`, `finetuned_ckpt/<property>/best_model.pth` and the descriptor scaler.
 * Defaults to the oracle's tiny synthetic checkpoints; `link` symlinks large ones instead of copying.
 */
export const placeCheckpoints = (ck: string, o: { readonly property?: string; readonly from?: string; readonly link?: boolean } = {}): string => {
  const from = o.from ?? TINY_CHECKPOINTS
  const property = o.property ?? "eps"
  const put = o.link === true ? fs.symlinkSync : fs.copyFileSync
  fs.mkdirSync(path.join(ck, "pretrained_ckpt"), { recursive: true })
  fs.mkdirSync(path.join(ck, "finetuned_ckpt", property), { recursive: true })
  put(path.join(from, "pretrained.pth"), path.join(ck, "pretrained_ckpt", "base.pth"))
  put(path.join(from, "finetuned.pth"), path.join(ck, "finetuned_ckpt", property, "best_model.pth"))
  fs.copyFileSync(SHARED_SCALER, path.join(ck, "descriptor_scaler.pkl"))
  return ck
}
