/**
 * The queries people run on the Collector's metrics tables, as SQL built once for two callers:
 * the query API (`GET /api/metrics/...`, values bound as query parameters) and the bundled Grafana
 * "Service metrics" dashboard (Grafana's macros and variables), so both compute the same figures.
 *
 * - **Rate** of a monotonic sum, per second per step: a delta point counts as it is; a cumulative
 *   point counts its increase over the series' previous point. A series is a resource and an
 *   attribute set (stored sorted, so one set is one value). A counter reset (a new start time, or a
 *   value below the previous) counts the new value, as Prometheus' `rate` does; the first point of
 *   a series counts only if the series started in the window (else it is the baseline).
 * - **Quantiles** of explicit-bucket and exponential histograms: per step, the buckets of every
 *   series summed (cumulative points turned into increases as above), then the quantile by linear
 *   interpolation inside the bucket holding it (the +Inf bucket answers its lower bound, the first
 *   bucket starts at 0 when its bound is positive, as `histogram_quantile` does). Exponential
 *   buckets are brought to the window's lowest scale first, so points of any scale merge. A step
 *   with nothing observed has no quantiles (no row).
 * - **Gauges** per step: average, minimum, maximum and last value.
 *
 * Points flagged "no recorded value" (`Flags` bit 0) are left out everywhere.
 */

/** How the SQL names what the caller supplies: bound parameters, or Grafana macros. */
export interface MetricSqlParts {
  /** Database-qualified table names. */
  tables: { sum: string; gauge: string; histogram: string; exponentialHistogram: string };
  /** A condition on `ServiceName` and `MetricName`. */
  where: string;
  /** The window's start and end, `DateTime` expressions. */
  from: string;
  to: string;
  /** How far before `from` a cumulative series' baseline is looked for, `DateTime` expression. */
  lookFrom: string;
  /** The step in seconds, a UInt32 expression. */
  step: string;
  /** The series label: an expression over `Attributes` (e.g. one attribute), or `''`. */
  label: string;
  /** The quantiles, an `Array(Float64)` expression. */
  quantiles: string;
}

const SERIES_WINDOW = 'PARTITION BY cityHash64(ResourceAttributes), cityHash64(Attributes) ORDER BY TimeUnix ASC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW';

/** A step's start, Unix seconds. */
const stepStart = (p: MetricSqlParts) => `toUnixTimestamp(toStartOfInterval(TimeUnix, toIntervalSecond(${p.step})))`;

/** True for the first point of a series that started inside the window (its value is all increase). */
const startedInWindow = (p: MetricSqlParts) => `(toUnixTimestamp(StartTimeUnix) > 0 AND StartTimeUnix >= ${p.lookFrom})`;

/** `t` (Unix seconds), `label`, `rate` (per second) of a monotonic sum. */
export function rateSql(p: MetricSqlParts): string {
  return `SELECT ${stepStart(p)} AS t, label, sum(increase) / ${p.step} AS rate
FROM (
  SELECT TimeUnix, label, multiIf(
      AggregationTemporality = 1, Value,
      n = 1, if(${startedInWindow(p)}, Value, 0),
      StartTimeUnix != prevStart OR Value < prevValue, Value,
      Value - prevValue) AS increase
  FROM (
    SELECT TimeUnix, StartTimeUnix, Value, AggregationTemporality, ${p.label} AS label,
      row_number() OVER w AS n, lagInFrame(Value) OVER w AS prevValue, lagInFrame(StartTimeUnix) OVER w AS prevStart
    FROM ${p.tables.sum}
    WHERE ${p.where} AND IsMonotonic AND bitAnd(Flags, 1) = 0 AND TimeUnix >= ${p.lookFrom} AND TimeUnix < ${p.to}
    WINDOW w AS (${SERIES_WINDOW})
  )
)
WHERE TimeUnix >= ${p.from}
GROUP BY t, label
ORDER BY label, t`;
}

