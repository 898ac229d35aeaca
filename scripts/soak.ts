/**
 * The exactly-once soak: runs the exactly-once chaos scenario (test/chaos/kill-workers.test.ts) K times in a row,
 * each with a new seed, and prints one line per run and a total. A run passes when every record was output exactly
 * once by both readers (Weir's and Kafka's Java consumer) and the Redis state equals the reference.
 *
 *   node --import tsx scripts/soak.ts [--runs 20] [--records 200000] [--kills 10]      (npm run soak -- --runs 20)
 *
 * Needs the local stack (bash deploy/local/stack up). Exit code 1 when a run failed. Worker logs of every run stay in
 * $WEIR_TEST_LOG_DIR (default: a weir-test-logs folder in the system's temporary directory).
 */
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' }, records: { type: 'string', default: '200000' }, kills: { type: 'string', default: '10' } } });
const runs = Number(values.runs);
const chaosTest = fileURLToPath(new URL('../test/chaos/kill-workers.test.ts', import.meta.url));

interface RunResult {
  readonly seed: number;
  readonly ok: boolean;
  readonly seconds: number;
  readonly summary: string;
}

function runOnce(seed: number): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', '--test-name-pattern=^exactly-once', chaosTest], {
      env: { ...process.env, WEIR_CHAOS_SEED: String(seed), WEIR_CHAOS_RECORDS: values.records, WEIR_CHAOS_KILLS: values.kills },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const lines = output.split('\n');
      const pick = (pattern: RegExp): string => lines.find((line) => pattern.test(line))?.replace(/^\s*# /, '') ?? '';
      const summary = [pick(/# received /), pick(/records produced/), pick(/Kafka broker restarted/), pick(/Redis restarted/)].filter((part) => part !== '').join('; ');
      const failure = code === 0 ? '' : ` — FAILED: ${lines.filter((line) => /error|Error|not ok/.test(line)).slice(0, 3).join(' | ').trim()}`;
      resolve({ seed, ok: code === 0, seconds: Math.round((Date.now() - started) / 1000), summary: summary + failure });
    });
  });
}

const results: RunResult[] = [];
for (let run = 1; run <= runs; run++) {
  const result = await runOnce(randomInt(1, 1_000_000));
  results.push(result);
  console.log(`run ${String(run).padStart(2)}/${runs}  seed ${String(result.seed).padStart(6)}  ${result.ok ? 'ok  ' : 'FAIL'}  ${String(result.seconds).padStart(4)} s  ${result.summary}`);
}
const failed = results.filter((result) => !result.ok);
console.log(`total: ${results.length - failed.length}/${results.length} runs clean${failed.length > 0 ? `; failed seeds: ${failed.map((result) => result.seed).join(', ')}` : ''}`);
process.exitCode = failed.length > 0 ? 1 : 0;
