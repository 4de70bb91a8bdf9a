// Files imported `with { type: "file" }` resolve to a path: a real one when run from source,
// one inside the executable's embedded filesystem (/$bunfs/…) when compiled.
declare module "*.so.1" {
  const path: string
  export default path
}
declare module "*.node" {
  const path: string
  export default path
}
declare module "*.wasm" {
  const path: string
  export default path
}
declare module "*.pth" {
  const path: string
  export default path
}
declare module "*.csv" {
  const path: string
  export default path
}
