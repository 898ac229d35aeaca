/**
 * RTTM speaker turns (NIST Rich Transcription Time Marked), the usual diarization exchange format:
 * `SPEAKER <file> <channel> <start> <duration> <NA> <NA> <speaker> <NA> <NA>`.
 */
export interface SpeakerTurn {
  file: string;
  /** Seconds. */
  start: number;
  /** Seconds. */
  duration: number;
  speaker: string;
}

/** Parses the SPEAKER lines of an RTTM document; other record types and comments are skipped. */
export function parseRttm(text: string): SpeakerTurn[] {
  const turns: SpeakerTurn[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const fields = line.trim().split(/\s+/);
    if (fields[0] !== 'SPEAKER') return;
    if (fields.length < 8) throw new Error(`RTTM line ${index + 1}: expected at least 8 fields, got ${fields.length}`);
    const start = Number(fields[3]);
    const duration = Number(fields[4]);
    if (!Number.isFinite(start) || !Number.isFinite(duration) || duration < 0) {
      throw new Error(`RTTM line ${index + 1}: bad start or duration "${fields[3]} ${fields[4]}"`);
    }
    turns.push({ file: fields[1]!, start, duration, speaker: fields[7]! });
  });
  return turns;
}

/** Formats turns as RTTM lines (times rounded to milliseconds), one per turn, in the given order. */
export function formatRttm(turns: readonly SpeakerTurn[]): string {
  return turns
    .map((t) => `SPEAKER ${t.file} 1 ${t.start.toFixed(3)} ${t.duration.toFixed(3)} <NA> <NA> ${t.speaker} <NA> <NA>\n`)
    .join('');
}

/** Turns grouped by file, files in order of first appearance. */
export function groupByFile(turns: readonly SpeakerTurn[]): Map<string, SpeakerTurn[]> {
  const files = new Map<string, SpeakerTurn[]>();
  for (const turn of turns) {
    const list = files.get(turn.file);
    if (list) list.push(turn);
    else files.set(turn.file, [turn]);
  }
  return files;
}
