import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { stat, timeseries, topologies as T, weirDashboard } from './panels.js';

const rate = (metric: string, by: string, extra = ''): string => `sum by (${by}) (rate(${metric}{${T}${extra}}[$__rate_interval]))`;
const quantile = (q: number, metric: string, by: string): string => `histogram_quantile(${q}, sum by (${by}, le) (rate(${metric}_bucket{${T}}[$__rate_interval])))`;

/** Every topology at a glance: throughput per operator, latency, Kafka lag and commits, the SLO, the workers' health. */
export function topologyOverview(): Dashboard {
  return weirDashboard({
    uid: 'weir-topology-overview',
    title: 'Weir / Topology overview',
    description: 'Records in and out per operator, end-to-end latency, consumer lag, transactions, the latency SLO and the health of the workers.',
    tags: ['topology'],
    rows: [
      {
        title: 'Throughput',
        panels: [
          timeseries({
            title: 'Records in per operator',
            description: 'Records that entered each operator, counted when their batch committed (weir_records_in_total).',
            unit: 'suffix: rec/s',
            queries: [[rate('weir_records_in_total', 'topology, operator'), '{{topology}} · {{operator}}']],
          }),
          timeseries({
            title: 'Records out per operator and output',
            description: 'Records each operator passed on, per output: default, rejected and side outputs (weir_records_out_total).',
            unit: 'suffix: rec/s',
            queries: [[rate('weir_records_out_total', 'topology, operator, output'), '{{topology}} · {{operator}} → {{output}}']],
          }),
        ],
      },
      {
        title: 'Latency',
        panels: [
          timeseries({
            title: 'End-to-end latency (event time → commit)',
            description: 'Quantiles of the time from a record\'s event time to the commit of its output. The red line is the 5 s of the SLO and of the p99.9 alert.',
            unit: 's',
            threshold: 5,
            queries: [
              [quantile(0.5, 'weir_end_to_end_latency_seconds', 'topology'), '{{topology}} p50'],
              [quantile(0.99, 'weir_end_to_end_latency_seconds', 'topology'), '{{topology}} p99'],
              [quantile(0.999, 'weir_end_to_end_latency_seconds', 'topology'), '{{topology}} p99.9'],
            ],
          }),
          timeseries({
            title: 'Operator batch latency p99',
            description: 'Time from the start of a batch until each operator has passed all of it on, 99th percentile: the slow step shows here.',
            unit: 's',
            queries: [[quantile(0.99, 'weir_operator_batch_latency_seconds', 'topology, operator'), '{{topology}} · {{operator}}']],
          }),
        ],
      },
      {
        title: 'Latency SLO: 99.9 % of records within 5 s over 30 days',
        panels: [
          stat({
            title: 'Budget burn rate, 1 h window',
            description: 'Share of records later than 5 s over the last hour, divided by the 0.1 % budget. Pages at 14.4 (with the 5 m window).',
            unit: 'x',
            threshold: 14.4,
            queries: [[`topology:weir_end_to_end_slo_errors:ratio_rate1h{${T}} / 0.001`, '{{topology}}']],
          }),
          stat({
            title: 'Budget burn rate, 6 h window',
            description: 'Share of records later than 5 s over the last 6 hours, divided by the 0.1 % budget. Pages at 6 (with the 30 m window).',
            unit: 'x',
            threshold: 6,
            queries: [[`topology:weir_end_to_end_slo_errors:ratio_rate6h{${T}} / 0.001`, '{{topology}}']],
          }),
          timeseries({
            title: 'Records within 5 s (SLI)',
            description: 'Share of committed records whose end-to-end latency was at most 5 s, over 5 minutes and over 1 hour. The objective is 99.9 %.',
            unit: 'percentunit',
            queries: [
              [`1 - topology:weir_end_to_end_slo_errors:ratio_rate5m{${T}}`, '{{topology}} 5m'],
              [`1 - topology:weir_end_to_end_slo_errors:ratio_rate1h{${T}}`, '{{topology}} 1h'],
            ],
          }),
        ],
      },
      {
        title: 'Kafka',
        panels: [
          timeseries({
            title: 'Consumer lag per input topic',
            description: 'Records between the committed offsets and the end of the input topic. Each partition counts once, even when a worker that lost it still reports its last value.',
            unit: 'short',
            queries: [[`sum by (topology, topic) (max by (topology, topic, partition) (weir_consumer_lag_records{${T}}))`, '{{topology}} · {{topic}}']],
          }),
          timeseries({
            title: 'Consumer lag per partition',
            description: 'The same lag per input partition: one partition far behind points at a hot key or a slow worker.',
            unit: 'short',
            queries: [[`max by (topology, topic, partition) (weir_consumer_lag_records{${T}})`, '{{topology}} · {{topic}}/{{partition}}']],
          }),
          timeseries({
            title: 'Commits and aborts',
            description: 'Committed and aborted batches per second; aborts by reason (fenced after a rebalance, error for Kafka or Redis failures), or a zero line when there were none.',
            unit: 'suffix: batch/s',
            queries: [
              [rate('weir_transaction_commits_total', 'topology'), '{{topology}} commits'],
              [
                `${rate('weir_transaction_aborts_total', 'topology, reason')} or label_replace(${rate('weir_transaction_commits_total', 'topology')} * 0, "reason", "none", "", "")`,
                '{{topology}} aborts ({{reason}})',
              ],
            ],
          }),
          timeseries({
            title: 'Commit duration',
            description: 'Duration of a batch commit: the Kafka transaction with outputs, changelog and offsets (or the offset commit at-least-once).',
            unit: 's',
            queries: [
              [quantile(0.5, 'weir_commit_duration_seconds', 'topology'), '{{topology}} p50'],
              [quantile(0.99, 'weir_commit_duration_seconds', 'topology'), '{{topology}} p99'],
            ],
          }),
        ],
      },
      {
        title: 'Workers',
        panels: [
          stat({
            title: 'Workers answering',
            description: 'Workers discovered by Prometheus whose last scrape succeeded. A crashed worker that left its announcement counts as down (and alerts).',
            unit: 'short',
            queries: [[`sum by (topology) (up{job="weir", ${T}})`, '{{topology}}']],
          }),
          timeseries({
            title: 'Worker up',
            description: '1 when the last scrape of the worker succeeded, 0 when it did not answer.',
            unit: 'short',
            width: 18,
            height: 5,
            queries: [[`up{job="weir", ${T}}`, '{{topology}} · {{instance}} (pid {{instance_pid}})']],
          }),
          timeseries({
            title: 'CPU',
            description: 'CPU time of each worker process per second (1 = one core busy).',
            unit: 'percentunit',
            width: 8,
            queries: [[`sum by (topology, instance) (rate(weir_process_process_cpu_seconds_total{${T}}[$__rate_interval]))`, '{{topology}} · {{instance}}']],
          }),
          timeseries({
            title: 'Memory',
            description: 'Resident memory and V8 heap in use of each worker: batches are bounded, so both should stay flat under a burst.',
            unit: 'bytes',
            width: 8,
            queries: [
              [`weir_process_process_resident_memory_bytes{${T}}`, '{{topology}} · {{instance}} resident'],
              [`weir_process_nodejs_heap_size_used_bytes{${T}}`, '{{topology}} · {{instance}} heap'],
            ],
          }),
          timeseries({
            title: 'Event-loop delay p99',
            description: 'How late the event loop runs timers: CPU-bound operators (inference, hashing) show here before latency grows.',
            unit: 's',
            width: 8,
            queries: [[`weir_process_nodejs_eventloop_lag_p99_seconds{${T}}`, '{{topology}} · {{instance}}']],
          }),
        ],
      },
    ],
  });
}
