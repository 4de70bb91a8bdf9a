export { GRAPH_INPUTS, buildEncoderModel, buildFinetunedModel, inferLightConfig, type BuildOptions, type BuiltModel, type LightConfig } from "./light.ts"
export { GraphBuilder } from "./builder.ts"
export { encodeModel, type ModelData } from "./proto.ts"