/** `t`, `label`, `avg`, `min`, `max`, `last` of a gauge (or a non-monotonic sum). */
export function gaugeSql(p: MetricSqlParts, table: 'gauge' | 'sum' = 'gauge'): string {
  return `SELECT ${stepStart(p)} AS t, ${p.label} AS label, avg(Value) AS avg, min(Value) AS min, max(Value) AS max, argMax(Value, TimeUnix) AS last
FROM ${p.tables[table]}
WHERE ${p.where} AND bitAnd(Flags, 1) = 0 AND TimeUnix >= ${p.from} AND TimeUnix < ${p.to}
GROUP BY t, label
ORDER BY label, t`;
}

/**
 * The quantile `q` of buckets given as parallel arrays of lower bounds, upper bounds and counts
 * (in value order): the bucket where the cumulative count reaches `q × total`, interpolated
 * linearly; NaN when there are no counts.
 */
function quantileOf(lowers: string, uppers: string, counts: string, q: string): string {
  // Aliases are defined outside the lambda that reads them (a lambda's own aliases stay inside it).
  const i = `greatest(1, arrayFirstIndex(c -> c >= rank_, arrayCumSum(${counts}) AS cum_)) AS i_`;
  return `if((arraySum(${counts}) AS total_) = 0, nan,
    ${lowers}[${i}] + (${uppers}[i_] - ${lowers}[i_]) * if(${counts}[i_] = 0, 0, ((${q} * total_ AS rank_) - if(i_ = 1, 0, cum_[i_ - 1])) / ${counts}[i_]))`;
}

/** `t`, `label`, `q`, `value`: quantiles of an explicit-bucket histogram. */
export function histogramQuantilesSql(p: MetricSqlParts): string {
  const increase = `multiIf(
      AggregationTemporality = 1, BucketCounts,
      n = 1, if(${startedInWindow(p)}, BucketCounts, arrayMap(c -> toUInt64(0), BucketCounts)),
      StartTimeUnix != prevStart OR Count < prevCount OR ExplicitBounds != prevBounds, BucketCounts,
      arrayMap((c, b) -> if(c >= b, toUInt64(c - b), toUInt64(0)), BucketCounts, prevCounts))`;
  // Bucket i holds (bounds[i-1], bounds[i]]; the first starts at 0 when its bound is positive, the +Inf one answers its lower bound.
  const lowers = 'arrayConcat([if(bounds[1] > 0, 0., bounds[1])], bounds)';
  const uppers = 'arrayConcat(bounds, [bounds[-1]])';
  return `SELECT t, label, q, ${quantileOf(lowers, uppers, 'counts', 'q')} AS value
FROM (
  SELECT ${stepStart(p)} AS t, label, ExplicitBounds AS bounds, sumForEach(increase) AS counts
  FROM (
    SELECT TimeUnix, label, ExplicitBounds, ${increase} AS increase
    FROM (
      SELECT TimeUnix, StartTimeUnix, Count, BucketCounts, ExplicitBounds, AggregationTemporality, ${p.label} AS label,
        row_number() OVER w AS n, lagInFrame(StartTimeUnix) OVER w AS prevStart, lagInFrame(Count) OVER w AS prevCount,
        lagInFrame(BucketCounts) OVER w AS prevCounts, lagInFrame(ExplicitBounds) OVER w AS prevBounds
      FROM ${p.tables.histogram}
      WHERE ${p.where} AND bitAnd(Flags, 1) = 0 AND length(ExplicitBounds) > 0 AND length(BucketCounts) = length(ExplicitBounds) + 1
        AND TimeUnix >= ${p.lookFrom} AND TimeUnix < ${p.to}
      WINDOW w AS (${SERIES_WINDOW})
    )
  )
  WHERE TimeUnix >= ${p.from}
  GROUP BY t, label, bounds
)
ARRAY JOIN ${p.quantiles} AS q
WHERE NOT isNaN(value)
ORDER BY label, t, q`;
}

