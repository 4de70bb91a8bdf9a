/**
 * The ONE place periogt imports onnxruntime-node. The compiled single-file executable swaps this module
 * for native-addon loading from its cache directory; everything else imports `ort` from here.
 */
import * as ort from "onnxruntime-node"

export { ort }
