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

/** Adam's moment estimates and the batch gradient, per layer. */
interface OptimizerState {
  gW: Float64Array[];
  gB: Float64Array[];
  mW: Float64Array[];
  vW: Float64Array[];
  mB: Float64Array[];
  vB: Float64Array[];
  /** Activations and deltas of one row, per layer boundary. */
  acts: Float64Array[];
  deltas: Float64Array[];
}

const ADAM_B1 = 0.9;
const ADAM_B2 = 0.999;
const ADAM_EPS = 1e-8;

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
  const zeros = (n: (l: Layer) => number) => L.map((l) => new Float64Array(n(l)));
  const st: OptimizerState = {
    gW: zeros((l) => l.w.length),
    gB: zeros((l) => l.b.length),
    mW: zeros((l) => l.w.length),
    vW: zeros((l) => l.w.length),
    mB: zeros((l) => l.b.length),
    vB: zeros((l) => l.b.length),
    acts: sizes.map((s) => new Float64Array(s)),
    deltas: sizes.map((s) => new Float64Array(s)),
  };
  const order = new Uint32Array(d.rows);
  for (let i = 0; i < d.rows; i++) order[i] = i;
  let step = 0;
  const totalSteps = o.epochs * Math.ceil(d.rows / o.batch);
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    shuffleInPlace(rng, order);
    let lossSum = 0;
    let wSum = 0;
    for (let start = 0; start < d.rows; start += o.batch) {
      const end = Math.min(d.rows, start + o.batch);
      for (let l = 0; l < L.length; l++) {
        st.gW[l].fill(0);
        st.gB[l].fill(0);
      }
      let bw = 0;
      for (let k = start; k < end; k++) {
        const r = order[k];
        const sw = d.w[r];
        if (sw === 0) continue;
        bw += sw;
        lossSum += sw * accumulateRow(L, st, xs, r * F, d.y[r], sw);
        wSum += sw;
      }
      if (bw === 0) continue;
      step++;
      const lr = o.lr * 0.5 * (1 + Math.cos((Math.PI * step) / totalSteps)); // cosine decay
      adamStep(L, st, bw, lr, step, o.l2);
    }
    o.log?.(`epoch ${epoch + 1}/${o.epochs}: weighted log-loss ${(lossSum / Math.max(wSum, 1e-12)).toFixed(5)}`);
  }
  return net.foldStandardization(mean, std);
}

/** Fisher-Yates over the row order, drawing as Rng.shuffle does. */
function shuffleInPlace(rng: Rng, order: Uint32Array): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
}

/**
 * Forward and backward pass of one row (standardized features at xs[x0..]): adds its weighted
 * gradient to st.gW / st.gB and returns its (unweighted) log-loss.
 */
function accumulateRow(L: Layer[], st: OptimizerState, xs: Float64Array, x0: number, y: number, sw: number): number {
  const { acts, deltas } = st;
  const nL = L.length;
  const a0 = acts[0];
  for (let f = 0; f < a0.length; f++) a0[f] = xs[x0 + f];
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
      st.gB[l][q] += g;
      const row = q * Ly.inputs;
      for (let i = 0; i < Ly.inputs; i++) {
        st.gW[l][row + i] += g * inp[i];
        dIn[i] += g * Ly.w[row + i];
      }
    }
    if (l > 0) for (let i = 0; i < Ly.inputs; i++) if (inp[i] <= 0) dIn[i] = 0;
  }
  return z > 0 ? (1 - y) * z + Math.log1p(Math.exp(-z)) : -y * z + Math.log1p(Math.exp(z));
}

/** One Adam update from the batch gradient (divided by the batch weight `bw`), with L2 on the weights. */
function adamStep(L: Layer[], st: OptimizerState, bw: number, lr: number, step: number, l2: number): void {
  const c1 = 1 - ADAM_B1 ** step;
  const c2 = 1 - ADAM_B2 ** step;
  for (let l = 0; l < L.length; l++) {
    const Ly = L[l];
    const { gW, gB, mW, vW, mB, vB } = st;
    for (let i = 0; i < Ly.w.length; i++) {
      const g = gW[l][i] / bw + l2 * Ly.w[i];
      mW[l][i] = ADAM_B1 * mW[l][i] + (1 - ADAM_B1) * g;
      vW[l][i] = ADAM_B2 * vW[l][i] + (1 - ADAM_B2) * g * g;
      Ly.w[i] -= (lr * (mW[l][i] / c1)) / (Math.sqrt(vW[l][i] / c2) + ADAM_EPS);
    }
    for (let i = 0; i < Ly.b.length; i++) {
      const g = gB[l][i] / bw;
      mB[l][i] = ADAM_B1 * mB[l][i] + (1 - ADAM_B1) * g;
      vB[l][i] = ADAM_B2 * vB[l][i] + (1 - ADAM_B2) * g * g;
      Ly.b[i] -= (lr * (mB[l][i] / c1)) / (Math.sqrt(vB[l][i] / c2) + ADAM_EPS);
    }
  }
}
