import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { readImageHeader } from '../../../media/image-header.js';

const fixture = (file: string): Buffer => readFileSync(new URL(`../../fixtures/media/${file}`, import.meta.url));

test('JPEG and PNG headers give size and layout before decoding', () => {
  assert.deepEqual(readImageHeader(fixture('autumn.jpg')), { format: 'jpeg', width: 640, height: 400, plain8Bit: true, grey: false });
  assert.deepEqual(readImageHeader(fixture('autumn-progressive.jpg')), { format: 'jpeg', width: 320, height: 200, plain8Bit: true, grey: false });
  assert.deepEqual(readImageHeader(fixture('autumn-grey.jpg')), { format: 'jpeg', width: 480, height: 300, plain8Bit: true, grey: true });
  assert.deepEqual(readImageHeader(fixture('autumn-cmyk.jpg')), { format: 'jpeg', width: 320, height: 200, plain8Bit: false, grey: false });
  assert.deepEqual(readImageHeader(fixture('autumn-alpha.png')), { format: 'png', width: 320, height: 200, plain8Bit: true, grey: false });
  assert.deepEqual(readImageHeader(fixture('autumn-grey-alpha.png')), { format: 'png', width: 320, height: 200, plain8Bit: true, grey: true });
  assert.deepEqual(readImageHeader(fixture('autumn-rgb16.png')), { format: 'png', width: 320, height: 200, plain8Bit: false, grey: false });
});

test('other formats and broken headers give undefined (the decoder then asks sharp)', () => {
  assert.equal(readImageHeader(fixture('autumn-lossy.webp')), undefined);
  assert.equal(readImageHeader(fixture('autumn-palette.gif')), undefined);
  assert.equal(readImageHeader(new Uint8Array(0)), undefined);
  assert.equal(readImageHeader(fixture('autumn.jpg').subarray(0, 20)), undefined);
  assert.equal(readImageHeader(new Uint8Array([0xff, 0xd8, 0x00, 0x00, 0x00])), undefined);
});
