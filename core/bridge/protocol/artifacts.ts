/** Artifact bodies (Appendix A.3): create, the artifact, file upload (bytes or metadata), listing, commit. */
import { Schema } from "effect"
import { Links } from "./links.ts"
import { ARTIFACT_RESIDENCES, ARTIFACT_STATUSES } from "./states.ts"

export const ArtifactStatusSchema = Schema.Literals(ARTIFACT_STATUSES)
export const ResidenceSchema = Schema.Literals(ARTIFACT_RESIDENCES)
const Sha256 = Schema.String.check(Schema.isPattern(/^[0-9a-f]{64}$/))
const Size = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
const Nullable = Schema.NullOr(Schema.String)

/** `POST /api/hpc/artifacts`; residence defaults to `managed` (starts CREATED), others start REGISTERED. */
export const ArtifactCreate = Schema.Struct({
  name: Schema.optionalKey(Nullable),
  type: Schema.optionalKey(Nullable),
  residence: Schema.optionalKey(Schema.NullOr(ResidenceSchema)),
  content_url: Schema.optionalKey(Nullable),
  metadata: Schema.optionalKey(Schema.Unknown),
})
export type ArtifactCreate = typeof ArtifactCreate.Type

export const Artifact = Schema.Struct({
  id: Schema.String,
  name: Nullable,
  type: Nullable,
  residence: ResidenceSchema,
  status: ArtifactStatusSchema,
  sha256: Nullable,
  size_bytes: Schema.NullOr(Schema.Number),
  content_url: Nullable,
  created_at: Schema.String,
  committed_at: Nullable,
  metadata: Schema.optionalKey(Schema.Unknown),
  _links: Links,
})
export type Artifact = typeof Artifact.Type

/** `PUT …/files/{path}` with `Content-Type: application/json`: metadata only (files that live elsewhere). */
export const FileMetadataUpload = Schema.Struct({
  sha256: Sha256,
  size_bytes: Schema.optionalKey(Schema.NullOr(Size)),
  content_type: Schema.optionalKey(Nullable),
})
export type FileMetadataUpload = typeof FileMetadataUpload.Type

/** 201 answer of a file upload. */
export const FileUploaded = Schema.Struct({
  id: Schema.String,
  artifact_id: Schema.String,
  path: Schema.String,
  sha256: Schema.String,
  size_bytes: Schema.Number,
})
export type FileUploaded = typeof FileUploaded.Type

export const ArtifactFile = Schema.Struct({
  id: Schema.String,
  path: Schema.String,
  sha256: Schema.String,
  size_bytes: Schema.Number,
  content_type: Schema.String,
  _links: Links,
})
export type ArtifactFile = typeof ArtifactFile.Type

export const FileList = Schema.Struct({
  items: Schema.Array(ArtifactFile),
  count: Schema.Number,
  total_count: Schema.Number,
  limit: Schema.Number,
  offset: Schema.Number,
})
export type FileList = typeof FileList.Type

/** `POST …/commit`: the client's tree hash and total size; both checked against what was stored. */
export const CommitRequest = Schema.Struct({
  sha256: Schema.optionalKey(Schema.NullOr(Sha256)),
  size_bytes: Schema.optionalKey(Schema.NullOr(Size)),
})
export type CommitRequest = typeof CommitRequest.Type
