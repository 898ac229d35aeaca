import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';

/** One PromQL query of a dashboard panel. */
export interface PanelQuery {
  readonly dashboard: string;
  readonly panel: string;
  readonly refId: string;
  readonly expr: string;
}

interface PanelJson {
  type: string;
  title?: string;
  panels?: PanelJson[];
  targets?: { refId?: string; expr?: string }[];
}

/** Every non-row panel of a dashboard, rows' nested panels included. */
export function panelsOf(dashboard: Dashboard): PanelJson[] {
  const flat: PanelJson[] = [];
  const visit = (panels: PanelJson[]): void => {
    for (const panel of panels) {
      if (panel.type === 'row') visit(panel.panels ?? []);
      else flat.push(panel);
    }
  };
  visit((dashboard.panels ?? []) as PanelJson[]);
  return flat;
}

export function panelQueries(dashboard: Dashboard): PanelQuery[] {
  return panelsOf(dashboard).flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({ dashboard: dashboard.title ?? '', panel: panel.title ?? '', refId: target.refId ?? '', expr: target.expr ?? '' })),
  );
}

/**
 * The query as Grafana would send it: its template variables replaced. `values` gives the dashboard variables
 * (`topology`, `tenant`, …, a regex each: they are multi-valued); Grafana's own get fixed windows.
 */
export function expandVariables(expr: string, values: Readonly<Record<string, string>>, windows = { rateInterval: '1m', range: '15m' }): string {
  return expr
    .replaceAll('$__rate_interval', windows.rateInterval)
    .replaceAll('$__range', windows.range)
    .replace(/\$\{?([a-z_]+)\}?/g, (whole, name: string) => {
      const value = values[name];
      if (value === undefined) throw new Error(`no value for variable ${whole} in ${expr}`);
      return value;
    });
}
