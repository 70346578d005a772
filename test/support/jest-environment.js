// Node test environment whose typed-array constructors are the host's own. onnxruntime-node
// checks `data instanceof Float32Array` against the host realm; Jest's sandbox has its own
// constructors, which makes every tensor built in a test fail that check.
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView',
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
  'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
];

class SharedTypedArrayEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
    this.global.Buffer = Buffer;
  }
}

module.exports = SharedTypedArrayEnvironment;
