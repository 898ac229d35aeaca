import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { topologyJsonSchema } from '../engine/topology-json-schema.js';

/** Writes schemas/topology.schema.json from the built-in operators; run after adding or changing an operator. */
const target = fileURLToPath(new URL('../schemas/topology.schema.json', import.meta.url));
await writeFile(target, `${JSON.stringify(topologyJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${target}\n`);
