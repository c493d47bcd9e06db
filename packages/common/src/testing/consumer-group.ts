import { Admin } from '@platformatic/kafka';

/** One member of a consumer group and the partitions it holds, per topic. */
export interface ConsumerGroupMember {
  clientId: string;
  clientHost: string;
  partitions: Map<string, number[]>;
}

/**
 * Who holds which partitions of a consumer group right now (a broker without authentication,
 * e.g. a test's throwaway broker). Members that joined but have no assignment yet are listed with
 * none; a group nobody is in gives an empty list.
 */
export async function describeConsumerGroup(
  brokers: string[],
  groupId: string,
): Promise<ConsumerGroupMember[]> {
  const admin = new Admin({ clientId: 'consumer-group-test', bootstrapBrokers: brokers });
  try {
    const groups = await admin.describeGroups({ groups: [groupId] });
    const group = groups.get(groupId);
    if (!group) return [];
    return [...group.members.values()].map((member) => ({
      clientId: member.clientId,
      clientHost: member.clientHost,
      partitions: new Map(
        [...(member.assignments?.values() ?? [])].map((a) => [
          a.topic,
          [...a.partitions].sort((x, y) => x - y),
        ]),
      ),
    }));
  } finally {
    await admin.close();
  }
}
