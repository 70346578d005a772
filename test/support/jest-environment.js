// Node test environment with two changes to Jest's own (jest-environment-node):
//
// 1. Its typed-array constructors are the host's own. onnxruntime-node checks
//    `data instanceof Float32Array` against the host realm; Jest's sandbox has its own
//    constructors, which makes every tensor built in a test fail that check.
//
// 2. Its global object is an ordinary V8 global, not a "contextified" one. Jest creates its
//    context with vm.createContext(proxy): Node then answers every global name that a test or
//    the code under test looks up (Number, Math, Float32Array, ...) through a C++ interceptor
//    that asks the sandbox object (Jest's GlobalProxy) first, which V8 cannot cache: ~100 ns a
//    lookup instead of ~1 ns. A hot loop with a global in it ran about 20x slower under Jest than
//    in node — with Jest's stock environment too, so not the typed-array sharing (Node 20.20;
//    a loop of 1e7 Number.isFinite calls: 0.02 s in node, 1.0 s in a contextified vm context,
//    0.01 s in a plain one; readNifti of a 256x256x150 float64 volume: 4.2 s under Jest,
//    0.18 s in node, 0.23 s here; reading its 150 slices 1.5 s, 0.08 s, 0.15 s).
//    vm.constants.DONT_CONTEXTIFY (Node >= 20.18) makes a context without the interceptor,
//    whose global object is then itself the sandbox. Jest's constructor runs unchanged, with
//    vm.createContext swapped for that one call (and put back before it returns).
//    What is left: typed arrays made with the host's constructors inside the context cost a
//    little more (150 float32 slices of 256x256: 0.14 s with the sharing, 0.07 s without).
//    What this gives up: Jest's GlobalProxy, which records what tests set on the global and
//    empties those values at teardown (globalsCleanup) to limit leaks between files. Measured
//    without it: `jest --runInBand --logHeapUsage test/unit test/hostile test/security` (105
//    files) ended at 387 MB of heap against 1,290 MB with it, in 91 s against 128 s.
const vm = require('node:vm');
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView',
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
  'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
];

/** Runs `construct` with vm.createContext making plain (uninterceptored) contexts; whether it made one. */
function withPlainContexts(construct) {
  const createContext = vm.createContext;
  let made = false;
  vm.createContext = () => {
    made = true;
    return createContext(vm.constants.DONT_CONTEXTIFY);
  };
  try {
    construct();
  } finally {
    vm.createContext = createContext;
  }
  return made;
}

class SharedTypedArrayEnvironment extends TestEnvironment {
  constructor(config, context) {
    // an arrow function in a derived constructor may call super()
    const made = withPlainContexts(() => super(config, context));
    // a Jest that no longer creates its context through vm.createContext would silently bring
    // the slow global lookups back: say so instead
    if (!made) throw new Error('jest-environment.js: jest-environment-node no longer calls vm.createContext; revisit the plain-context swap');
    for (const name of SHARED) this.global[name] = globalThis[name];
    this.global.Buffer = Buffer;
  }
}

module.exports = SharedTypedArrayEnvironment;
