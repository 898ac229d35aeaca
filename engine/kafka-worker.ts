import type { Admin, Kafka } from 'kafkajs';
import { prepareTopics } from '../connectors/kafka-admin.js';
import { createKafka } from '../connectors/kafka-client.js';
import { AtLeastOnceSink } from '../connectors/kafka-sink.js';
import { SinkRunner } from '../connectors/sink-runner.js';
import type { Logger } from '../contracts/logger.js';
import { clientId, consumerGroup, sinkGroup, subtopologyGroup } from '../contracts/names.js';
import type { SinkStep, Topology } from '../contracts/topology.js';
import type { StateStore } from '../state/state-store.js';
import { noFaults, type Faults } from './faults.js';
import { operatorMetrics, sinkMetrics, type EngineMetrics } from './metrics.js';
import { setUpOperators, type OperatorResources } from './operator-setup.js';
import { subtopologies, type Subtopology } from './subtopology.js';
import { SubtopologyRunner } from './subtopology-runner.js';

export interface KafkaWorkerOptions {
  readonly topology: Topology;
  readonly store: StateStore;
  readonly metrics: EngineMetrics;
  readonly logger: Logger;
  readonly faults?: Faults;
  /** Called when the worker cannot go on (a consumer stopped for good): the process should exit non-zero. */
  readonly onFatal?: (error: Error) => void;
}

/**
 * One worker process of a topology: its operators set up once; per sub-topology (the topology cut at its key-by
 * steps), a member of that sub-topology's consumer group with one partition task per assigned partition; and the
 * topology's sinks, each a consumer of an output. Kafka assigns the work; nothing here coordinates workers.
 */
export class KafkaWorker {
  private readonly kafka: Kafka;
  private readonly faults: Faults;
  private readonly parts: readonly Subtopology[];
  private readonly runners: SubtopologyRunner[] = [];
  private readonly sinkRunners: SinkRunner[] = [];
  private admin: Admin | undefined;
  private resources: OperatorResources | undefined;
  private atLeastOnceSink: AtLeastOnceSink | undefined;

  constructor(private readonly options: KafkaWorkerOptions) {
    const { topology, logger } = options;
    this.kafka = createKafka({ brokers: topology.kafka.brokers, clientId: clientId(topology), logger, retry: topology.kafka.retry });
    this.faults = options.faults ?? noFaults;
    this.parts = subtopologies(topology);
  }

  async start(): Promise<void> {
    const { topology, store, metrics, logger } = this.options;
    const layout = await prepareTopics(this.kafka, topology, {
      repartitions: this.parts.flatMap((part) => (part.next === undefined ? [] : [{ topic: part.next.topic, partitions: part.next.partitions }])),
      changelogs: this.parts.flatMap((part) => part.steps.filter((step) => step.definition.stateful === true).map((step) => ({ stepId: step.id, sourceTopic: part.source.topic }))),
    });
    this.resources = await setUpOperators(topology, metrics, logger);
    this.admin = this.kafka.admin();
    await this.admin.connect();
    if (topology.guarantee === 'at-least-once') {
      this.atLeastOnceSink = new AtLeastOnceSink(this.kafka, topology, layout);
      await this.atLeastOnceSink.connect();
    }
    // Downstream sub-topologies first: the first one's records find their readers in place.
    for (const part of [...this.parts].reverse()) {
      const runner = new SubtopologyRunner({
        topology,
        subtopology: part,
        group: part.id === undefined ? consumerGroup(topology) : subtopologyGroup(topology, part.id),
        kafka: this.kafka,
        admin: this.admin,
        layout,
        store,
        metrics,
        logger,
        faults: this.faults,
        resources: this.resources.byStep,
        atLeastOnceSink: this.atLeastOnceSink,
        onFatal: (error) => this.options.onFatal?.(error),
      });
      await runner.start();
      this.runners.push(runner);
    }
    for (const sink of topology.sinks) await this.startSink(sink);
  }

  /** Finishes the chunks in progress, commits them, leaves the groups, releases the operators, closes every connection. */
  async stop(): Promise<void> {
    for (const runner of this.runners.splice(0)) await runner.stop();
    for (const runner of this.sinkRunners.splice(0)) await runner.stop();
    await this.resources?.teardown();
    await this.atLeastOnceSink?.close();
    await this.admin?.disconnect();
  }

  health(): { ok: boolean; details: Record<string, unknown> } {
    const crashed = this.runners.map((runner) => runner.status().crashed).find((error) => error !== undefined);
    return { ok: crashed === undefined, details: { crashed: crashed?.message ?? null } };
  }

  ready(): { ok: boolean; details: Record<string, unknown> } {
    const statuses = this.runners.map((runner) => runner.status());
    const joined = statuses.length > 0 && statuses.every((status) => status.joined);
    const crashed = statuses.some((status) => status.crashed !== undefined);
    return { ok: joined && !crashed, details: { joined, partitions: statuses.at(-1)?.partitions ?? [] } };
  }

  /** An idempotent sink: its own consumer group over the output's topic, in this worker. */
  private async startSink(sink: SinkStep): Promise<void> {
    const { topology, metrics, logger } = this.options;
    const output = topology.outputs[sink.from] as Topology['outputs'][string];
    const sinkLogger = logger.child({ sink: sink.name });
    const writer = await sink.definition.create(sink.config, { topology: topology.name, sink: sink.name, baseDir: topology.baseDir, metrics: operatorMetrics(metrics.registry, topology.name, `sink:${sink.name}`), logger: sinkLogger });
    const runner = new SinkRunner(this.kafka, {
      name: sink.name,
      topic: output.kafka.topic,
      format: output.kafka.format,
      group: sinkGroup(topology, sink.name),
      rejectedTopic: (topology.outputs.rejected as Topology['outputs'][string]).kafka.topic,
      maxRecords: topology.maxBatch.records,
      maxWaitMs: topology.commitIntervalMs,
      retry: topology.retry,
      writer,
      metrics: sinkMetrics(metrics, topology.name, sink.name),
      logger: sinkLogger,
    });
    await runner.start();
    this.sinkRunners.push(runner);
  }
}
