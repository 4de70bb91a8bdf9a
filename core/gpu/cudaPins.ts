/**
 * The CUDA provider set `periogt setup --gpu` installs, and the Apptainer and Conda adapters name: every
 * file with the wheel it comes from, the member path inside that wheel, and sizes and sha256 of both.
 *
 * ONNX Runtime 1.30.0's published Linux x86-64 GPU wheel is built with CUDA 13.0 (its provider's
 * DT_NEEDED: libcudart.so.13, libcublas.so.13, libcublasLt.so.13, libcurand.so.10, libcuda.so.1; cuDNN 9,
 * cuFFT and NVRTC are loaded by name at run time) for compute capabilities 7.5, 8.0, 8.6, 8.9, 9.0 and
 * 12.0 (cubins only, no PTX): so these libraries need an NVIDIA driver of the 580 branch or newer and a
 * Turing-or-newer GPU. V100 (7.0) and P100 cannot run this provider.
 *
 * The provider's `.so` files do not depend on the Python version: the cp311 wheel is pinned, any other
 * cp3xx wheel of the same release holds the same two files (their sha256 is what is checked).
 * `path` is the file's path under a mirror of the Python package index's file host (`<base>/<path>`);
 * sha256 and size were read from the index's own metadata and checked by downloading each wheel.
 *
 * Tests replace this table with `PERIOGT_CUDA_PINS_FILE` (a JSON file of the same shape): a test seam, not
 * a user setting.
 */
export interface CudaPinnedFile {
  /** Path of the member inside the wheel; the installed file takes its base name. */
  readonly member: string
  readonly size: number
  readonly sha256: string
}

export interface CudaPinnedWheel {
  readonly project: string
  readonly version: string
  readonly role: string
  /** The wheel's file name, as it sits in a directory given to `--from` or `--wheels-from`. */
  readonly wheel: string
  /** Path under the wheel mirror's base URL. */
  readonly path: string
  readonly size: number
  readonly sha256: string
  readonly files: ReadonlyArray<CudaPinnedFile>
}

export interface CudaPins {
  /** The ONNX Runtime version the provider belongs to (must equal onnxruntime-node's). */
  readonly onnxruntime: string
  readonly cuda: string
  readonly cudnn: string
  /** Driver branch CUDA 13.0 needs (Linux). */
  readonly minDriver: string
  /** Compute capabilities the provider carries code for. */
  readonly computeCapabilities: ReadonlyArray<number>
  readonly wheels: ReadonlyArray<CudaPinnedWheel>
}

