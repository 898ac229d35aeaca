import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { labelVariable, levels, timeseries, topologies as T, weirDashboard } from './panels.js';

const tenants = `${T}, tenant=~"$tenant"`;

/** Embedding drift per tenant and model version: the score, and the level the alert watches. */
export function drift(): Dashboard {
  return weirDashboard({
    uid: 'weir-drift',
    title: 'Weir / Embedding drift',
    description: 'Drift score and level (ok, warn, critical) per tenant and model version, and the embeddings checked.',
    tags: ['drift'],
    variables: [labelVariable('tenant', 'Tenant', `label_values(weir_embedding_drift{${T}}, tenant)`)],
    rows: [
      {
        title: 'Drift',
        panels: [
          levels({
            title: 'Drift level',
            description: 'Level reported by the drift detector: critical for 10 minutes raises WeirDriftCritical.',
            unit: 'short',
            queries: [[`max by (tenant, model_version) (weir_drift_level{${tenants}})`, '{{tenant}} · {{model_version}}']],
            names: [
              [0, 'ok', 'green'],
              [1, 'warn', 'orange'],
              [2, 'critical', 'red'],
            ],
          }),
          timeseries({
            title: 'Drift score',
            description: 'Drift score of the embeddings against the reference of each tenant and model version (weir_embedding_drift).',
            unit: 'short',
            queries: [[`max by (tenant, model_version) (weir_embedding_drift{${tenants}})`, '{{tenant}} · {{model_version}}']],
          }),
          timeseries({
            title: 'Embeddings checked',
            description: 'Records entering each operator of the selected topologies per second.',
            unit: 'suffix: rec/s',
            queries: [[`sum by (topology, operator) (rate(weir_records_in_total{${T}}[$__rate_interval]))`, '{{topology}} · {{operator}}']],
          }),
        ],
      },
    ],
  });
}
