// The generator page: draws the inputs with zoo-sampler.js, runs the ONNX generator
// with onnxruntime-web (WASM, one thread: no cross-origin isolation needed), and
// shows the samples. The numbers behind the grid go into <pre id="samples"> as JSON,
// so a test (or a curious user) can compare them with Python's.
(async function () {
  "use strict";
  const config = JSON.parse(document.getElementById("zoo-config").textContent);
  const status = document.getElementById("status");
  const spec = config.spec;
  const noiseIndex = spec.findIndex((input) => input.kind === "noise");
  const categorical = spec.filter((input) => input.kind === "categorical");
  const fixed = {};
  let session;
  let grid;

  // === Drawing ===
  function toBytes(values, range) {
    let [low, high] = Array.isArray(range) ? range : [Infinity, -Infinity];
    if (!Array.isArray(range)) {
      for (const value of values) [low, high] = [Math.min(low, value), Math.max(high, value)];
    }
    const scale = high > low ? 255 / (high - low) : 0;
    return Array.from(values, (value) => Math.max(0, Math.min(255, Math.round((value - low) * scale))));
  }

  function drawImage(canvas, values, shape) {
    const [height, width, channels] = shape;
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext("2d");
    const image = context.createImageData(width, height);
    const bytes = toBytes(values, config.valueRange);
    for (let p = 0; p < width * height; p++) {
      for (let c = 0; c < 3; c++) image.data[4 * p + c] = bytes[p * channels + (channels === 1 ? 0 : c)];
      image.data[4 * p + 3] = 255;
    }
    context.putImageData(image, 0, 0);
  }

  function drawWave(canvas, values, shape) {
    const [length, channels] = shape;
    canvas.width = 256;
    canvas.height = 64;
    const context = canvas.getContext("2d");
    context.fillStyle = "#fff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.strokeStyle = "#246";
    context.beginPath();
    for (let x = 0; x < canvas.width; x++) {
      const value = values[Math.floor((x / canvas.width) * length) * channels];
      context.lineTo(x, (1 - (Math.max(-1, Math.min(1, value)) + 1) / 2) * canvas.height);
    }
    context.stroke();
  }

  function play(values, shape) {
    const [length, channels] = shape;
    const audio = new AudioContext();
    const buffer = audio.createBuffer(channels, length, config.sampleRate);
    for (let c = 0; c < channels; c++) {
      buffer.copyToChannel(Float32Array.from({ length }, (_, i) => values[i * channels + c]), c);
    }
    const source = audio.createBufferSource();
    source.buffer = buffer;
    source.connect(audio.destination);
    source.start();
  }

  function drawPoints(canvas, rows, width) {
    canvas.width = canvas.height = 320;
    const context = canvas.getContext("2d");
    context.fillStyle = "#fff";
    context.fillRect(0, 0, 320, 320);
    const all = rows.flat();
    const extent = Math.max(1e-6, ...all.map(Math.abs));
    context.fillStyle = "#246";
    for (const row of rows) {
      const [x, y] = [row[0], width > 1 ? row[1] : 0];
      context.fillRect(160 + (x / extent) * 150 - 2, 160 - (y / extent) * 150 - 2, 4, 4);
    }
  }

  // One sample (values of one row of the output) into a new element of `parent`.
  function show(parent, values, shape, label) {
    const cell = document.createElement("figure");
    const canvas = document.createElement("canvas");
    cell.appendChild(canvas);
    if (config.kind === "images") drawImage(canvas, values, shape);
    if (config.kind === "audio") {
      drawWave(canvas, values, shape);
      const button = document.createElement("button");
      button.textContent = "▶ play";
      button.addEventListener("click", () => play(values, shape));
      cell.appendChild(button);
    }
    if (label !== undefined) {
      const caption = document.createElement("figcaption");
      caption.textContent = label;
      cell.appendChild(caption);
    }
    parent.appendChild(cell);
  }

  // === Running the generator ===
  async function run(inputs) {
    const feeds = {};
    for (const [name, value] of Object.entries(inputs)) feeds[name] = new ort.Tensor(value.type, value.data, value.dims);
    const results = await session.run(feeds);
    const output = results[config.output.name] || results[session.outputNames[0]];
    return { data: output.data, dims: output.dims };
  }

  function rows(output) {
    const size = output.dims.slice(1).reduce((a, b) => a * b, 1);
    return Array.from({ length: output.dims[0] }, (_, i) => output.data.subarray(i * size, (i + 1) * size));
  }

  async function generate() {
    const seed = Number(document.getElementById("seed").value);
    const inputs = zooSampler.sample(spec, config.n, seed, fixed);
    const output = await run(inputs);
    grid = { seed, inputs, output };
    const container = document.getElementById("grid");
    container.className = config.kind; // audio cells are wider: a waveform, not a thumbnail
    container.replaceChildren();
    const shape = output.dims.slice(1);
    if (config.kind === "vectors") {
      const canvas = document.createElement("canvas");
      container.appendChild(canvas);
      drawPoints(canvas, rows(output).map((row) => Array.from(row)), shape[0]);
    } else {
      const names = categorical.map((input) => input.name);
      rows(output).forEach((row, i) => {
        const label = names.map((name) => `${name} ${inputs[name].data[i]}`).join(", ") || undefined;
        show(container, row, shape, label);
      });
    }
    document.getElementById("samples").textContent = JSON.stringify({
      seed,
      n: config.n,
      inputs: Object.fromEntries(Object.entries(inputs).map(([name, value]) => [name, Array.from(value.data)])),
      shape: output.dims,
      output: Array.from(output.data),
    });
    await walk();
  }

  // The slider walks from the first sample's noise to the second's (slerp); the
  // other inputs stay those of the first sample.
  async function walk() {
    const slider = document.getElementById("walk");
    const t = Number(slider.value);
    document.getElementById("walk-t").textContent = `t = ${t.toFixed(2)}`;
    const view = document.getElementById("walk-view");
    if (noiseIndex < 0 || config.n < 2) {
      document.getElementById("walk-box").hidden = true;
      return;
    }
    const noise = spec[noiseIndex];
    const size = noise.shape.reduce((a, b) => a * b, 1);
    const z = grid.inputs[noise.name].data;
    const point = zooSampler.slerp(z.subarray(0, size), z.subarray(size, 2 * size), t);
    const inputs = {};
    for (const [name, value] of Object.entries(grid.inputs)) {
      const width = value.data.length / config.n;
      inputs[name] = { type: value.type, data: value.data.slice(0, width), dims: [1, ...value.dims.slice(1)] };
    }
    inputs[noise.name] = { type: "float32", data: point, dims: [1, ...noise.shape] };
    const output = await run(inputs);
    view.replaceChildren();
    if (config.kind === "vectors") {
      const canvas = document.createElement("canvas");
      view.appendChild(canvas);
      drawPoints(canvas, [Array.from(output.data)], output.dims[1]);
    } else {
      show(view, output.data, output.dims.slice(1));
    }
    document.getElementById("interpolation").textContent = JSON.stringify({
      t,
      z: Array.from(point),
      output: Array.from(output.data),
    });
  }

  // === Controls ===
  // The URL may set the seed and fix classes (?seed=5&label=3), so a view can be shared.
  const query = new URLSearchParams(location.search);

  function controls() {
    const box = document.getElementById("classes");
    for (const input of categorical) {
      const label = document.createElement("label");
      label.textContent = `${input.name} `;
      const select = document.createElement("select");
      select.add(new Option("drawn from the seed", ""));
      for (let k = 0; k < input.num_classes; k++) select.add(new Option(String(k), String(k)));
      select.addEventListener("change", () => {
        if (select.value === "") delete fixed[input.name];
        else fixed[input.name] = Number(select.value);
        generate().catch(fail);
      });
      label.appendChild(select);
      box.appendChild(label);
      const wanted = query.get(input.name);
      if (wanted !== null) {
        const id = Number(wanted);
        if (!Number.isInteger(id) || id < 0 || id >= input.num_classes) {
          throw new Error(`${input.name} must be a class id in [0, ${input.num_classes}), got ${wanted}.`);
        }
        fixed[input.name] = id;
        select.value = String(id);
      }
    }
    document.getElementById("seed").value = query.get("seed") ?? String(config.seed);
    document.getElementById("seed").addEventListener("change", () => generate().catch(fail));
    document.getElementById("new").addEventListener("click", () => {
      document.getElementById("seed").value = String(crypto.getRandomValues(new Uint32Array(1))[0]);
      generate().catch(fail);
    });
    document.getElementById("walk").addEventListener("input", () => walk().catch(fail));
  }

  function fail(error) {
    status.textContent = `Error: ${error.message || error}`;
    document.getElementById("samples").textContent = JSON.stringify({ error: String(error.message || error) });
  }

  try {
    // One thread: threads need SharedArrayBuffer, i.e. cross-origin-isolation headers
    // that a plain static host does not send.
    ort.env.wasm.numThreads = 1;
    // A relative folder would be read as a bare module specifier: resolve it against the page.
    ort.env.wasm.wasmPaths = new URL(config.ortBase, document.baseURI).href;
    session = await ort.InferenceSession.create(config.model, { executionProviders: ["wasm"] });
    const missing = spec.map((input) => input.name).filter((name) => !session.inputNames.includes(name));
    if (missing.length) throw new Error(`The ONNX model has no input ${missing.join(", ")}.`);
    controls();
    await generate();
    status.textContent = `Ready: ${config.n} samples, onnxruntime-web ${config.ortVersion} (WASM).`;
  } catch (error) {
    fail(error);
  }
})();
