import * as fs from "node:fs"
import * as path from "node:path"
import { randomBytes } from "node:crypto"
import { Effect } from "effect"
import { ChecksumMismatch, ValidationError, type PeriogtError } from "../errors/index.ts"
import { sha256File } from "../io/sha256.ts"
import type { Logger } from "../log/index.ts"
import { shq, sshOk } from "./ssh.ts"
import type { NamedRemote } from "./store.ts"

/** sha256 of a local file, streamed. */
const diskFull = (r: NamedRemote, where: string, need: number, free?: number) =>
  new ValidationError({
    message: `remote ${r.name}: not enough space in ${where} on ${r.host}${free === undefined ? " (No space left on device)" : `: ${need} bytes to write, ${free} free`}`,
    action: `free space in ${where} on ${r.host} (or pick another --remote-dir: periogt remote add ${r.name} --host ${r.host} --remote-dir DIR), then rerun: the transfer resumes where it stopped`,
    details: { remote: r.name, path: where, reason: "remote_disk_full", bytes_needed: need, bytes_free: free ?? null },
  })

const remoteFailed = (r: NamedRemote, what: string, stderr: string) =>
  /No space left on device|Disk quota exceeded/i.test(stderr)
    ? diskFull(r, what, 0)
    : new ValidationError({ message: `remote ${r.name}: ${what} failed on ${r.host}: ${stderr.trim().split("\n").slice(-3).join(" | ")}`, action: `check ${what} on ${r.host} (permissions, path), then rerun`, details: { remote: r.name, reason: "remote_command_failed" } })

/**
 * Puts a local file at `remoteFinal` (a remote shell path): resumable — the bytes go to
 * `<remoteFinal>.part`, and a part left by a cut transfer is continued from its size (`cat >>`
 * fed from that offset) — then verified with sha256sum on the far side and renamed into place (mv).
 * A final file with the same sha256 is kept as it is. Returns what happened.
 */
export const putFile = (r: NamedRemote, cacheDir: string, log: Logger, local: string, remoteFinal: string, mode?: string): Effect.Effect<{ readonly sha256: string; readonly sent: number; readonly resumedFrom: number; readonly skipped: boolean }, PeriogtError> =>
  Effect.gen(function* () {
    const size = fs.statSync(local).size
    const sha = yield* Effect.promise(() => sha256File(local))
    const dir = path.posix.dirname(remoteFinal)
    const part = `${remoteFinal}.part`
    const probe = yield* sshOk(r, cacheDir, `mkdir -p ${shq(dir)} || exit 3; if [ -f ${shq(remoteFinal)} ]; then echo "final $(sha256sum < ${shq(remoteFinal)} | cut -d' ' -f1)"; fi; if [ -f ${shq(part)} ]; then echo "part $(wc -c < ${shq(part)})"; fi; echo "free $(df -Pk ${shq(dir)} | awk 'NR==2{print $4}')"`)
    if (probe.code !== 0) return yield* remoteFailed(r, `creating ${dir}`, probe.stderr)
    const field = (k: string) => /^(\S+) (\S+)$/m.exec(probe.stdout.split("\n").find((l) => l.startsWith(`${k} `)) ?? "")?.[2]
    if (field("final") === sha) {
      log.info(`${remoteFinal} on ${r.name} is already there (sha256 ${sha.slice(0, 12)}…)`)
      return { sha256: sha, sent: 0, resumedFrom: 0, skipped: true }
    }
    let offset = Number(field("part") ?? "0")
    if (!Number.isFinite(offset) || offset > size) offset = 0
    const freeKb = Number(field("free"))
    if (Number.isFinite(freeKb) && freeKb * 1024 < size - offset) return yield* diskFull(r, dir, size - offset, freeKb * 1024)
    for (let attempt = 0; attempt < 2; attempt++) {
      if (offset > 0) log.info(`resuming the transfer of ${path.basename(local)} to ${r.name}:${part} at byte ${offset} of ${size}`)
      else log.info(`sending ${path.basename(local)} (${size} bytes) to ${r.name}:${part}`)
      const sent = yield* sshOk(r, cacheDir, offset > 0 ? `cat >> ${shq(part)}` : `cat > ${shq(part)}`, { stdinFile: { path: local, offset } })
      if (sent.code !== 0) return yield* remoteFailed(r, `writing ${part}`, sent.stderr)
      const check = yield* sshOk(r, cacheDir, `sha256sum < ${shq(part)} | cut -d' ' -f1`)
      if (check.code !== 0) return yield* remoteFailed(r, `sha256sum ${part}`, check.stderr)
      const remoteSha = check.stdout.trim()
      if (remoteSha === sha) {
        const mv = yield* sshOk(r, cacheDir, `${mode !== undefined ? `chmod ${mode} ${shq(part)} && ` : ""}mv -f ${shq(part)} ${shq(remoteFinal)}`)
        if (mv.code !== 0) return yield* remoteFailed(r, `moving ${part} into place`, mv.stderr)
        log.info(`${r.name}:${remoteFinal}: sha256 ${sha.slice(0, 12)}… verified on the far side`)
        return { sha256: sha, sent: size - offset, resumedFrom: offset, skipped: false }
      }
      // A part that does not continue this file (another file's leftovers): start again from zero, once.
      log.warn(`${r.name}:${part}: sha256 ${remoteSha.slice(0, 12)}… is not the local file's ${sha.slice(0, 12)}…; sending it again from the start`)
      offset = 0
      if (attempt === 1) break
    }
    yield* sshOk(r, cacheDir, `rm -f ${shq(part)}`)
    return yield* new ChecksumMismatch({ message: `remote ${r.name}: ${remoteFinal} does not match the local file's sha256 ${sha} after sending it twice`, action: "check the remote disk and rerun", details: { remote: r.name, path: remoteFinal } })
  })

