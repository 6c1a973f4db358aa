import parsePrometheusTextFormat from 'parse-prometheus-text-format';

/** A scrape parsed by an independent parser (`parse-prometheus-text-format`), by metric name. */
export interface Scrape {
  /** Metric families by name, as the parser read them. */
  families: Map<string, ReturnType<typeof parsePrometheusTextFormat>[number]>;
  /** The value of the one sample of `name` whose labels are exactly `labels`; undefined when there is none. */
  value(name: string, labels?: Record<string, string>): number | undefined;
  /** The one histogram sample of `name` with exactly `labels`: cumulative buckets by `le`, count and sum. */
  histogram(
    name: string,
    labels?: Record<string, string>,
  ): { buckets: Map<string, number>; count: number; sum: number } | undefined;
  /** Every label set `name` has samples for. */
  labelSets(name: string): Array<Record<string, string>>;
}

const sameLabels = (a: Record<string, string> | undefined, b: Record<string, string>) => {
  const left = a ?? {};
  return Object.keys(left).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => left[k] === v);
};

/**
 * A histogram family's own lines read as plain samples: parse-prometheus-text-format folds a
 * histogram's series into one by `le` (it keeps no other label), so its `_bucket`, `_sum` and
 * `_count` lines are parsed again without their `# HELP`/`# TYPE` lines, as untyped families.
 */
function histogramLines(text: string, histograms: readonly string[]) {
  const metadata = new Set(histograms.flatMap((name) => [`# HELP ${name} `, `# TYPE ${name} `]));
  const plain = text
    .split('\n')
    .filter((line) => ![...metadata].some((prefix) => line.startsWith(prefix)))
    .join('\n');
  // prom-client writes each series' bucket, sum and count lines together: one name comes back as several families.
  const merged: Scrape['families'] = new Map();
  for (const family of parsePrometheusTextFormat(plain)) {
    const known = merged.get(family.name);
    if (known) known.metrics.push(...family.metrics);
    else merged.set(family.name, family);
  }
  return merged;
}

/** Parses a Prometheus text exposition. */
export function parseScrape(text: string): Scrape {
  const families = new Map(parsePrometheusTextFormat(text).map((family) => [family.name, family]));
  const histograms = [...families.values()].filter((f) => f.type === 'HISTOGRAM').map((f) => f.name);
  const lines = histogramLines(text, histograms);
  const pick = (from: Scrape['families'], name: string, labels: Record<string, string>) => {
    const found = from.get(name)?.metrics.filter((m) => sameLabels(m.labels, labels)) ?? [];
    if (found.length > 1) throw new Error(`${name} has ${found.length} samples labelled ${JSON.stringify(labels)}`);
    return found[0];
  };
  const sample = (name: string, labels: Record<string, string>) => pick(families, name, labels);
  return {
    families,
    value(name, labels = {}) {
      const found = sample(name, labels);
      return found?.value === undefined ? undefined : Number(found.value);
    },
    histogram(name, labels = {}) {
      if (families.get(name)?.type !== 'HISTOGRAM') return undefined;
      const count = pick(lines, `${name}_count`, labels)?.value;
      if (count === undefined) return undefined;
      const buckets = new Map(
        (lines.get(`${name}_bucket`)?.metrics ?? [])
          .filter((m) => {
            const { le, ...rest } = m.labels ?? {};
            return le !== undefined && sameLabels(rest, labels);
          })
          .map((m) => [m.labels!.le!, Number(m.value)]),
      );
      return { buckets, count: Number(count), sum: Number(pick(lines, `${name}_sum`, labels)?.value) };
    },
    labelSets: (name) =>
      families.get(name)?.type === 'HISTOGRAM'
        ? (lines.get(`${name}_count`)?.metrics ?? []).map((m) => m.labels ?? {})
        : (families.get(name)?.metrics ?? []).map((m) => m.labels ?? {}),
  };
}
