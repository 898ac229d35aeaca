import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { stat, timeseries, topologies as T, weirDashboard } from './panels.js';

const perSecond = (metric: string, by: string, extra = ''): string => `sum by (${by}) (rate(${metric}{${T}${extra}}[$__rate_interval]))`;

/**
 * Validation failures / records checked. The failures counter only exists once something failed, so a clean
 * stream would show "no data": the `or` makes it 0 instead.
 */
function ratio(fn: 'rate' | 'increase', window: string): string {
  const sum = (metric: string): string => `sum by (topology) (${fn}(${metric}{${T}}[${window}]))`;
  return `(${sum('weir_validation_failures_total')} or ${sum('weir_validation_records_total')} * 0) / ${sum('weir_validation_records_total')}`;
}

/** What the ingestion rejects and why, against the 3 % the validation alert allows. */
export function ingestionQuality(): Dashboard {
  return weirDashboard({
    uid: 'weir-ingestion-quality',
    title: 'Weir / Ingestion quality',
    description: 'Rejected records by reason, the validation rejection ratio against its 3 % alert, and what goes to the dead-letter topic.',
    tags: ['ingestion'],
    rows: [
      {
        title: 'Rejection ratio',
        panels: [
          stat({
            title: 'Rejected share of validated records',
            description: 'Validation failures / records checked over the whole time range. The alert fires above 3 % for 10 minutes.',
            unit: 'percentunit',
            threshold: 0.03,
            queries: [[ratio('increase', '$__range'), '{{topology}}']],
          }),
          timeseries({
            title: 'Validation rejection ratio against 3 %',
            description: 'Validation failures / records checked per topology. The red line is the 3 % of WeirValidationRejectionRatioHigh.',
            unit: 'percentunit',
            threshold: 0.03,
            width: 18,
            queries: [[ratio('rate', '$__rate_interval'), '{{topology}}']],
          }),
        ],
      },
      {
        title: 'Why records are rejected',
        panels: [
          timeseries({
            title: 'Rejections by reason',
            description: 'Every record sent to the rejected output, by the reason in its weir.reason header: validation reasons, undecodable bytes, operator errors.',
            unit: 'suffix: rec/s',
            queries: [[perSecond('weir_rejected_records_total', 'topology, reason'), '{{topology}} · {{reason}}']],
          }),
          timeseries({
            title: 'Validation failures by schema and reason',
            description: 'Records the validate operator rejected, per Avro schema and reason.',
            unit: 'suffix: rec/s',
            queries: [[perSecond('weir_validation_failures_total', 'topology, schema, reason'), '{{topology}} · {{schema}} · {{reason}}']],
          }),
          timeseries({
            title: 'Records validated per schema',
            description: 'Records the validate operator checked, per schema: the denominator of the ratio.',
            unit: 'suffix: rec/s',
            queries: [[perSecond('weir_validation_records_total', 'topology, schema'), '{{topology}} · {{schema}}']],
          }),
          timeseries({
            title: 'Dead-lettered records per operator',
            description: 'Records each operator routed to the rejected output (the dead-letter topic), per second.',
            unit: 'suffix: rec/s',
            queries: [[perSecond('weir_records_out_total', 'topology, operator', ', output="rejected"'), '{{topology}} · {{operator}}']],
          }),
        ],
      },
    ],
  });
}