export const CUDA_PINS: CudaPins = {
  onnxruntime: "1.30.0",
  cuda: "13.0",
  cudnn: "9.27.0",
  minDriver: "580.65.06",
  computeCapabilities: [7.5, 8.0, 8.6, 8.9, 9.0, 12.0],
  wheels: [
  {
    project: "onnxruntime-gpu",
    version: "1.30.0",
    role: "ONNX Runtime's CUDA execution provider (same version as onnxruntime-node)",
    wheel: "onnxruntime_gpu-1.30.0-cp311-cp311-manylinux_2_28_x86_64.whl",
    path: "packages/ea/71/b225bd559a718f6cefb058d4f4c4c95e556543f47d4be0e81819681ac347/onnxruntime_gpu-1.30.0-cp311-cp311-manylinux_2_28_x86_64.whl",
    size: 246658419,
    sha256: "4fbf0c5d7b5fb99266c2e8a802e3e64af68bdc383e0f3c7349b985f1087eedaa",
    files: [
      { member: "onnxruntime/capi/libonnxruntime_providers_shared.so", size: 14632, sha256: "086ec1d5388f64153d9c63470d126693db9a182c8ce236d3a1119068471b8a0d" },
      { member: "onnxruntime/capi/libonnxruntime_providers_cuda.so", size: 272049904, sha256: "9d7587acb137b31bf84e4d32dc444b969bb601d098b01395effcacfe4341e364" },
    ],
  },
  {
    project: "nvidia-cuda-runtime",
    version: "13.0.96",
    role: "CUDA 13 runtime",
    wheel: "nvidia_cuda_runtime-13.0.96-py3-none-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
    path: "packages/2e/24/d1558f3b68b1d26e706813b1d10aa1d785e4698c425af8db8edc3dced472/nvidia_cuda_runtime-13.0.96-py3-none-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
    size: 2243632,
    sha256: "7f82250d7782aa23b6cfe765ecc7db554bd3c2870c43f3d1821f1d18aebf0548",
    files: [
      { member: "nvidia/cu13/lib/libcudart.so.13", size: 704288, sha256: "96c42e418cec19054186b9429c321603cc190bf26a18104e19408117a2a817b0" },
    ],
  },
  {
    project: "nvidia-cublas",
    version: "13.1.0.3",
    role: "cuBLAS / cuBLASLt",
    wheel: "nvidia_cublas-13.1.0.3-py3-none-manylinux_2_27_x86_64.whl",
    path: "packages/e7/44/423ac00af4dd95a5aeb27207e2c0d9b7118702149bf4704c3ddb55bb7429/nvidia_cublas-13.1.0.3-py3-none-manylinux_2_27_x86_64.whl",
    size: 423133236,
    sha256: "ee8722c1f0145ab246bccb9e452153b5e0515fd094c3678df50b2a0888b8b171",
    files: [
      { member: "nvidia/cu13/lib/libcublasLt.so.13", size: 541595600, sha256: "656298c804f5adbb0df930545c17911b9584ab4e5101c0eeb65d1fe881d880f8" },
      { member: "nvidia/cu13/lib/libcublas.so.13", size: 54177976, sha256: "e70f38efabe986acd5eb683497c62f0f1730a6176ee291d9d24c6e339d1fbf86" },
    ],
  },
  {
    project: "nvidia-curand",
    version: "10.4.0.35",
    role: "cuRAND",
    wheel: "nvidia_curand-10.4.0.35-py3-none-manylinux_2_27_x86_64.whl",
    path: "packages/a5/9f/be0a41ca4a4917abf5cb9ae0daff1a6060cc5de950aec0396de9f3b52bc5/nvidia_curand-10.4.0.35-py3-none-manylinux_2_27_x86_64.whl",
    size: 59544258,
    sha256: "1aee33a5da6e1db083fe2b90082def8915f30f3248d5896bcec36a579d941bfc",
    files: [
      { member: "nvidia/cu13/lib/libcurand.so.10", size: 132698328, sha256: "b53732a66b302b11926e00f762e2c2ba67058347ff93cf4ae709de45e93e06da" },
    ],
  },
  {
    project: "nvidia-cufft",
    version: "12.0.0.61",
    role: "cuFFT (only for Rfft/Irfft; loaded when present)",
    wheel: "nvidia_cufft-12.0.0.61-py3-none-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
    path: "packages/a8/2f/7b57e29836ea8714f81e9898409196f47d772d5ddedddf1592eadb8ab743/nvidia_cufft-12.0.0.61-py3-none-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
    size: 214085489,
    sha256: "6c44f692dce8fd5ffd3e3df134b6cdb9c2f72d99cf40b62c32dde45eea9ddad3",
    files: [
      { member: "nvidia/cu13/lib/libcufft.so.12", size: 286542352, sha256: "0933f68bb7e3bf90f86d70bc87cd2f69027f7757e89e5de5e19ec33a53fd8d3a" },
    ],
  },
  {
    project: "nvidia-cuda-nvrtc",
    version: "13.0.88",
    role: "NVRTC (kernels ONNX Runtime compiles at run time)",
    wheel: "nvidia_cuda_nvrtc-13.0.88-py3-none-manylinux2010_x86_64.manylinux_2_12_x86_64.whl",
    path: "packages/c3/68/483a78f5e8f31b08fb1bb671559968c0ca3a065ac7acabfc7cee55214fd6/nvidia_cuda_nvrtc-13.0.88-py3-none-manylinux2010_x86_64.manylinux_2_12_x86_64.whl",
    size: 90215200,
    sha256: "ad9b6d2ead2435f11cbb6868809d2adeeee302e9bb94bcf0539c7a40d80e8575",
    files: [
      { member: "nvidia/cu13/lib/libnvrtc-builtins.so.13.0", size: 4380616, sha256: "91dcd944d01da9c0f08fff5d779db136a47f6d62bdb63bae900d2f481e92c3a2" },
      { member: "nvidia/cu13/lib/libnvrtc.so.13", size: 109338064, sha256: "a49e67e8e74590f1e98de55c39c6287efd3f59e3c3797464d7bbe0fe01349b11" },
    ],
  },
  {
    project: "nvidia-cudnn-cu13",
    version: "9.27.0.42",
    role: "cuDNN 9 (loaded by name by the provider; its sub-libraries by libcudnn.so.9)",
    wheel: "nvidia_cudnn_cu13-9.27.0.42-py3-none-manylinux_2_27_x86_64.whl",
    path: "packages/af/75/96ea5c5368eb595c39d629cde08a66227a864e71ccb0e593add2612bb952/nvidia_cudnn_cu13-9.27.0.42-py3-none-manylinux_2_27_x86_64.whl",
    size: 536771498,
    sha256: "9677e76f21862eb5da7ee5ed69d544738b2d8b5c3ce7e5ec125c5592e6cdbdc8",
    files: [
      { member: "nvidia/cudnn/lib/libcudnn_graph.so.9", size: 134437112, sha256: "67df1f319154780e3ac7ef606d838c142b96f9c1b77e0ec95d7a5139d16e2800" },
      { member: "nvidia/cudnn/lib/libcudnn_engines_precompiled.so.9", size: 272654912, sha256: "0edc16383897f60dd4466776d2421d5351e023fd2950ac62bf5cf68ee399f42b" },
      { member: "nvidia/cudnn/lib/libcudnn_engines_runtime_compiled.so.9", size: 44075680, sha256: "334022cd6b47115ced9e3a289963d204705abfccefec052fd85234cb1d0e6355" },
      { member: "nvidia/cudnn/lib/libcudnn_engines_tensor_ir.so.9", size: 216026256, sha256: "4b47408d368863e5f37aeb019d8a05224213cf74335ce3ca6a8ba11d39ce70b3" },
      { member: "nvidia/cudnn/lib/libcudnn_heuristic.so.9", size: 96473904, sha256: "a24474ae86db461aa5ab7cc2470fb9b88e09449d8bd6a8bba5d26eff20db2e29" },
      { member: "nvidia/cudnn/lib/libcudnn_ops.so.9", size: 39855912, sha256: "d301a6ffb44b5d8cf04f67f3b49037e1a31801a5365892b03b74f171deba19e2" },
      { member: "nvidia/cudnn/lib/libcudnn_cnn.so.9", size: 4203992, sha256: "4ca0f1d4fbb79f3a428cf4c56b98001c3e02ee254793366a9b4dee6bd6688f38" },
      { member: "nvidia/cudnn/lib/libcudnn_adv.so.9", size: 109169128, sha256: "a82503cddeb8560597ad01e33a12df1845e94cf1d548733b40db11c5f0fb40ef" },
      { member: "nvidia/cudnn/lib/libcudnn_ext.so.9", size: 8402008, sha256: "baa699ebf17baa1bdb9c1720c373329a9caaab35d1050148d427186e1c7a7a00" },
      { member: "nvidia/cudnn/lib/libcudnn.so.9", size: 133336, sha256: "4c3ccb552ee0c43aacca7498e12914fbda31be4fcb52cbdc1aaa87e78fb96e19" },
    ],
  },
  ],
}
