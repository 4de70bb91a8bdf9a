/** Checkpoints → ONNX models recorded in the index: the door `convert` and `setup` take into core/model. */
export { convertCheckpoints } from "../model/convert.ts"
