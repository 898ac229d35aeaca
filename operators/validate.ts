import { Observable } from 'rxjs';
import { z } from 'zod';
import type { Envelope } from '../contracts/envelope.js';
import { metricNames } from '../contracts/metric-names.js';
import { rejectionHeadersFor } from '../contracts/rejection.js';
import { schemaNames, type SchemaName } from '../schemas/avro.js';
import { RecordValidator, type RejectReason } from '../schemas/record-validator.js';
import { defineOperator, type OperatorContext } from '../contracts/operator.js';

const schemaHeader = 'weir.schema';

/**
 * Checks each record against an ingest schema and passes on its typed value; an invalid record is not an
 * error but goes, untouched, to the `rejected` output with `weir.reason`, `weir.field`, `weir.error`,
 * `weir.schema`, `weir.operator` and `weir.origin.*` headers. Stateless: it needs no changelog and its
 * outputs are exactly-once with the batch.
 *
 * A Buffer payload (source format `avro` or `bytes`) is read as a Confluent wire-format record and must
 * carry the configured schema's id; any other payload is the JSON form of the record (schemas/json-mapping.ts),
 * where undeclared fields are rejected rather than dropped, so a producer's typo is seen at once.
 *
 * @example
 * pipeline:
 *   - validate: { schema: ImageIngest }
 */
export default defineOperator({
  name: 'validate',
  summary: 'Checks records against an Avro schema of schemas/ and passes on the typed record; invalid ones go to `rejected` with the reason, field and error in headers.',
  config: z.strictObject({
    schema: z.enum(schemaNames()).describe('The schema records must match: schemas/<schema>.avsc.'),
    eventTime: z.boolean().default(true).describe("Take the record's event time from its `event_time` field (epoch ms) instead of the source's."),
  }),
  outputs: ['rejected'],
  examples: ['- validate: { schema: ImageIngest }', '- validate: { schema: EdgeEvent, eventTime: false }'],
  create: (config, ctx) => {
    const validator = new RecordValidator(config.schema);
    const meter = new ValidationMeter(ctx, config.schema);
    return (source) =>
      new Observable<Envelope<Record<string, unknown>>>((subscriber) => {
        const batch = { seen: 0, rejects: new Map<RejectReason, number>() };
        return source.subscribe({
          next(envelope) {
            try {
              batch.seen++;
              const checked = validator.check(envelope.value);
              if (checked.ok) {
                const time = checked.value.event_time;
                subscriber.next({ ...envelope, value: checked.value, timestamp: config.eventTime && typeof time === 'number' ? time : envelope.timestamp });
                return;
              }
              const { reason, field, error } = checked.rejection;
              batch.rejects.set(reason, (batch.rejects.get(reason) ?? 0) + 1);
              const headers = { ...envelope.headers, ...rejectionHeadersFor({ reason, error, field, operator: ctx.operator }, envelope.origin), [schemaHeader]: config.schema };
              ctx.emit('rejected', { ...envelope, headers });
            } catch (error) {
              subscriber.error(error);
            }
          },
          error: (error: unknown) => subscriber.error(error),
          complete: () => {
            // Counted when the batch has passed through, so a batch aborted midway and retried is not counted twice.
            meter.add(batch.seen, batch.rejects);
            subscriber.complete();
          },
        });
      });
  },
});

/**
 * Records seen and rejected per (topology, operator, schema) in this process. Each partition has its own
 * operator instance, but the gauge has no partition label: like the counters, it covers them all.
 */
const tallies = new Map<string, { seen: number; rejected: number }>();

class ValidationMeter {
  private readonly records;
  private readonly failures;
  private readonly ratio;
  private readonly labels: { schema: string };
  private readonly tally: { seen: number; rejected: number };

  constructor(ctx: OperatorContext, schema: SchemaName) {
    this.labels = { schema };
    this.records = ctx.metrics.counter({ name: metricNames.validationRecords, help: 'Records the validate operator checked.', labelNames: ['schema'] });
    this.failures = ctx.metrics.counter({ name: metricNames.validationFailures, help: 'Records the validate operator rejected, by reason.', labelNames: ['schema', 'reason'] });
    this.ratio = ctx.metrics.gauge({ name: metricNames.validationRejectionRatio, help: 'Rejected / checked records of the validate operator since the process started.', labelNames: ['schema'] });
    const key = `${ctx.topology}\u0000${ctx.operator}\u0000${schema}`;
    this.tally = tallies.get(key) ?? { seen: 0, rejected: 0 };
    tallies.set(key, this.tally);
  }

  add(seen: number, rejects: ReadonlyMap<RejectReason, number>): void {
    if (seen === 0) return;
    this.records.inc(this.labels, seen);
    this.tally.seen += seen;
    for (const [reason, count] of rejects) {
      this.failures.inc({ schema: this.labels.schema, reason }, count);
      this.tally.rejected += count;
    }
    this.ratio.set(this.labels, this.tally.rejected / this.tally.seen);
  }
}
