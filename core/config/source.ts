/** Where a resolved value came from: printed at start-up, shown by doctor, used by the adapters. */
export type Source =
  | { readonly kind: "flag"; readonly name: string }
  | { readonly kind: "env"; readonly name: string }
  | { readonly kind: "file"; readonly name: string }
  | { readonly kind: "default"; readonly name: string }

export const describeSource = (s: Source): string =>
  s.kind === "default" ? `default (${s.name})` : s.kind === "flag" ? `flag --${s.name}` : `${s.kind} ${s.name}`
