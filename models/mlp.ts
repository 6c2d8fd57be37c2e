import { Rng } from "../oracle-node/src/simulator/rng";

/**
 * A small multilayer perceptron (ReLU hidden layers, sigmoid output) with its training loop
 * (weighted binary cross-entropy, Adam, mini-batches) and its forward pass, in plain TypeScript.
 * Input standardization is folded into the first layer, so the exported ONNX graph and `score`
 * take the raw feature vector of oracle-node/src/filter/features.ts.
 */
export interface Layer {
  /** Row-major [out][in]. */
  w: Float64Array;
  b: Float64Array;
  inputs: number;
  outputs: number;
}

export interface MlpJson {
  inputs: number;
  layers: { inputs: number; outputs: number; w: number[]; b: number[] }[];
}

export class Mlp {
  constructor(readonly layers: Layer[]) {}

  get inputs(): number {
    return this.layers[0].inputs;
  }

  static init(sizes: number[], rng: Rng): Mlp {
    const layers: Layer[] = [];
    for (let l = 0; l + 1 < sizes.length; l++) {
      const inputs = sizes[l];
      const outputs = sizes[l + 1];
      const w = new Float64Array(inputs * outputs);
      const scale = Math.sqrt(2 / inputs); // He init for ReLU
      for (let i = 0; i < w.length; i++) w[i] = rng.normal() * scale;
      layers.push({ w, b: new Float64Array(outputs), inputs, outputs });
    }
    return new Mlp(layers);
  }

  /** Probability of "anomalous" for one feature row (float64 forward pass). */
  score(x: ArrayLike<number>, offset = 0): number {
    let a: Float64Array = new Float64Array(this.inputs);
    for (let i = 0; i < this.inputs; i++) a[i] = x[offset + i];
    for (let l = 0; l < this.layers.length; l++) {
      const L = this.layers[l];
      const out = new Float64Array(L.outputs);
      for (let o = 0; o < L.outputs; o++) {
        let s = L.b[o];
        const row = o * L.inputs;
        for (let i = 0; i < L.inputs; i++) s += L.w[row + i] * a[i];
        out[o] = l + 1 < this.layers.length ? (s > 0 ? s : 0) : s;
      }
      a = out;
    }
    return 1 / (1 + Math.exp(-a[0]));
  }

  /** Folds x' = (x - mean) / std into the first layer. */
  foldStandardization(mean: Float64Array, std: Float64Array): Mlp {
    const [first, ...rest] = this.layers;
    const w = new Float64Array(first.w.length);
    const b = new Float64Array(first.b);
    for (let o = 0; o < first.outputs; o++) {
      for (let i = 0; i < first.inputs; i++) {
        const k = o * first.inputs + i;
        w[k] = first.w[k] / std[i];
        b[o] -= w[k] * mean[i];
      }
    }
    return new Mlp([{ ...first, w, b }, ...rest.map((L) => ({ ...L, w: new Float64Array(L.w), b: new Float64Array(L.b) }))]);
  }

  toJSON(): MlpJson {
    return {
      inputs: this.inputs,
      layers: this.layers.map((L) => ({ inputs: L.inputs, outputs: L.outputs, w: [...L.w], b: [...L.b] })),
    };
  }

  static fromJSON(j: MlpJson): Mlp {
    return new Mlp(j.layers.map((L) => ({ inputs: L.inputs, outputs: L.outputs, w: Float64Array.from(L.w), b: Float64Array.from(L.b) })));
  }
}

export interface TrainOptions {
  seed: number;
  hidden: number[];
  epochs: number;
  batch: number;
  lr: number;
  /** L2 weight decay. */
  l2: number;
  log?: (msg: string) => void;
}

export interface TrainData {
  x: Float32Array;
  y: Uint8Array;
  w: Float32Array;
  rows: number;
  features: number;
}

/** Per-feature mean and std (std floored so constant features stay finite). */
export function standardization(d: TrainData): { mean: Float64Array; std: Float64Array } {
  const F = d.features;
  const mean = new Float64Array(F);
  const sq = new Float64Array(F);
  for (let r = 0; r < d.rows; r++) {
    for (let f = 0; f < F; f++) {
      const v = d.x[r * F + f];
      mean[f] += v;
      sq[f] += v * v;
    }
  }
  const std = new Float64Array(F);
  for (let f = 0; f < F; f++) {
    mean[f] /= d.rows;
    std[f] = Math.max(Math.sqrt(Math.max(sq[f] / d.rows - mean[f] * mean[f], 0)), 1e-3);
  }
  return { mean, std };
}

/**
 * Trains on standardized inputs and returns the network with standardization folded in.
 * Deterministic for a given seed and data order.
 */
