// zoo-hash32-v1, the portable seeded sampler of zoo/spec.py, in JavaScript.
//
// Every value is a function of (seed, stream, element index) only: 32-bit words
// fmix32(fmix32(j ^ key) + key) with key = fmix32(seed ^ fmix32((stream + 1) * golden)),
// uniforms in (0, 1) from 27 + 26 bits of two words, normals by Box-Muller (cosine
// branch). The stream of an input is its index in the spec. Python draws the same
// numbers (zoo.spec.InputSpec.sample), so a page and a server agree on a seed.
(function (root) {
  "use strict";

  const GOLDEN = 0x9e3779b9;

  // MurmurHash3's 32-bit finalizer; Math.imul keeps the products' low 32 bits.
  function fmix32(h) {
    h = (h ^ (h >>> 16)) >>> 0;
    h = Math.imul(h, 0x85ebca6b) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    return (h ^ (h >>> 16)) >>> 0;
  }

  function streamKey(seed, stream) {
    const mixed = fmix32(Math.imul(stream + 1, GOLDEN) >>> 0);
    return fmix32((seed ^ mixed) >>> 0);
  }

  function word(counter, key) {
    return fmix32((fmix32((counter ^ key) >>> 0) + key) >>> 0);
  }

  // `count` uniforms in (0, 1) as float64; element i uses words 2i and 2i + 1.
  function uniform(seed, stream, count, start = 0) {
    const key = streamKey(seed, stream);
    const values = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      const j = 2 * (start + i);
      const high = Math.floor(word(j, key) / 32);
      const low = Math.floor(word(j + 1, key) / 64);
      values[i] = (high * 67108864 + low + 0.5) / 9007199254740992;
    }
    return values;
  }

  function normal(seed, stream, count) {
    const pairs = uniform(seed, stream, 2 * count);
    const values = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      values[i] = Math.sqrt(-2 * Math.log(pairs[2 * i])) * Math.cos(2 * Math.PI * pairs[2 * i + 1]);
    }
    return values;
  }

  // One input's n rows, as {type, data, dims} (the arguments of an ort.Tensor).
  function draw(input, n, seed, stream) {
    if (input.kind === "categorical") {
      const u = uniform(seed, stream, n);
      const ids = new Int32Array(n);
      for (let i = 0; i < n; i++) ids[i] = Math.min(Math.floor(u[i] * input.num_classes), input.num_classes - 1);
      return { type: "int32", data: ids, dims: [n] };
    }
    const shape = input.shape || [];
    const count = n * shape.reduce((a, b) => a * b, 1);
    let values;
    if (input.kind === "noise" && input.prior === "uniform") {
      values = uniform(seed, stream, count).map((u) => 2 * u - 1);
    } else if (input.kind === "noise") {
      values = normal(seed, stream, count);
    } else if (input.kind === "continuous") {
      values = uniform(seed, stream, count).map((u) => input.low + (input.high - input.low) * u);
    } else {
      throw new Error(`Input ${input.name} is a conditioning sample: it is not drawn from a seed.`);
    }
    return { type: "float32", data: Float32Array.from(values), dims: [n, ...shape] };
  }

  // Every input of `spec` (the list of InputSpec.get_config()), n rows from `seed`;
  // `fixed` maps a name to a value repeated for every row (a class id).
  function sample(spec, n, seed, fixed = {}) {
    if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
      throw new Error(`seed must be an integer in [0, 2**32), got ${seed}.`);
    }
    const values = {};
    spec.forEach((input, stream) => {
      if (input.name in fixed) {
        const row = fixed[input.name];
        values[input.name] =
          input.kind === "categorical"
            ? { type: "int32", data: new Int32Array(n).fill(row), dims: [n] }
            : { type: "float32", data: Float32Array.from({ length: n * row.length }, (_, i) => row[i % row.length]), dims: [n, row.length] };
      } else {
        values[input.name] = draw(input, n, seed, stream);
      }
    });
    return values;
  }

  // Spherical interpolation as zoo.diagnostics.interpolation.slerp (White 2016):
  // the direction moves along the great circle, the norm linearly.
  function slerp(start, end, t) {
    const dot = (a, b) => a.reduce((sum, value, i) => sum + value * b[i], 0);
    const startNorm = Math.sqrt(dot(start, start));
    const endNorm = Math.sqrt(dot(end, end));
    const lerp = () => Float32Array.from(start, (value, i) => (1 - t) * value + t * end[i]);
    if (t === 0) return Float32Array.from(start);
    if (t === 1) return Float32Array.from(end);
    if (startNorm === 0 || endNorm === 0) return lerp();
    const cosine = Math.min(1, Math.max(-1, dot(start, end) / (startNorm * endNorm)));
    const omega = Math.acos(cosine);
    if (omega < 1e-6 || Math.PI - omega < 1e-6) return lerp();
    const a = Math.sin((1 - t) * omega) / Math.sin(omega);
    const b = Math.sin(t * omega) / Math.sin(omega);
    const norm = (1 - t) * startNorm + t * endNorm;
    return Float32Array.from(start, (value, i) => (a * (value / startNorm) + b * (end[i] / endNorm)) * norm);
  }

  const api = { SAMPLER: "zoo-hash32-v1", fmix32, uniform, normal, draw, sample, slerp };
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.zooSampler = api;
})(this);
