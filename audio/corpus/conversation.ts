import type { Prng } from './prng.js';
import { backchannel, sentence } from './sentences.js';
import { VOICES, type Variation, type Voice } from './voices.js';

export interface Speaker {
  label: string;
  voice: Voice;
  variation: Variation;
  /** Mixing gain, dB. */
  gainDb: number;
}

export interface PlannedTurn {
  speaker: Speaker;
  text: string;
  /**
   * Seconds from the end of the previous main turn's speech to this turn's start; negative means
   * the turns overlap. For a backchannel: where it starts, as a share of the previous turn's speech.
   */
  offset: number;
  backchannel: boolean;
}

export interface ConversationPlan {
  speakers: Speaker[];
  turns: PlannedTurn[];
}

export interface ConversationShape {
  minSpeakers: number;
  maxSpeakers: number;
  turns: number;
  /** Probability that a turn starts before the previous one has ended. */
  overlapProbability: number;
  /** Probability that a listener says a short backchannel during a turn. */
  backchannelProbability: number;
}

/** Who says what, and when relative to the previous turn; no audio yet. */
export function planConversation(rng: Prng, shape: ConversationShape): ConversationPlan {
  const count = shape.minSpeakers + rng.int(shape.maxSpeakers - shape.minSpeakers + 1);
  const speakers = rng.shuffled(VOICES).slice(0, count).map((voice, i): Speaker => ({
    label: `spk${i}_${voice.id}`,
    voice,
    variation: { pitchCents: Math.round(rng.uniform(-250, 250)), tempo: rng.uniform(0.9, 1.15) },
    gainDb: rng.uniform(-6, 0),
  }));

  const turns: PlannedTurn[] = [];
  let current = rng.pick(speakers);
  for (let t = 0; t < shape.turns; t++) {
    const offset = t === 0 ? rng.uniform(0.2, 0.8) : rng.chance(shape.overlapProbability) ? -rng.uniform(0.3, 1.0) : rng.uniform(0.15, 1.0);
    turns.push({ speaker: current, text: sentence(rng, current.voice.language), offset, backchannel: false });
    const listeners = speakers.filter((s) => s !== current);
    if (t > 0 && rng.chance(shape.backchannelProbability)) {
      const listener = rng.pick(listeners);
      turns.push({ speaker: listener, text: backchannel(rng, listener.voice.language), offset: rng.uniform(0.3, 0.7), backchannel: true });
    }
    current = rng.pick(listeners);
  }
  return { speakers, turns };
}
