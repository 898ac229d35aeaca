import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { labelVariable, stat, timeseries, topologies as T, weirDashboard } from './panels.js';

const models = `${T}, model_version=~"$model_version"`;
const perSecond = (metric: string): string => `sum by (model_version) (rate(${metric}{${models}}[$__rate_interval]))`;
const quantile = (q: number, metric: string): string => `histogram_quantile(${q}, sum by (model_version, le) (rate(${metric}_bucket{${models}}[$__rate_interval])))`;

/** Real-time inference (throughput, errors, latency) compared across model versions, and the WebSocket gateway. */
export function audioInference(): Dashboard {
  return weirDashboard({
    uid: 'weir-audio-inference',
    title: 'Weir / Audio inference and WebSocket',
    description: 'Inference throughput, error rate and latency per model version, model load time, and open WebSocket connections.',
    tags: ['audio', 'inference'],
    variables: [labelVariable('model_version', 'Model version', `label_values(inference_requests_total{${T}}, model_version)`)],
    rows: [
      {
        title: 'Real-time inference by model version',
        panels: [
          timeseries({
            title: 'Inferences per second',
            description: 'Inferences started per second, per model version (inference_requests_total).',
            unit: 'suffix: inf/s',
            width: 8,
            queries: [[perSecond('inference_requests_total'), '{{model_version}}']],
          }),
          timeseries({
            title: 'Inference error rate',
            description: 'Failed / started inferences per model version.',
            unit: 'percentunit',
            width: 8,
            queries: [[`${perSecond('inference_errors_total')} / ${perSecond('inference_requests_total')}`, '{{model_version}}']],
          }),
          timeseries({
            title: 'Inference latency',
            description: 'Duration of one inference, 50th and 99th percentile per model version: put two versions side by side to compare them.',
            unit: 's',
            width: 8,
            queries: [
              [quantile(0.5, 'inference_latency_seconds'), '{{model_version}} p50'],
              [quantile(0.99, 'inference_latency_seconds'), '{{model_version}} p99'],
            ],
          }),
          timeseries({
            title: 'Model load duration',
            description: 'Mean time to load each model version at worker start-up (model_load_duration_seconds).',
            unit: 's',
            queries: [[`max by (model_version) (model_load_duration_seconds_sum{${models}} / model_load_duration_seconds_count{${models}})`, '{{model_version}}']],
          }),
        ],
      },
      {
        title: 'WebSocket gateway',
        panels: [
          stat({
            title: 'Open WebSocket connections',
            description: 'Client connections open on all gateways of the selected topologies.',
            unit: 'short',
            queries: [[`sum(websocket_connections_active{${T}})`, 'connections']],
          }),
          timeseries({
            title: 'WebSocket connections per gateway',
            description: 'Open client connections per gateway process.',
            unit: 'short',
            width: 18,
            queries: [[`sum by (topology, instance) (websocket_connections_active{${T}})`, '{{topology}} · {{instance}}']],
          }),
        ],
      },
    ],
  });
}
