import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { dashboardJson, dashboards } from '../deploy/grafana/dashboards.js';

/** Writes deploy/grafana/dashboards/*.json from deploy/grafana/*.ts; run after changing a dashboard. */
const directory = fileURLToPath(new URL('../deploy/grafana/dashboards/', import.meta.url));
await mkdir(directory, { recursive: true });
for (const { file, build } of dashboards) {
  await writeFile(`${directory}${file}`, dashboardJson(build()));
  process.stdout.write(`wrote ${directory}${file}\n`);
}
