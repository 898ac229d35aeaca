/**
 * The local schema catalog: `schemas/<name>.avsc` are the source of truth and no Schema Registry runs here,
 * so each schema gets a fixed id, written into every wire-format record (magic byte 0, 4-byte id, Avro body).
 *
 * An id names one exact schema: never reuse or renumber one. The fingerprint (SHA-256 of the Parsing
 * Canonical Form; docs and `constraints` are not part of it) is checked when a schema loads, so a changed
 * .avsc cannot silently reinterpret records already written under its id: give the new version a new id.
 */
export const schemaCatalog = {
  ImageIngest: { id: 1, fingerprint: '963bff79e689149de70b21b12e5320b83b9b87d2346b8cdd596dd92abd13a6ce' },
  AudioIngest: { id: 2, fingerprint: 'd0660e1da8d113ee901ea9c64df20687b8a75db92c9c34c995be70076f3f6311' },
  PdfIngest: { id: 3, fingerprint: 'f25ad7b47524d7728372e9521b6d2add2c454bc1149c70742bdda1730154e2a8' },
  EdgeEvent: { id: 4, fingerprint: '304e2fbfc72b71b7ad39f9ce420a9f6d8ac1d33afaf3000dd8202e95f6f0cfaa' },
  EmbeddingEvent: { id: 5, fingerprint: '9a97ae9ad45a48d6e3637591ffc04df42ea916333a03e9632b1bcb3027032730' },
} as const;

export type SchemaName = keyof typeof schemaCatalog;
