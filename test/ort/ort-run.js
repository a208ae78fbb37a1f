#!/usr/bin/env node
// Runs an ONNX model with ONNX Runtime (CPU): q8's oracle in tests and its
// peer in benchmarks. Inputs and outputs are .npy files.
//
//   node ort-run.js MODEL --input NAME=FILE.npy ... [--output-dir DIR]
//        [--threads N] [--bench N] [--opt-level disabled|basic|extended|all]
//        [--disable-optimizers NAME[,NAME...]]
//
// --bench N runs N timed iterations after warm-up and prints
// "ort: min M ms, median M ms, max M ms" (milliseconds).
//
// --disable-optimizers turns the named graph transformers off (e.g.
// MatMulAddFusion, which can rewrite a QDQ MatMul + Add into an fp32 Gemm)
// through the session config entry "optimization.disable_specified_optimizers"
// (sessionOptions.extra). Bindings that do not read `extra` (onnxruntime-node
// 1.20's does not) would drop it silently, so ort-run probes the binding first
// and warns on stderr when the option cannot take effect.
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

const DTYPES = {
  '<f4': ['float32', Float32Array], '<f8': ['float64', Float64Array],
  '<i8': ['int64', BigInt64Array], '<i4': ['int32', Int32Array],
  '<i2': ['int16', Int16Array], '|i1': ['int8', Int8Array],
  '|u1': ['uint8', Uint8Array], '|b1': ['bool', Uint8Array],
};

function fail(message) {
  process.stderr.write(`ort-run: error: ${message}\n`);
  process.exit(1);
}

function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== '\x93NUMPY')
    fail(`${file}: not a .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !shape || /'fortran_order':\s*True/.test(header))
    fail(`${file}: unsupported .npy header ${header.trim()}`);
  const entry = DTYPES[descr[1]];
  if (!entry) fail(`${file}: unsupported dtype ${descr[1]}`);
  const dims = shape[1].split(',').map(s => s.trim()).filter(Boolean).map(Number);
  const [type, Ctor] = entry;
  const count = dims.reduce((a, b) => a * b, 1);
  const bytes = buf.subarray(start + headerLen);
  if (bytes.length !== count * Ctor.BYTES_PER_ELEMENT)
    fail(`${file}: holds ${bytes.length} bytes, shape [${dims}] needs ${count * Ctor.BYTES_PER_ELEMENT}`);
  const data = new Ctor(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  return new ort.Tensor(type, type === 'bool' ? Uint8Array.from(data) : data, dims);
}

function writeNpy(file, tensor) {
  const descr = Object.keys(DTYPES).find(k => DTYPES[k][0] === tensor.type);
  if (!descr) fail(`output of type ${tensor.type} cannot be written as .npy`);
  const shape = tensor.dims.length === 1 ? `(${tensor.dims[0]},)` : `(${tensor.dims.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1; head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const data = Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
  fs.writeFileSync(file, Buffer.concat([head, Buffer.from(header, 'latin1'), data]));
}

function parseArgs(argv) {
  const args = { inputs: {}, threads: 1, bench: 0, optLevel: 'all', disableOptimizers: [] };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const value = () => (++i < argv.length ? argv[i] : fail(`${a} needs a value`));
    if (a === '--input') {
      const v = value(), eq = v.indexOf('=');
      if (eq <= 0) fail(`--input expects NAME=FILE.npy, got '${v}'`);
      args.inputs[v.slice(0, eq)] = v.slice(eq + 1);
    } else if (a === '--output-dir') args.outputDir = value();
    else if (a === '--threads') args.threads = Number(value());
    else if (a === '--bench') args.bench = Number(value());
    else if (a === '--opt-level') args.optLevel = value();
    else if (a === '--disable-optimizers')
      args.disableOptimizers.push(...value().split(',').filter(Boolean));
    else if (a.startsWith('--')) fail(`unknown option ${a}`);
    else if (args.model) fail(`more than one model: ${args.model}, ${a}`);
    else args.model = a;
  }
  if (!args.model) fail('usage: ort-run.js MODEL --input NAME=FILE.npy ... [--output-dir DIR] [--bench N]');
  return args;
}

// Whether this binding passes sessionOptions.extra to ORT as config entries.
// A binding that reads `extra` rejects a non-string value while parsing the
// options, before it looks at the model; one that does not fails on the
// (deliberately invalid) model instead.
async function bindingReadsExtra() {
  try {
    await ort.InferenceSession.create(new Uint8Array([0]), { extra: { q8_probe: 1 } });
  } catch (e) {
    return /extra/.test(e.message);
  }
  return false;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const options = { intraOpNumThreads: args.threads, interOpNumThreads: 1,
                    executionMode: 'sequential', graphOptimizationLevel: args.optLevel };
  if (args.disableOptimizers.length) {
    // ORT splits this entry's value at ';'.
    options.extra = { optimization: { disable_specified_optimizers: args.disableOptimizers.join(';') } };
    if (!(await bindingReadsExtra()))
      process.stderr.write(`ort-run: warning: this onnxruntime-node binding ignores sessionOptions.extra; ` +
                           `--disable-optimizers ${args.disableOptimizers.join(',')} has no effect\n`);
  }
  const session = await ort.InferenceSession.create(args.model, options);
  const feeds = {};
  for (const name of session.inputNames) {
    if (!(name in args.inputs)) fail(`${args.model}: input '${name}' has no --input`);
    feeds[name] = readNpy(args.inputs[name]);
  }
  for (const name of Object.keys(args.inputs))
    if (!session.inputNames.includes(name))
      fail(`${args.model}: no input named '${name}' (inputs: ${session.inputNames.join(', ')})`);

  let outputs = await session.run(feeds);
  if (args.bench > 0) {
    for (let i = 0; i < Math.min(10, args.bench); ++i) await session.run(feeds);
    const times = [];
    for (let i = 0; i < args.bench; ++i) {
      const t0 = process.hrtime.bigint();
      outputs = await session.run(feeds);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    times.sort((a, b) => a - b);
    const f = x => x.toFixed(3);
    console.log(`ort: min ${f(times[0])} ms, median ${f(times[times.length >> 1])} ms, max ${f(times[times.length - 1])} ms`);
  }
  if (args.outputDir) {
    fs.mkdirSync(args.outputDir, { recursive: true });
    for (const name of session.outputNames)
      writeNpy(path.join(args.outputDir, `${name}.npy`), outputs[name]);
  } else if (!args.bench) {
    for (const name of session.outputNames)
      console.log(`${name} [${outputs[name].dims}] ${outputs[name].type}: ${Array.from(outputs[name].data.slice(0, 8)).join(' ')}${outputs[name].size > 8 ? ' ...' : ''}`);
  }
}

main().catch(e => fail(e.message));
