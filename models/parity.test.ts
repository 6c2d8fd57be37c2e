import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InferenceSession, Tensor } from "onnxruntime-node";
import { NUM_FEATURES } from "../oracle-node/src/filter/features";
import { buildDataset } from "./generator/dataset";
import { simulateScenario } from "./generator/market";
import { Rng } from "../oracle-node/src/simulator/rng";
import { Mlp, type MlpJson } from "./mlp";
import { exportMlpToOnnx } from "./export-onnx";

const MODEL = join(__dirname, "anomaly-detector.onnx");
const WEIGHTS = join(__dirname, "anomaly-detector.weights.json");
const TOLERANCE = 1e-5;

async function runOnnx(bytes: Uint8Array, x: Float32Array, rows: number): Promise<Float32Array> {
  const session = await InferenceSession.create(bytes);
  const out = await session.run({ features: new Tensor("float32", x, [rows, NUM_FEATURES]) });
  await session.release();
  return out.score.data as Float32Array;
}

describe("ONNX parity", () => {
  it("the committed model and the trainer's forward pass agree to 1e-5 on simulated quotes and random rows", async () => {
    const net = Mlp.fromJSON(JSON.parse(readFileSync(WEIGHTS, "utf8")) as MlpJson);
    const ds = buildDataset([simulateScenario(424242, { rounds: 120 })]);
    const rng = new Rng(7);
    const randomRows = 200;
    const rows = ds.rows + randomRows;
    const x = new Float32Array(rows * NUM_FEATURES);
    x.set(ds.x);
    for (let i = ds.rows * NUM_FEATURES; i < x.length; i++) x[i] = rng.normal() * 3;
    const onnx = await runOnnx(readFileSync(MODEL), x, rows);
    expect(onnx.length).toBe(rows);
    let worst = 0;
    for (let r = 0; r < rows; r++) worst = Math.max(worst, Math.abs(onnx[r] - net.score(x, r * NUM_FEATURES)));
    expect(worst).toBeLessThan(TOLERANCE);
  });

  it("exports a freshly initialized network that onnxruntime scores like the JS pass", async () => {
    const net = Mlp.init([NUM_FEATURES, 8, 4, 1], new Rng(3));
    const rng = new Rng(11);
    const x = Float32Array.from({ length: 50 * NUM_FEATURES }, () => rng.normal());
    const onnx = await runOnnx(exportMlpToOnnx(net), x, 50);
    for (let r = 0; r < 50; r++) expect(Math.abs(onnx[r] - net.score(x, r * NUM_FEATURES))).toBeLessThan(TOLERANCE);
  });
});
