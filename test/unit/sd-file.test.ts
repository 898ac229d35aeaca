import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { announce, removeStale, targetFile } from '../../deploy/prometheus/sd-file.js';

const root = mkdtempSync(join(tmpdir(), 'weir-sd-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => join(root, `d${dirs++}`);

/** The id of a process that has exited (the child ran and was reaped). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('Prometheus file-based discovery', () => {
  it('writes weir-<topology>-<pid>.json with the target and its labels, creating the directory', () => {
    const dir = freshDir();
    const announcement = announce(dir, { topology: 'quickstart', address: '127.0.0.1:9464', pid: process.pid });
    assert.equal(announcement.file, join(dir, `weir-quickstart-${process.pid}.json`));
    assert.deepEqual(JSON.parse(readFileSync(announcement.file, 'utf8')), [
      { targets: ['127.0.0.1:9464'], labels: { topology: 'quickstart', instance_pid: String(process.pid) } },
    ]);
    assert.deepEqual(readdirSync(dir), [`weir-quickstart-${process.pid}.json`], 'no temporary file is left behind');
  });

  it('remove() deletes the file, and a second remove() is harmless', () => {
    const dir = freshDir();
    const announcement = announce(dir, { topology: 'slow-test', address: '[::1]:9100', pid: process.pid });
    announcement.remove();
    announcement.remove();
    assert.deepEqual(readdirSync(dir), []);
  });

  it('announces a wildcard listen address as loopback, keeps IPv6 brackets', () => {
    const dir = freshDir();
    const v4 = announce(dir, { topology: 'a', address: '0.0.0.0:9464', pid: process.pid });
    assert.deepEqual((JSON.parse(readFileSync(v4.file, 'utf8')) as { targets: string[] }[])[0]?.targets, ['127.0.0.1:9464']);
    const v6 = announce(dir, { topology: 'b', address: '[::]:9465', pid: process.pid });
    assert.deepEqual((JSON.parse(readFileSync(v6.file, 'utf8')) as { targets: string[] }[])[0]?.targets, ['[::1]:9465']);
  });

  it('clears the files of workers that no longer run, and leaves live ones and other files alone', () => {
    const dir = freshDir();
    const dead = deadPid();
    announce(dir, { topology: 'quickstart', address: '127.0.0.1:9464', pid: process.pid });
    writeFileSync(targetFile(dir, { topology: 'quickstart', pid: dead }), '[]\n');
    writeFileSync(join(dir, 'static.json'), '[]\n');
    const announcement = announce(dir, { topology: 'other', address: '127.0.0.1:9465', pid: process.pid });
    assert.deepEqual(readdirSync(dir).sort(), ['static.json', `weir-other-${process.pid}.json`, `weir-quickstart-${process.pid}.json`]);
    assert.ok(announcement.file.endsWith(`weir-other-${process.pid}.json`));
    assert.deepEqual(removeStale(dir), []);
  });

  it('refuses an address without a bound port, a topology that is not a name, and a bad pid', () => {
    const dir = freshDir();
    assert.throws(() => announce(dir, { topology: 'q', address: '127.0.0.1:0', pid: process.pid }), /'127.0.0.1:0' is not a host:port address with a bound port/);
    assert.throws(() => announce(dir, { topology: 'q', address: 'http://127.0.0.1:9464', pid: process.pid }), /not a host:port address/);
    assert.throws(() => announce(dir, { topology: '../etc', address: '127.0.0.1:9464', pid: process.pid }), /not a kebab-case name/);
    assert.throws(() => announce(dir, { topology: 'q', address: '127.0.0.1:9464', pid: 0 }), /pid 0 is not a process id/);
  });
});
