import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { labelVariable, timeseries, topologies as T, weirDashboard } from './panels.js';

const tenants = `${T}, tenant=~"$tenant"`;

/** The media dedup path: how much is checked and skipped per tenant, against the expected skip ratio. */
export function mediaDedup(): Dashboard {
  return weirDashboard({
    uid: 'weir-media-dedup',
    title: 'Weir / Media dedup',
    description: 'Media checked and skipped as near-duplicates per tenant, and the skip ratio against its target.',
    tags: ['media'],
    variables: [labelVariable('tenant', 'Tenant', `label_values(weir_dedup_checked_total{${T}}, tenant)`)],
    rows: [
      {
        title: 'Dedup',
        panels: [
          timeseries({
            title: 'Media checked and skipped',
            description: 'Media items checked against the dedup state, and those skipped as (near-)duplicates, per tenant.',
            unit: 'suffix: items/s',
            queries: [
              [`sum by (tenant) (rate(weir_dedup_checked_total{${tenants}}[$__rate_interval]))`, '{{tenant}} checked'],
              [`sum by (tenant) (rate(weir_dedup_skipped_total{${tenants}}[$__rate_interval]))`, '{{tenant}} skipped'],
            ],
          }),
          timeseries({
            title: 'Skip ratio against target',
            description: 'Skipped / checked per tenant, and the expected share of duplicates (weir:dedup_skip_ratio:target). Staying below the target for 30 minutes raises WeirDedupSkipRatioBelowTarget: a reset dedup state or a broken hash lets duplicates through.',
            unit: 'percentunit',
            queries: [
              [
                `sum by (tenant) (rate(weir_dedup_skipped_total{${tenants}}[$__rate_interval])) / sum by (tenant) (rate(weir_dedup_checked_total{${tenants}}[$__rate_interval]))`,
                '{{tenant}}',
              ],
              ['weir:dedup_skip_ratio:target', 'target'],
            ],
          }),
        ],
      },
    ],
  });
}
