import { fileURLToPath } from 'node:url';

/** The committed speaker-embedding model and its tensor contract (see models/README.md). */
export const SPEAKER_EMBEDDING_MODEL = {
  path: fileURLToPath(new URL('./speaker-embedding.onnx', import.meta.url)),
  sha256: '89ccff61008b4c57281cf957114905eb1aad073b1663af8ca14b3a28a38aa641',
  /** float32 [batch, frames, bands]: power mel frames of one partial utterance per row. */
  input: { name: 'mels', frames: 160, bands: 40 },
  /** float32 [batch, size]: L2-normalised embedding per row. */
  output: { name: 'embedding', size: 256 },
} as const;
