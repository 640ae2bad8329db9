// The consumer group: members join and leave, partitions move cooperatively
// (revoked from one member, and only after its onRevoked finished assigned to
// another), and a member whose session times out loses its partitions at once:
// they are handed to others while it may still be running (a zombie), and it
// hears of the loss only later. Also keeps the group's committed offsets.
import type { TopicPartition, TopicPartitionOffset } from '../../src/worker/kafka-types.ts';
import type { EventLog } from './event-log.ts';
import type { Rng } from './rng.ts';
import type { SimulatedKafka } from './simulated-kafka.ts';

export type GroupEvent =
  | { readonly kind: 'assign'; readonly partitions: readonly TopicPartition[] }
  | { readonly kind: 'revoke'; readonly partitions: readonly TopicPartition[]; readonly lost: boolean };

/** A consumer's side of the group: the coordinator pushes its decisions. */
export interface GroupMember {
  readonly id: string;
  deliver(event: GroupEvent): void;
}

interface Membership {
  readonly member: GroupMember;
  readonly subscribes: (topic: string) => boolean;
  /** Partitions the group gave this member (including those being revoked). */
  readonly assigned: Set<string>;
  readonly revoking: Set<string>;
}

const key = (tp: TopicPartition) => `${tp.topic}:${tp.partition}`;

export class GroupCoordinator {
  readonly #kafka: SimulatedKafka;
  readonly #rng: Rng;
  readonly #log: EventLog;
  readonly #members = new Map<string, Membership>();
  readonly #committed = new Map<string, bigint>();

  constructor(kafka: SimulatedKafka, rng: Rng, log: EventLog) {
    this.#kafka = kafka;
    this.#rng = rng;
    this.#log = log;
  }

  members(): string[] {
    return [...this.#members.keys()];
  }

  isMember(id: string): boolean {
    return this.#members.has(id);
  }

  /** Partitions the group gave `id`, as `topic:partition`. */
  assignedTo(id: string): string[] {
    return [...(this.#members.get(id)?.assigned ?? [])];
  }

  join(member: GroupMember, subscribes: (topic: string) => boolean): void {
    if (this.#members.has(member.id)) return;
    this.#members.set(member.id, { member, subscribes, assigned: new Set(), revoking: new Set() });
    this.#log.add(`group: ${member.id} joins`);
    this.rebalance();
  }

  /** A clean leave: the member revoked what it had (or never took it). */
  leave(id: string): void {
    const membership = this.#members.get(id);
    if (membership === undefined) return;
    this.#members.delete(id);
    this.#log.add(`group: ${id} leaves`);
    this.rebalance();
  }

  /** Session timeout: the member's partitions go to others now; it hears of it later, if it is alive. */
  expire(id: string): void {
    const membership = this.#members.get(id);
    if (membership === undefined) return;
    this.#members.delete(id);
    const lost = [...membership.assigned].map(parseKey);
    this.#log.add(`group: ${id} session timeout, loses ${lost.map(key).join(',') || 'nothing'}`);
    membership.member.deliver({ kind: 'revoke', partitions: lost, lost: true });
    this.rebalance();
  }

  /** The member finished onRevoked for these partitions: they may go elsewhere. */
  revoked(id: string, partitions: readonly TopicPartition[]): void {
    const membership = this.#members.get(id);
    if (membership === undefined) return;
    for (const tp of partitions) {
      membership.assigned.delete(key(tp));
      membership.revoking.delete(key(tp));
    }
    this.rebalance();
  }

  /** Moves a random partition away from its member (a rebalance the workers did not ask for). */
  churn(): void {
    const candidates = [...this.#members.values()].flatMap((m) =>
      [...m.assigned].filter((k) => !m.revoking.has(k)).map((k) => [m, k] as const),
    );
    if (candidates.length === 0 || this.#members.size < 2) return;
    const [membership, partition] = this.#rng.pick(candidates);
    this.#revoke(membership, [partition]);
  }

  /** Group offsets from a current member are kept; a fenced member's are refused. */
  commit(id: string, offsets: readonly TopicPartitionOffset[]): boolean {
    if (!this.#members.has(id)) return false;
    for (const o of offsets) this.#committed.set(key(o), o.offset);
    return true;
  }

  committed(tp: TopicPartition): bigint | undefined {
    return this.#committed.get(key(tp));
  }

  /** Unowned partitions go to the least loaded members; overloaded members give some up. */
  rebalance(): void {
    const members = [...this.#members.values()];
    if (members.length === 0) return;
    const owned = new Set(members.flatMap((m) => [...m.assigned]));
    const incoming = new Map<Membership, TopicPartition[]>();
    for (const tp of this.#kafka.allPartitions()) {
      if (owned.has(key(tp))) continue;
      const eligible = members.filter((m) => m.subscribes(tp.topic));
      if (eligible.length === 0) continue;
      const least = Math.min(...eligible.map((m) => m.assigned.size));
      const target = this.#rng.pick(eligible.filter((m) => m.assigned.size === least));
      target.assigned.add(key(tp));
      incoming.set(target, [...(incoming.get(target) ?? []), tp]);
    }
    for (const [membership, partitions] of incoming) {
      this.#log.add(`group: assign ${partitions.map(key).join(',')} to ${membership.member.id}`);
      membership.member.deliver({ kind: 'assign', partitions });
    }
    const total = members.reduce((n, m) => n + m.assigned.size, 0);
    const fair = Math.ceil(total / members.length);
    const idle = members.some((m) => m.assigned.size - m.revoking.size < Math.floor(total / members.length));
    if (!idle) return;
    for (const membership of members) {
      const keep = [...membership.assigned].filter((k) => !membership.revoking.has(k));
      if (keep.length <= fair) continue;
      const extra = this.#rng.shuffle(keep).slice(0, keep.length - fair);
      this.#revoke(membership, extra);
    }
  }

  #revoke(membership: Membership, partitions: readonly string[]): void {
    for (const k of partitions) membership.revoking.add(k);
    this.#log.add(`group: revoke ${partitions.join(',')} from ${membership.member.id}`);
    membership.member.deliver({ kind: 'revoke', partitions: partitions.map(parseKey), lost: false });
  }
}

function parseKey(k: string): TopicPartition {
  const at = k.lastIndexOf(':');
  return { topic: k.slice(0, at), partition: Number(k.slice(at + 1)) };
}
