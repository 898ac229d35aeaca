import { GraphThresholdsStyleConfigBuilder, GraphThresholdsStyleMode, LegendDisplayMode, LegendPlacement, VizLegendOptionsBuilder } from '@grafana/grafana-foundation-sdk/common';
import {
  DashboardBuilder,
  DashboardLinkBuilder,
  DashboardLinkType,
  DatasourceVariableBuilder,
  MappingType,
  QueryVariableBuilder,
  RowBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
  VariableSort,
  type Dashboard,
  type Threshold,
  type ValueMapping,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanelBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as StateTimelinePanelBuilder } from '@grafana/grafana-foundation-sdk/statetimeline';
import { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';

/** Building blocks shared by Weir's dashboards: one data-source variable, Prometheus queries, panel kinds. */

/** Every query goes through the `datasource` variable, so the dashboards work with any Prometheus data source. */
const datasource = { type: 'prometheus', uid: '${datasource}' };

/** A PromQL query and its legend (`{{label}}` placeholders). */
export type Query = readonly [expr: string, legend: string];

export type Panel = TimeseriesPanelBuilder | StatPanelBuilder | StateTimelinePanelBuilder;

/** Matchers every Weir query starts from: the selected topologies. */
export const topologies = 'topology=~"$topology"';

export interface PanelSpec {
  readonly title: string;
  readonly description: string;
  readonly unit: string;
  readonly queries: readonly Query[];
  /** A red line (or colour step) at this value: an alert threshold or a target. */
  readonly threshold?: number;
  /** Width on the 24-column grid (default 12) and height (default 8). */
  readonly width?: number;
  readonly height?: number;
}

function targets(queries: readonly Query[]): DataqueryBuilder[] {
  return queries.map(([expr, legend], index) =>
    new DataqueryBuilder().refId(String.fromCharCode(65 + index)).expr(expr).legendFormat(legend).range(),
  );
}

function thresholds(threshold: number | undefined): ThresholdsConfigBuilder {
  const steps: Threshold[] = [{ value: null, color: 'green' }];
  if (threshold !== undefined) steps.push({ value: threshold, color: 'red' });
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(steps);
}

export function timeseries(spec: PanelSpec): TimeseriesPanelBuilder {
  const panel = new TimeseriesPanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .datasource(datasource)
    .unit(spec.unit)
    .span(spec.width ?? 12)
    .height(spec.height ?? 8)
    .targets(targets(spec.queries))
    .legend(new VizLegendOptionsBuilder().showLegend(true).displayMode(LegendDisplayMode.List).placement(LegendPlacement.Bottom).calcs([]))
    .thresholds(thresholds(spec.threshold));
  if (spec.threshold !== undefined) panel.thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed));
  return panel;
}

export function stat(spec: PanelSpec): StatPanelBuilder {
  return new StatPanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .datasource(datasource)
    .unit(spec.unit)
    .span(spec.width ?? 6)
    .height(spec.height ?? 5)
    .targets(targets(spec.queries))
    .thresholds(thresholds(spec.threshold));
}

/** A state timeline of a level gauge, its values named (e.g. 0 ok, 1 warn, 2 critical). */
export function levels(spec: PanelSpec & { readonly names: readonly (readonly [value: number, text: string, color: string])[] }): StateTimelinePanelBuilder {
  const mapping: ValueMapping = {
    type: MappingType.ValueToText,
    options: Object.fromEntries(spec.names.map(([value, text, color], index) => [String(value), { text, color, index }])),
  };
  return new StateTimelinePanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .datasource(datasource)
    .unit(spec.unit)
    .span(spec.width ?? 24)
    .height(spec.height ?? 8)
    .targets(targets(spec.queries))
    .mappings([mapping]);
}

/** A `label_values` variable over the selected topologies (multi-select, "All" = any value). */
export function labelVariable(name: string, label: string, query: string): QueryVariableBuilder {
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource(datasource)
    .query(query)
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.*')
    .current({ text: 'All', value: '$__all' });
}

export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  /** Variables after `datasource` and `topology`, e.g. a tenant. */
  readonly variables?: readonly QueryVariableBuilder[];
  readonly rows: readonly { readonly title: string; readonly panels: readonly Panel[] }[];
}

/** A Weir dashboard: data source and topology variables, links to the other Weir dashboards, rows of panels with ids. */
export function weirDashboard(spec: DashboardSpec): Dashboard {
  const builder = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(['weir', ...spec.tags])
    .readonly()
    .timezone('browser')
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .link(new DashboardLinkBuilder('Weir').type(DashboardLinkType.Dashboards).tags(['weir']).asDropdown(true).includeVars(true).keepTime(true))
    .withVariable(new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'))
    .withVariable(labelVariable('topology', 'Topology', 'label_values(up{job="weir"}, topology)'));
  for (const variable of spec.variables ?? []) builder.withVariable(variable);
  let id = 1;
  for (const row of spec.rows) {
    builder.withRow(new RowBuilder(row.title).id(id++));
    for (const panel of row.panels) builder.withPanel(panel.id(id++));
  }
  return builder.build();
}
