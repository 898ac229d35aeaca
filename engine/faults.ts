import type { Logger } from '../contracts/logger.js';

/**
 * Fault injection for the exactly-once tests, at named points of a partition's commit path:
 *
 *   WEIR_FAULTS=<point>:<action>[@<n>][,…]      e.g.  before-apply:kill@3   before-commit:stop   before-fence:delay=5000
 *
 * - points: `before-fence` (a new owner about to initialise its transactional id), `before-commit` (outputs, changelog
 *   and offsets sent, EndTxn not yet), `before-apply` (committed in Kafka, not yet applied to the state store);
 * - actions: `kill` (SIGKILL this process), `stop` (SIGSTOP it: a zombie until SIGCONT), `delay=<ms>`;
 * - `@n`: act the n-th time the point is reached (default 1), once.
 *
 * Each fault logs `fault injected` with its point first, so a test can wait for it. Production never sets the variable.
 */
export type FaultPoint = 'before-fence' | 'before-commit' | 'before-apply';

type FaultAction = { kind: 'kill' } | { kind: 'stop' } | { kind: 'delay'; ms: number };

interface Fault {
  readonly point: FaultPoint;
  readonly action: FaultAction;
  readonly at: number;
  reached: number;
}

const points: readonly FaultPoint[] = ['before-fence', 'before-commit', 'before-apply'];

export function parseFaults(spec: string | undefined): Fault[] {
  if (spec === undefined || spec.trim() === '') return [];
  return spec.split(',').map((entry) => {
    const match = /^([a-z-]+):(kill|stop|delay=(\d+))(?:@(\d+))?$/.exec(entry.trim());
    if (match === null || !points.includes(match[1] as FaultPoint)) {
      throw new TypeError(`WEIR_FAULTS: '${entry}' is not <point>:<kill|stop|delay=ms>[@n] with a point among ${points.join(', ')}`);
    }
    const action: FaultAction = match[3] !== undefined ? { kind: 'delay', ms: Number(match[3]) } : { kind: match[2] as 'kill' | 'stop' };
    return { point: match[1] as FaultPoint, action, at: Number(match[4] ?? 1), reached: 0 };
  });
}

export interface Faults {
  /** Acts when a fault is set for this point and this is its n-th arrival; otherwise returns at once. */
  reach(point: FaultPoint, fields?: Record<string, unknown>): Promise<void>;
}

export const noFaults: Faults = { reach: async () => undefined };

export function faultsFromEnvironment(logger: Logger, env: NodeJS.ProcessEnv = process.env): Faults {
  const faults = parseFaults(env.WEIR_FAULTS);
  if (faults.length === 0) return noFaults;
  logger.warn('fault injection is on (WEIR_FAULTS): this worker will fail on purpose', { faults: env.WEIR_FAULTS });
  return {
    async reach(point, fields) {
      for (const fault of faults) {
        if (fault.point !== point || ++fault.reached !== fault.at) continue;
        logger.warn('fault injected', { point, action: fault.action.kind, ...fields });
        if (fault.action.kind === 'kill') process.kill(process.pid, 'SIGKILL');
        else if (fault.action.kind === 'stop') process.kill(process.pid, 'SIGSTOP');
        else await new Promise((resolve) => setTimeout(resolve, (fault.action as { ms: number }).ms));
      }
    },
  };
}
