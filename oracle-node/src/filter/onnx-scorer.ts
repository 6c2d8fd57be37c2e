import { existsSync, readFileSync } from "node:fs";
import { InferenceSession, Tensor } from "onnxruntime-node";
import { NUM_FEATURES } from "./features";

/** Names of the graph's input and output, fixed by models/export-onnx.ts. */
export const MODEL_INPUT = "features";
export const MODEL_OUTPUT = "score";

export class ModelLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ModelLoadError";
  }
}

/**
 * One onnxruntime-node InferenceSession for the anomaly model. `score` takes every quote of every
 * feed of a round as one [rows, NUM_FEATURES] batch and returns one probability per row.
 */
export class OnnxScorer {
  private constructor(private readonly session: InferenceSession) {}

  /** Loads and checks the model: a missing, corrupt or wrongly shaped file throws ModelLoadError. */
  static async load(modelPath: string): Promise<OnnxScorer> {
    if (!existsSync(modelPath)) throw new ModelLoadError(`anomaly model not found: ${modelPath}`);
    let session: InferenceSession;
    try {
      session = await InferenceSession.create(readFileSync(modelPath), {
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
        graphOptimizationLevel: "all",
      });
    } catch (err) {
      throw new ModelLoadError(`anomaly model ${modelPath} is not a loadable ONNX model: ${(err as Error).message}`);
    }
    if (!session.inputNames.includes(MODEL_INPUT) || !session.outputNames.includes(MODEL_OUTPUT)) {
      throw new ModelLoadError(
        `anomaly model ${modelPath} has inputs [${session.inputNames.join(", ")}] and outputs [${session.outputNames.join(", ")}], expected ${MODEL_INPUT} -> ${MODEL_OUTPUT}`,
      );
    }
    const scorer = new OnnxScorer(session);
    try {
      const probe = await scorer.score(new Float32Array(NUM_FEATURES), 1);
      if (probe.length !== 1 || !Number.isFinite(probe[0])) throw new Error("probe inference returned no finite score");
    } catch (err) {
      throw new ModelLoadError(`anomaly model ${modelPath} does not score ${NUM_FEATURES}-feature rows: ${(err as Error).message}`);
    }
    return scorer;
  }

  /** Scores `rows` feature rows (row-major in `x`); returns one probability per row. */
  async score(x: Float32Array, rows: number): Promise<Float32Array> {
    if (rows === 0) return new Float32Array(0);
    const input = new Tensor("float32", x.length === rows * NUM_FEATURES ? x : x.subarray(0, rows * NUM_FEATURES), [rows, NUM_FEATURES]);
    const out = await this.session.run({ [MODEL_INPUT]: input });
    return out[MODEL_OUTPUT].data as Float32Array;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