/**
 * Brings a remote file to `local`: its sha256 asked on the far side first, the bytes appended to
 * `<local>.part` (continued from its size with `tail -c +N` when a part is there), verified, renamed.
 */
export const getFile = (r: NamedRemote, cacheDir: string, log: Logger, remoteFile: string, local: string): Effect.Effect<{ readonly sha256: string; readonly bytes: number }, PeriogtError> =>
  Effect.gen(function* () {
    const info = yield* sshOk(r, cacheDir, `wc -c < ${shq(remoteFile)} && sha256sum < ${shq(remoteFile)} | cut -d' ' -f1`)
    if (info.code !== 0) return yield* remoteFailed(r, `reading ${remoteFile}`, info.stderr)
    const [sizeText, sha] = info.stdout.trim().split("\n").map((s) => s.trim())
    const size = Number(sizeText)
    fs.mkdirSync(path.dirname(local), { recursive: true })
    const part = `${local}.part`
    for (let attempt = 0; attempt < 2; attempt++) {
      let offset = fs.existsSync(part) ? fs.statSync(part).size : 0
      if (offset > size) {
        fs.rmSync(part)
        offset = 0
      }
      if (offset > 0) log.info(`resuming the download of ${r.name}:${remoteFile} at byte ${offset} of ${size}`)
      const fd = fs.openSync(part, "a")
      const got = yield* Effect.ensuring(sshOk(r, cacheDir, `tail -c +${offset + 1} ${shq(remoteFile)}`, { stdoutFd: fd }), Effect.sync(() => fs.closeSync(fd)))
      if (got.code !== 0) return yield* remoteFailed(r, `reading ${remoteFile}`, got.stderr)
      const localSha = yield* Effect.promise(() => sha256File(part))
      if (localSha === sha) {
        fs.renameSync(part, local)
        log.info(`${local}: sha256 ${sha!.slice(0, 12)}… verified against ${r.name}:${remoteFile}`)
        return { sha256: sha!, bytes: size }
      }
      log.warn(`${part}: sha256 does not match ${r.name}:${remoteFile}; downloading it again from the start`)
      fs.rmSync(part, { force: true })
    }
    return yield* new ChecksumMismatch({ message: `${local}: the download of ${r.name}:${remoteFile} does not match its sha256 ${sha} (twice)`, action: "rerun; if it persists check the remote file", details: { remote: r.name, path: remoteFile } })
  })

export const tempSuffix = () => `${process.pid}.${randomBytes(4).toString("hex")}`
