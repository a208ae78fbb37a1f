#!/usr/bin/env node
// Runs one ONNX model with ONNX Runtime (CPU) on several samples in one
// session, for graph_fuzz.py's int8 error estimate (the calibration ranges
// of every activation, and a fake-quantized copy of the model):
//
//   node ort-multi.js MODEL OUTDIR SAMPLEDIR... [--opt-level LEVEL]
//
// SAMPLEDIR k holds <input>.npy (float32, int64 or int32) for each model
// input; the float32 outputs
// go to OUTDIR/k/<output>.npy. The .npy handling is test/ort/ort-run.js's; onnxruntime-node is the one test/ort installs.
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require(path.join(__dirname, '..', 'ort', 'node_modules', 'onnxruntime-node'));

function fail(message) {
  process.stderr.write(`ort-multi: error: ${message}\n`);
  process.exit(1);
}

function readNpy(file) {
  const buf = fs.readFileSync(file);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header);
  const types = { '<f4': ['float32', Float32Array], '<i8': ['int64', BigInt64Array],
                  '<i4': ['int32', Int32Array] };
  if (!descr || !types[descr[1]] || !shape) fail(`${file}: not a float32, int64 or int32 .npy`);
  const [type, Ctor] = types[descr[1]];
  const dims = shape[1].split(',').map(s => s.trim()).filter(Boolean).map(Number);
  const bytes = buf.subarray(start + headerLen);
  const data = new Ctor(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  return new ort.Tensor(type, data, dims);
}

function writeNpy(file, tensor) {
  if (tensor.type !== 'float32') fail(`output of type ${tensor.type}`);
  const shape = tensor.dims.length === 1 ? `(${tensor.dims[0]},)` : `(${tensor.dims.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1; head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const data = Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
  fs.writeFileSync(file, Buffer.concat([head, Buffer.from(header, 'latin1'), data]));
}

async function main() {
  const argv = process.argv.slice(2);
  let optLevel = 'all';
  const positional = [];
  for (let i = 0; i < argv.length; ++i) {
    if (argv[i] === '--opt-level') optLevel = argv[++i];
    else positional.push(argv[i]);
  }
  const [model, outDir, ...samples] = positional;
  if (!model || !outDir || !samples.length) fail('usage: ort-multi.js MODEL OUTDIR SAMPLEDIR...');
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential',
    graphOptimizationLevel: optLevel });
  for (const [k, dir] of samples.entries()) {
    const feeds = {};
    for (const name of session.inputNames) feeds[name] = readNpy(path.join(dir, `${name}.npy`));
    const outputs = await session.run(feeds);
    const out = path.join(outDir, String(k));
    fs.mkdirSync(out, { recursive: true });
    for (const name of session.outputNames) writeNpy(path.join(out, `${name}.npy`), outputs[name]);
  }
}

main().catch(e => fail(e.message));
