import { z } from 'zod';

/**
 * Which event-time windows a record falls in. Windows are half-open, [start, end), aligned to the epoch (a tumbling
 * window of 30 s starts at a multiple of 30 000 ms). Session windows are built from records and merged by the
 * windowing library; here they only start as a record's own [t, t + gap).
 */
export const windowSpecSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('tumbling'), sizeMs: z.number().int().positive().describe('Window length, ms.') }),
  z.strictObject({
    type: z.literal('hopping'),
    sizeMs: z.number().int().positive().describe('Window length, ms.'),
    advanceMs: z.number().int().positive().describe('Time between window starts, ms; at most the window length.'),
  }),
  z.strictObject({ type: z.literal('session'), gapMs: z.number().int().positive().describe('Inactivity that closes a session, ms.') }),
]);

export type WindowSpec = z.infer<typeof windowSpecSchema>;

export interface Window {
  readonly start: number;
  readonly end: number;
}

/** The windows a record with event time `time` belongs to, oldest first. */
export function assignWindows(spec: WindowSpec, time: number): Window[] {
  switch (spec.type) {
    case 'tumbling': {
      const start = floorTo(time, spec.sizeMs);
      return [{ start, end: start + spec.sizeMs }];
    }
    case 'hopping': {
      if (spec.advanceMs > spec.sizeMs) throw new RangeError(`hopping windows: advanceMs ${spec.advanceMs} exceeds sizeMs ${spec.sizeMs}`);
      const windows: Window[] = [];
      for (let start = floorTo(time, spec.advanceMs); start > time - spec.sizeMs; start -= spec.advanceMs) windows.push({ start, end: start + spec.sizeMs });
      return windows.reverse();
    }
    case 'session':
      return [{ start: time, end: time + spec.gapMs }];
  }
}

/** Whether two session windows touch or overlap, so they are one session. */
export function sessionsMerge(a: Window, b: Window): boolean {
  return a.start <= b.end && b.start <= a.end;
}

/** The largest multiple of `step` at or below `time` (also for times before the epoch). */
function floorTo(time: number, step: number): number {
  return Math.floor(time / step) * step;
}

/** A window as a state-key suffix and a record field: `<start>-<end>`. */
export function windowId(window: Window): string {
  return `${window.start}-${window.end}`;
}
