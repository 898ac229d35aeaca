import { errorMessage, OperatorError } from '../contracts/errors.js';
import type { Logger } from '../contracts/logger.js';
import type { Topology } from '../contracts/topology.js';
import { operatorMetrics, type EngineMetrics } from './metrics.js';

/** What a worker's operators set up once for all its partitions, by step id, and how to release it. */
export interface OperatorResources {
  readonly byStep: ReadonlyMap<string, unknown>;
  teardown(): Promise<void>;
}

/**
 * Runs each step's `setup` once for this worker, in pipeline order. A failure fails the worker's start with a message
 * naming the file, the step and its operator; what the earlier steps set up is torn down first.
 */
export async function setUpOperators(topology: Topology, metrics: EngineMetrics, logger: Logger): Promise<OperatorResources> {
  const byStep = new Map<string, unknown>();
  const teardowns: (() => Promise<void>)[] = [];
  const teardown = async (): Promise<void> => {
    for (const release of teardowns.splice(0).reverse()) {
      try {
        await release();
      } catch (error) {
        logger.warn('an operator failed to release its resources', { error });
      }
    }
  };
  for (const [index, step] of topology.pipeline.entries()) {
    const { definition } = step;
    if (definition.setup === undefined) continue;
    const started = performance.now();
    try {
      const resources = await definition.setup(step.config, {
        topology: topology.name,
        operator: step.id,
        baseDir: topology.baseDir,
        metrics: operatorMetrics(metrics.registry, topology.name, step.id),
        logger: logger.child({ operator: step.id }),
      });
      byStep.set(step.id, resources);
      if (definition.teardown !== undefined) teardowns.push(() => (definition.teardown as (resources: unknown) => Promise<void>)(resources));
      logger.info('operator set up', { operator: step.id, ms: Math.round(performance.now() - started) });
    } catch (error) {
      await teardown();
      throw new OperatorError(`${topology.file}: pipeline[${index}] (step '${step.id}', operator '${definition.name}'): setup failed: ${errorMessage(error)}`, {
        cause: error,
        context: { topology: topology.name, operator: step.id, file: topology.file },
      });
    }
  }
  return { byStep, teardown };
}
