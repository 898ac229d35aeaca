import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lanczosKernelsWasm } from '../../../media/lanczos-kernels-wasm.js';
import { assembleLanczosKernels } from '../../../scripts/media/build-lanczos-kernels.js';

test('the committed WebAssembly is lanczos-kernels.wat assembled (rebuild with scripts/media/build-lanczos-kernels.ts)', async () => {
  assert.equal(Buffer.from(await assembleLanczosKernels()).toString('base64'), lanczosKernelsWasm);
});
