import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { fileFetcher, ImageSource, type ImageReference, type UriFetcher } from '../../../media/image-source.js';
import { MediaError } from '../../../media/media-error.js';

const dir = mkdtempSync(join(tmpdir(), 'weir-image-source-'));
const root = join(dir, 'images');
mkdirSync(root);
mkdirSync(join(root, 'folder'));
writeFileSync(join(root, 'small.jpg'), Buffer.from('0123456789'));
writeFileSync(join(root, 'big.jpg'), Buffer.alloc(5000, 7));
writeFileSync(join(dir, 'secret.txt'), 'outside the root');
symlinkSync(join(dir, 'secret.txt'), join(root, 'escape.jpg'));
after(() => rmSync(dir, { recursive: true, force: true }));

const source = new ImageSource([fileFetcher([root])], { maxBytes: 1000, timeoutMs: 2000 });
const fileUri = (path: string): string => pathToFileURL(path).href;

async function reason(reference: ImageReference, from = source): Promise<[string, string]> {
  try {
    await from.bytesOf(reference);
  } catch (error) {
    assert.ok(error instanceof MediaError, `not a MediaError: ${String(error)}`);
    return [error.reason, error.message];
  }
  assert.fail(`expected ${JSON.stringify(reference)} to be refused`);
}

test('inline bytes pass through, within the size limit', async () => {
  const bytes = new Uint8Array([1, 2, 3]);
  assert.equal(await source.bytesOf({ bytes }), bytes);
  assert.equal((await reason({ bytes: new Uint8Array(1001) }))[0], 'too-large');
});

test('file:/// URIs are read below the roots', async () => {
  assert.equal(Buffer.from(await source.bytesOf({ uri: fileUri(join(root, 'small.jpg')) })).toString(), '0123456789');
  assert.equal(Buffer.from(await source.bytesOf({ uri: `file://localhost${join(root, 'small.jpg')}` })).toString(), '0123456789');
});

test('file errors name what went wrong', async () => {
  assert.deepEqual((await reason({ uri: fileUri(join(root, 'big.jpg')) }))[0], 'too-large');
  assert.deepEqual((await reason({ uri: fileUri(join(root, 'missing.jpg')) }))[0], 'not-found');
  assert.deepEqual((await reason({ uri: fileUri(join(root, 'folder')) }))[0], 'not-found');
  assert.deepEqual((await reason({ uri: fileUri(join(dir, 'secret.txt')) }))[0], 'forbidden-path');
  assert.deepEqual((await reason({ uri: fileUri(join(root, 'escape.jpg')) }))[0], 'forbidden-path');
  assert.deepEqual((await reason({ uri: fileUri(join(root, '..', 'secret.txt')) }))[0], 'forbidden-path');
  assert.deepEqual((await reason({ uri: 'file:images/small.jpg' }))[0], 'invalid-uri');
  assert.deepEqual((await reason({ uri: `file://otherhost${join(root, 'small.jpg')}` }))[0], 'invalid-uri');
  assert.deepEqual((await reason({ uri: 'not a uri' }))[0], 'invalid-uri');
});

test('other schemes are refused with a reason and a message naming the scheme', async () => {
  const [why, message] = await reason({ uri: 'https://example.org/cat.jpg' });
  assert.equal(why, 'unsupported-scheme');
  assert.match(message, /'https:'/);
  assert.match(message, /supported: file:/);
  assert.match((await reason({ uri: 's3://bucket/cat.jpg' }))[1], /'s3:'/);
});

test('a fetch that does not answer in time fails with timeout, and its signal is aborted', async () => {
  let aborted = false;
  const hanging: UriFetcher = {
    scheme: 'slow:',
    fetch: (_uri, _text, _max, signal) =>
      new Promise(() => {
        signal.addEventListener('abort', () => (aborted = true));
      }),
  };
  const slow = new ImageSource([hanging], { timeoutMs: 50 });
  const [why, message] = await reason({ uri: 'slow://x' }, slow);
  assert.equal(why, 'timeout');
  assert.match(message, /50 ms/);
  assert.ok(aborted);
});

test('a file fetcher needs absolute roots', () => {
  assert.throws(() => fileFetcher([]), TypeError);
  assert.throws(() => fileFetcher(['relative/dir']), TypeError);
});