/** `t`, `label`, `q`, `value`: quantiles of an exponential histogram. */
export function exponentialQuantilesSql(p: MetricSqlParts): string {
  const window = `WHERE ${p.where} AND bitAnd(Flags, 1) = 0 AND TimeUnix >= ${p.lookFrom} AND TimeUnix < ${p.to}`;
  // A point's buckets at the target scale: index k at scale s is index floor(k / 2^(s - target)).
  const buckets = (offset: string, counts: string) =>
    `CAST(arrayReduce('sumMap', [arrayMap(j -> toInt64(floor((${offset} + j - 1) / exp2(Scale - target))), arrayEnumerate(${counts}))], [arrayMap(c -> toInt64(c), ${counts})]), 'Map(Int64, Int64)')`;
  // A cumulative point's increase over the series' previous one, bucket by bucket (a reset counts whole).
  const increase = (cur: string, prev: string) => `multiIf(
      AggregationTemporality = 1, ${cur},
      n = 1, if(${startedInWindow(p)}, ${cur}, CAST(map(), 'Map(Int64, Int64)')),
      StartTimeUnix != prevStart OR Count < prevCount, ${cur},
      mapFilter((k, v) -> v > 0, mapSubtract(${cur}, ${prev})))`;
  const sortedKeys = (m: string) => `arraySort(mapKeys(${m}))`;
  const valuesBy = (m: string) => `arrayMap(k -> toFloat64(${m}[k]), ${sortedKeys(m)})`;
  const base = 'exp2(exp2(-target))';
  // In value order: negative buckets (largest magnitude first), the zero bucket, positive buckets.
  const lowers = `arrayConcat(arrayMap(k -> -pow(${base}, k + 1), arrayReverse(${sortedKeys('neg')})), [0.], arrayMap(k -> pow(${base}, k), ${sortedKeys('pos')}))`;
  const uppers = `arrayConcat(arrayMap(k -> -pow(${base}, k), arrayReverse(${sortedKeys('neg')})), [0.], arrayMap(k -> pow(${base}, k + 1), ${sortedKeys('pos')}))`;
  const counts = `arrayConcat(arrayReverse(${valuesBy('neg')}), [toFloat64(zero)], ${valuesBy('pos')})`;
  return `WITH (SELECT min(Scale) FROM ${p.tables.exponentialHistogram} ${window}) AS target
SELECT t, label, q, ${quantileOf(lowers, uppers, counts, 'q')} AS value
FROM (
  SELECT ${stepStart(p)} AS t, label, sumMap(posIncrease) AS pos, sumMap(negIncrease) AS neg, sum(zeroIncrease) AS zero
  FROM (
    SELECT TimeUnix, label,
      ${increase('posBuckets', 'prevPos')} AS posIncrease,
      ${increase('negBuckets', 'prevNeg')} AS negIncrease,
      toUInt64(multiIf(AggregationTemporality = 1, ZeroCount, n = 1, if(${startedInWindow(p)}, ZeroCount, toUInt64(0)),
        StartTimeUnix != prevStart OR Count < prevCount, ZeroCount, ZeroCount >= prevZero, toUInt64(ZeroCount - prevZero), toUInt64(0))) AS zeroIncrease
    FROM (
      SELECT TimeUnix, StartTimeUnix, Count, ZeroCount, AggregationTemporality, ${p.label} AS label,
        ${buckets('PositiveOffset', 'PositiveBucketCounts')} AS posBuckets, ${buckets('NegativeOffset', 'NegativeBucketCounts')} AS negBuckets,
        row_number() OVER w AS n, lagInFrame(StartTimeUnix) OVER w AS prevStart, lagInFrame(Count) OVER w AS prevCount,
        lagInFrame(ZeroCount) OVER w AS prevZero, lagInFrame(posBuckets) OVER w AS prevPos, lagInFrame(negBuckets) OVER w AS prevNeg
      FROM ${p.tables.exponentialHistogram}
      ${window}
      WINDOW w AS (${SERIES_WINDOW})
    )
  )
  WHERE TimeUnix >= ${p.from}
  GROUP BY t, label
)
ARRAY JOIN ${p.quantiles} AS q
WHERE NOT isNaN(value)
ORDER BY label, t, q`;
}
