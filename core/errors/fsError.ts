/**
 * Filesystem failures a user can fix (a permission, a full disk, a directory where a file is expected,
 * a read-only mount) are `validation_error`s naming the path and what to do; everything else a
 * filesystem call throws stays `internal_error` (a bug). This file holds only the mapping; the error
 * classes use it (PeriogtError.ts), so `toPeriogtError` applies it to anything that reaches it.
 */

/** The errno codes that mean "the user's path or disk", with a phrase and what to do about it. */
const USER_FS_ERRORS: Record<string, { readonly says: string; readonly action: (path: string) => string }> = {
  EACCES: { says: "permission denied", action: (p) => `check the permissions of ${p} and of its directory, or choose another location` },
  EPERM: { says: "operation not permitted", action: (p) => `check the permissions and attributes of ${p} (read-only or immutable?), or choose another location` },
  ENOSPC: { says: "no space left on the device", action: (p) => `free space on the filesystem holding ${p}, or choose another location` },
  EDQUOT: { says: "disk quota exceeded", action: (p) => `free space in your quota on the filesystem holding ${p}, or choose another location` },
  EFBIG: { says: "file too large for this filesystem", action: (p) => `choose another location for ${p}` },
  EISDIR: { says: "it is a directory", action: (p) => `give a file, not the directory ${p}` },
  ENOTDIR: { says: "a part of the path is not a directory", action: (p) => `check the path ${p}: one of its parent components is a file` },
  EEXIST: { says: "it already exists", action: (p) => `remove ${p} or choose another path` },
  EROFS: { says: "read-only filesystem", action: (p) => `choose a location on a writable filesystem instead of ${p}` },
  ENAMETOOLONG: { says: "the name is too long", action: (p) => `choose a shorter path than ${p}` },
  ELOOP: { says: "too many symbolic links", action: (p) => `check the symbolic links along ${p}` },
  ENXIO: { says: "no such device or address (a FIFO without a reader, or a device that is not there)", action: (p) => `give a regular file instead of ${p}` },
}

/** The errno code of a Node/Bun filesystem error, if it is one. */
export const errnoCode = (u: unknown): string | undefined =>
  typeof u === "object" && u !== null && "code" in u && typeof (u as { code: unknown }).code === "string" ? (u as { code: string }).code : undefined

/** Whether `u` is a filesystem error the user can fix (see USER_FS_ERRORS). */
export const isUserFsError = (u: unknown): boolean => {
  const code = errnoCode(u)
  return code !== undefined && code in USER_FS_ERRORS
}

/**
 * The fields of the `validation_error` for a user-fixable filesystem error: the path (the error's own
 * when it names one, else `path`), the phrase, the errno code and an action; `what` names the path's
 * role ("the output file", "PERIOGT_CACHE_DIR").
 */
export const userFsErrorFields = (u: unknown, path?: string, what?: string) => {
  const code = errnoCode(u)!
  const known = USER_FS_ERRORS[code]!
  const own = typeof u === "object" && u !== null && "path" in u && typeof (u as { path: unknown }).path === "string" ? (u as { path: string }).path : undefined
  const syscall = typeof u === "object" && u !== null && "syscall" in u && typeof (u as { syscall: unknown }).syscall === "string" ? (u as { syscall: string }).syscall : undefined
  const where = own ?? path
  if (where === undefined) {
    return {
      message: `a file operation${syscall === undefined ? "" : ` (${syscall})`} failed: ${known.says} (${code})`,
      action: "check the paths given to this command (options, PERIOGT_* settings) and the filesystems they are on",
      details: { errno: code, ...(syscall === undefined ? {} : { syscall }) },
    }
  }
  return {
    message: `cannot ${verbOf(syscall)} ${what === undefined ? "" : `${what} `}${where}: ${known.says} (${code})`,
    action: known.action(where),
    details: { path: where, errno: code, ...(syscall === undefined ? {} : { syscall }), ...(path !== undefined && path !== where ? { given: path } : {}) },
  }
}

const verbOf = (syscall: string | undefined): string => {
  switch (syscall) {
    case "open":
    case "read":
    case "scandir":
    case "stat":
    case "lstat":
      return "use"
    case "write":
    case "fsync":
    case "ftruncate":
    case "truncate":
      return "write"
    case "mkdir":
      return "create the directory"
    case "rename":
    case "link":
    case "copyfile":
      return "put in place"
    case "unlink":
    case "rm":
    case "rmdir":
      return "remove"
    default:
      return "use"
  }
}
