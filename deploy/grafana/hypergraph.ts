import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { timeseries, topologies as T, weirDashboard } from './panels.js';

const quantile = (q: number, metric: string, by: string): string => `histogram_quantile(${q}, sum by (${by}, le) (rate(${metric}_bucket{${T}}[$__rate_interval])))`;

/** The hypergraph path: delta latency through the topology, hot-layer queries, and the idempotent sinks. */
export function hypergraph(): Dashboard {
  return weirDashboard({
    uid: 'weir-hypergraph',
    title: 'Weir / Hypergraph',
    description: 'Latency of hypergraph deltas from event to commit, hot-layer query latency, and the writes and lag of the Neo4j and Redis sinks.',
    tags: ['hypergraph'],
    rows: [
      {
        title: 'Deltas',
        panels: [
          timeseries({
            title: 'Delta latency (event time → commit)',
            description: 'End-to-end latency of the hypergraph topologies: from the event time of an edge to the commit of its delta.',
            unit: 's',
            threshold: 5,
            queries: [
              [quantile(0.5, 'weir_end_to_end_latency_seconds', 'topology'), '{{topology}} p50'],
              [quantile(0.99, 'weir_end_to_end_latency_seconds', 'topology'), '{{topology}} p99'],
            ],
          }),
          timeseries({
            title: 'Operator batch latency p99',
            description: 'Per operator of the selected topologies: where a delta spends its time.',
            unit: 's',
            queries: [[quantile(0.99, 'weir_operator_batch_latency_seconds', 'topology, operator'), '{{topology}} · {{operator}}']],
          }),
        ],
      },
      {
        title: 'Hot layer and sinks',
        panels: [
          timeseries({
            title: 'Hot-layer query latency',
            description: 'Duration of one query of the Redis hot layer, 50th and 99th percentile.',
            unit: 's',
            width: 8,
            queries: [
              [quantile(0.5, 'weir_hot_layer_query_latency_seconds', 'topology'), '{{topology}} p50'],
              [quantile(0.99, 'weir_hot_layer_query_latency_seconds', 'topology'), '{{topology}} p99'],
            ],
          }),
          timeseries({
            title: 'Sink writes',
            description: 'Records the idempotent sinks (Neo4j, Redis hot layer) wrote per second.',
            unit: 'suffix: rec/s',
            width: 8,
            queries: [[`sum by (topology, sink) (rate(weir_sink_writes_total{${T}}[$__rate_interval]))`, '{{topology}} · {{sink}}']],
          }),
          timeseries({
            title: 'Sink lag',
            description: 'Committed records of a sink\'s input topic it has not written yet: its backpressure.',
            unit: 'short',
            width: 8,
            queries: [[`sum by (topology, sink) (weir_sink_lag_records{${T}})`, '{{topology}} · {{sink}}']],
          }),
        ],
      },
    ],
  });
}
