import { onnx } from "onnx-proto";
import type { Mlp } from "./mlp";

/** ONNX IR version and default-domain opset the exported graph declares (onnxruntime 1.30 loads both). */
const IR_VERSION = 8;
const OPSET = 17;
export const ONNX_INPUT = "features";
export const ONNX_OUTPUT = "score";

function floatTensor(name: string, dims: number[], values: ArrayLike<number>): onnx.ITensorProto {
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: Array.from(values) };
}

function valueInfo(name: string, dims: (number | string)[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/**
 * Serializes the MLP as an ONNX graph: features [N, F] -> (Gemm, Relu)* -> Gemm -> Sigmoid ->
 * score [N, 1], the probability that each quote is manipulated, broken or stale.
 */
export function exportMlpToOnnx(net: Mlp, metadata: Record<string, string> = {}): Uint8Array {
  const nodes: onnx.INodeProto[] = [];
  const inits: onnx.ITensorProto[] = [];
  let current = ONNX_INPUT;
  net.layers.forEach((L, l) => {
    // Gemm computes A * B + C with B stored [in, out]: transpose our row-major [out][in].
    const bt = new Float64Array(L.inputs * L.outputs);
    for (let o = 0; o < L.outputs; o++) for (let i = 0; i < L.inputs; i++) bt[i * L.outputs + o] = L.w[o * L.inputs + i];
    inits.push(floatTensor(`W${l}`, [L.inputs, L.outputs], bt), floatTensor(`B${l}`, [L.outputs], L.b));
    const z = `z${l}`;
    nodes.push({ opType: "Gemm", input: [current, `W${l}`, `B${l}`], output: [z], name: `gemm${l}` });
    if (l + 1 < net.layers.length) {
      nodes.push({ opType: "Relu", input: [z], output: [`h${l}`], name: `relu${l}` });
      current = `h${l}`;
    } else {
      nodes.push({ opType: "Sigmoid", input: [z], output: [ONNX_OUTPUT], name: "sigmoid" });
    }
  });
  const model: onnx.IModelProto = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: "", version: OPSET }],
    producerName: "ai-oracle-network models/train.ts",
    producerVersion: "1",
    graph: {
      name: "anomaly-detector",
      node: nodes,
      initializer: inits,
      input: [valueInfo(ONNX_INPUT, ["N", net.inputs])],
      output: [valueInfo(ONNX_OUTPUT, ["N", 1])],
    },
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}
