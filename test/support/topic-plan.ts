import type { TopicPlan } from '../../connectors/kafka-admin.js';
import type { Topology } from '../../contracts/topology.js';

/** The topics a topology without key-by steps needs, for tests that prepare them without a worker. */
export function testTopicPlan(topology: Topology): TopicPlan {
  return {
    repartitions: [],
    changelogs: topology.pipeline.filter((step) => step.definition.stateful === true).map((step) => ({ stepId: step.id, sourceTopic: topology.source.kafka.topic })),
  };
}
