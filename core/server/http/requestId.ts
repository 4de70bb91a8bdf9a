import { randomUUID } from "node:crypto"

const SAFE_ID = /^[A-Za-z0-9._:@+=\/-]{1,128}$/

/**
 * `X-Request-Id`: the client's own id is echoed when it is a plain token (at most 128 characters of
 * letters, digits and `._:@+=/-`), so it can be traced through logs; anything else is replaced by a
 * fresh UUID rather than copied into headers and logs.
 */
export const requestIdFrom = (header: string | undefined): string => (header !== undefined && SAFE_ID.test(header) ? header : randomUUID())
