import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { audioInference } from './audio-inference.js';
import { drift } from './drift.js';
import { hypergraph } from './hypergraph.js';
import { ingestionQuality } from './ingestion-quality.js';
import { mediaDedup } from './media-dedup.js';
import { topologyOverview } from './topology-overview.js';

/**
 * Weir's Grafana dashboards as code. `scripts/generate-dashboards.ts` writes each to
 * deploy/grafana/dashboards/<file>, which Grafana loads through deploy/grafana/provisioning/.
 */
export const dashboards: readonly { readonly file: string; readonly build: () => Dashboard }[] = [
  { file: 'topology-overview.json', build: topologyOverview },
  { file: 'ingestion-quality.json', build: ingestionQuality },
  { file: 'media-dedup.json', build: mediaDedup },
  { file: 'audio-inference.json', build: audioInference },
  { file: 'hypergraph.json', build: hypergraph },
  { file: 'drift.json', build: drift },
];

/** The JSON written for a dashboard: two-space indentation and a final newline, as committed. */
export function dashboardJson(dashboard: Dashboard): string {
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}
