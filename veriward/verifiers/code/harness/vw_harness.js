// The JavaScript function-call harness, shipped into the sandbox beside the submission.
//
// It reads `{"entry_point", "args"}` (JSON) on stdin, loads `solution.js` as a CommonJS module, calls the
// entry point with the JSON-decoded args (awaiting a returned promise), and writes one JSON line on the
// result pipe whose fd is its first argument: `{"value": <tagged JSON>}`, `{"unencodable": why}` or
// `{"exc": name, "msg": text}`. Values are encoded like the Python runner's (plain JSON, and tagged
// `dict`/`set` for Map, Set and objects); JavaScript has one number type, so an integral number is
// written as an integer. The verdict is computed outside the sandbox.
'use strict';
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const Module = require('module');

const fd = Number(process.argv[2]);
const MAX_DEPTH = 200;

class Unencodable extends Error {}

function num(v) {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (Number.isInteger(v)) return big(BigInt(v));
  return String(v);
}

// str(int) is refused beyond 4300 digits where the value is read: bigger integers travel as hex.
const BIG = 10n ** 4000n;
function big(v) {
  if (v < BIG && v > -BIG) return v.toString();
  const hex = (v < 0n ? '-0x' + (-v).toString(16) : '0x' + v.toString(16));
  return '{"t":"int","v":"' + hex + '"}';
}

function enc(v, depth) {
  if (depth > MAX_DEPTH) throw new Unencodable('value nested too deeply');
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'boolean': return v ? 'true' : 'false';
    case 'number': return num(v);
    case 'bigint': return big(v);
    case 'string': return JSON.stringify(v);
  }
  const d = depth + 1;
  if (Array.isArray(v) || ArrayBuffer.isView(v)) {
    return '[' + Array.from(v, (x) => enc(x, d)).join(',') + ']';
  }
  if (v instanceof Map) {
    const items = Array.from(v, ([k, x]) => '[' + enc(k, d) + ',' + enc(x, d) + ']');
    return '{"t":"dict","v":[' + items.join(',') + ']}';
  }
  if (v instanceof Set) {
    const items = Array.from(v, (x) => enc(x, d)).sort();
    return '{"t":"set","v":[' + items.join(',') + ']}';
  }
  const proto = Object.getPrototypeOf(v);
  if (typeof v === 'object' && (proto === Object.prototype || proto === null)) {
    const items = Object.keys(v).map((k) => '[' + JSON.stringify(k) + ',' + enc(v[k], d) + ']');
    return '{"t":"dict","v":[' + items.join(',') + ']}';
  }
  const kind = (v && v.constructor && v.constructor.name) || typeof v;
  throw new Unencodable('cannot return a value of type ' + kind);
}

function load(entry) {
  const file = path.resolve('solution.js');
  const source = fs.readFileSync(file, 'utf8');
  const wrapper = '(function (exports, require, module, __filename, __dirname) {' + source +
    '\n;return (typeof ' + entry + " === 'function') ? " + entry + ' : undefined;\n})';
  const mod = new Module(file, null);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(path.dirname(file));
  const fn = vm.runInThisContext(wrapper, { filename: file });
  const found = fn.call(mod.exports, mod.exports, (id) => mod.require(id), mod, file, path.dirname(file));
  if (typeof found === 'function') return found;
  const exp = mod.exports;
  if (exp && typeof exp[entry] === 'function') return exp[entry];
  if (typeof exp === 'function') return exp;
  throw new TypeError('no function named ' + entry);
}

function excRecord(e) {
  let name = 'Error';
  let msg = '';
  try {
    name = String((e && e.name) || 'Error');
    msg = String(e && e.message !== undefined ? e.message : e).slice(0, 300);
  } catch (_) { /* an exception object whose fields throw */ }
  return JSON.stringify({ exc: name, msg: msg });
}

async function main() {
  const job = JSON.parse(fs.readFileSync(0, 'utf8'));
  let record;
  try {
    const fn = load(job.entry_point);
    let value = fn(...job.args);
    if (value && typeof value.then === 'function') value = await value;
    record = '{"value":' + enc(value, 0) + '}';
  } catch (e) {
    if (e instanceof Unencodable) record = JSON.stringify({ unencodable: e.message });
    else {
      record = excRecord(e);
      try { console.error(e); } catch (_) { /* ignore */ }
    }
  }
  fs.writeSync(fd, record + '\n');
  process.exit(0);
}

main();