export function trainMlp(d: TrainData, o: TrainOptions): Mlp {
  const F = d.features;
  const rng = new Rng(o.seed);
  const { mean, std } = standardization(d);
  const xs = new Float64Array(d.rows * F);
  for (let r = 0; r < d.rows; r++) for (let f = 0; f < F; f++) xs[r * F + f] = (d.x[r * F + f] - mean[f]) / std[f];
  const sizes = [F, ...o.hidden, 1];
  const net = Mlp.init(sizes, rng);
  const L = net.layers;
  const nL = L.length;
  const gW = L.map((l) => new Float64Array(l.w.length));
  const gB = L.map((l) => new Float64Array(l.b.length));
  const mW = L.map((l) => new Float64Array(l.w.length));
  const vW = L.map((l) => new Float64Array(l.w.length));
  const mB = L.map((l) => new Float64Array(l.b.length));
  const vB = L.map((l) => new Float64Array(l.b.length));
  const acts = sizes.map((s) => new Float64Array(s));
  const deltas = sizes.map((s) => new Float64Array(s));
  const order = new Uint32Array(d.rows);
  for (let i = 0; i < d.rows; i++) order[i] = i;
  const b1 = 0.9, b2 = 0.999, eps = 1e-8;
  let step = 0;
  const totalSteps = o.epochs * Math.ceil(d.rows / o.batch);
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (let i = d.rows - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    let lossSum = 0;
    let wSum = 0;
    for (let start = 0; start < d.rows; start += o.batch) {
      const end = Math.min(d.rows, start + o.batch);
      for (let l = 0; l < nL; l++) {
        gW[l].fill(0);
        gB[l].fill(0);
      }
      let bw = 0;
      for (let k = start; k < end; k++) {
        const r = order[k];
        const sw = d.w[r];
        if (sw === 0) continue;
        bw += sw;
        const a0 = acts[0];
        for (let f = 0; f < F; f++) a0[f] = xs[r * F + f];
        for (let l = 0; l < nL; l++) {
          const Ly = L[l];
          const inp = acts[l];
          const out = acts[l + 1];
          for (let q = 0; q < Ly.outputs; q++) {
            let s = Ly.b[q];
            const row = q * Ly.inputs;
            for (let i = 0; i < Ly.inputs; i++) s += Ly.w[row + i] * inp[i];
            out[q] = l + 1 < nL ? (s > 0 ? s : 0) : s;
          }
        }
        const z = acts[nL][0];
        const p = 1 / (1 + Math.exp(-z));
        const y = d.y[r];
        lossSum += sw * (z > 0 ? (1 - y) * z + Math.log1p(Math.exp(-z)) : -y * z + Math.log1p(Math.exp(z)));
        wSum += sw;
        deltas[nL][0] = sw * (p - y);
        for (let l = nL - 1; l >= 0; l--) {
          const Ly = L[l];
          const inp = acts[l];
          const dOut = deltas[l + 1];
          const dIn = deltas[l];
          dIn.fill(0);
          for (let q = 0; q < Ly.outputs; q++) {
            const g = dOut[q];
            if (g === 0) continue;
            gB[l][q] += g;
            const row = q * Ly.inputs;
            for (let i = 0; i < Ly.inputs; i++) {
              gW[l][row + i] += g * inp[i];
              dIn[i] += g * Ly.w[row + i];
            }
          }
          if (l > 0) for (let i = 0; i < Ly.inputs; i++) if (inp[i] <= 0) dIn[i] = 0;
        }
      }
      if (bw === 0) continue;
      step++;
      const lr = o.lr * 0.5 * (1 + Math.cos((Math.PI * step) / totalSteps)); // cosine decay
      const c1 = 1 - b1 ** step;
      const c2 = 1 - b2 ** step;
      for (let l = 0; l < nL; l++) {
        const Ly = L[l];
        for (let i = 0; i < Ly.w.length; i++) {
          const g = gW[l][i] / bw + o.l2 * Ly.w[i];
          mW[l][i] = b1 * mW[l][i] + (1 - b1) * g;
          vW[l][i] = b2 * vW[l][i] + (1 - b2) * g * g;
          Ly.w[i] -= (lr * (mW[l][i] / c1)) / (Math.sqrt(vW[l][i] / c2) + eps);
        }
        for (let i = 0; i < Ly.b.length; i++) {
          const g = gB[l][i] / bw;
          mB[l][i] = b1 * mB[l][i] + (1 - b1) * g;
          vB[l][i] = b2 * vB[l][i] + (1 - b2) * g * g;
          Ly.b[i] -= (lr * (mB[l][i] / c1)) / (Math.sqrt(vB[l][i] / c2) + eps);
        }
      }
    }
    o.log?.(`epoch ${epoch + 1}/${o.epochs}: weighted log-loss ${(lossSum / Math.max(wSum, 1e-12)).toFixed(5)}`);
  }
  return net.foldStandardization(mean, std);
}
