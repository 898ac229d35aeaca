import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTimerStateKey, StagedTimers, TimerIndex, timerStateKey, type Timer } from '../../engine/timer-service.js';

const event = (time: number, key: string): Timer => ({ kind: 'event-time', time, key });
const wall = (time: number, key: string): Timer => ({ kind: 'processing-time', time, key });

test('a timer survives the trip through its state key, keys with separators included', () => {
  for (const timer of [event(-5, 'a'), wall(1_700_000_000_000, 'b\u0000c'), event(0, '')]) assert.deepEqual(parseTimerStateKey(timerStateKey(timer)), timer);
  assert.equal(parseTimerStateKey('plain-key'), undefined);
});

test('due timers come in time order, committed and staged, each kind against its own clock', () => {
  const index = new TimerIndex([timerStateKey(event(30, 'b')), timerStateKey(event(10, 'a')), timerStateKey(wall(5, 'w')), 'not-a-timer']);
  const staged = new StagedTimers();
  staged.add(event(20, 'c'));
  staged.remove(event(10, 'a'));
  assert.deepEqual(index.due(staged, 25, 4), [event(20, 'c')]);
  assert.deepEqual(index.due(staged, 30, 5), [wall(5, 'w'), event(20, 'c'), event(30, 'b')]);
});

test('staged changes reach the index only when applied; a fork merges into its parent or vanishes', () => {
  const index = new TimerIndex([]);
  const root = new StagedTimers();
  const kept = root.fork();
  kept.add(event(1, 'kept'));
  kept.mergeIntoParent();
  const dropped = root.fork();
  dropped.add(event(1, 'dropped'));
  assert.equal(index.size, 0);
  index.apply(root);
  assert.deepEqual(index.due(new StagedTimers(), 10, 0), [event(1, 'kept')]);
  const fire = new StagedTimers();
  fire.remove(event(1, 'kept'));
  index.apply(fire);
  assert.equal(index.size, 0);
});
