import type { Serde } from '../serde/serde.ts';
import type { StoreSpec } from '../state/store.ts';
import type { ProcessorSupplier } from './processor.ts';
import { SOURCE_POSITIONS } from './source-positions.ts';
import { TailstreamError } from '../util/errors.ts';

export interface SourceNode {
  readonly kind: 'source';
  readonly name: string;
  readonly topics: readonly string[];
  readonly keySerde: Serde<unknown>;
  readonly valueSerde: Serde<unknown>;
  /** Where records that fail to deserialize go, with the reason in headers. */
  readonly deadLetterTopic?: string;
}

export interface ProcessorNode {
  readonly kind: 'processor';
  readonly name: string;
  readonly parents: readonly string[];
  readonly supplier: ProcessorSupplier;
}

/** Chooses the output partition; by default murmur2 of the key bytes, as Kafka's producers do. */
export type SinkPartitioner = (key: Buffer | null, value: Buffer | null, partitions: number) => number | undefined;

export interface SinkNode {
  readonly kind: 'sink';
  readonly name: string;
  readonly topic: string;
  readonly parents: readonly string[];
  readonly keySerde: Serde<unknown>;
  readonly valueSerde: Serde<unknown>;
}

export type TopologyNode = SourceNode | ProcessorNode | SinkNode;

export class TopologyError extends TailstreamError {
  readonly code = 'TOPOLOGY_INVALID';
  readonly retriable = false;
}

/**
 * The one partition count of a topology's source topics (one task per partition, each
 * reading the same partition of every source); both runtimes refuse to start otherwise.
 */
export function copartitionedCount(applicationId: string, partitionsByTopic: ReadonlyMap<string, number>): number {
  const counts = new Set(partitionsByTopic.values());
  if (counts.size !== 1) {
    const each = [...partitionsByTopic].map(([t, n]) => `${t} (${n})`).join(', ');
    throw new TopologyError(`${applicationId}: source topics ${each} are not co-partitioned`);
  }
  return [...counts][0] as number;
}

/**
 * A processing graph by name: sources (topic + serdes), processors, their stores, sinks.
 * Built by topology files with the add* methods, then run by a runtime.
 */
export class Topology {
  private readonly nodes = new Map<string, TopologyNode>();
  private readonly children = new Map<string, string[]>();
  private readonly internal = new Set<string>();
  private dlq: string | undefined;
  private positions = false;

  addSource<K, V>(
    name: string,
    topics: string | readonly string[],
    keySerde: Serde<K>,
    valueSerde: Serde<V>,
    opts: { deadLetterTopic?: string } = {},
  ): this {
    const list = typeof topics === 'string' ? [topics] : topics;
    if (list.length === 0) throw new TopologyError(`source ${name}: no topics`);
    return this.add({
      kind: 'source',
      name,
      topics: list,
      keySerde: keySerde as Serde<unknown>,
      valueSerde: valueSerde as Serde<unknown>,
      ...opts,
    });
  }

  addProcessor<KIn, VIn, KOut, VOut>(
    name: string,
    supplier: ProcessorSupplier<KIn, VIn, KOut, VOut>,
    ...parents: string[]
  ): this {
    return this.add({ kind: 'processor', name, supplier: supplier as ProcessorSupplier, parents });
  }

  addSink<K, V>(name: string, topic: string, keySerde: Serde<K>, valueSerde: Serde<V>, ...parents: string[]): this {
    return this.add({
      kind: 'sink',
      name,
      topic,
      parents,
      keySerde: keySerde as Serde<unknown>,
      valueSerde: valueSerde as Serde<unknown>,
    });
  }

  private add(node: TopologyNode): this {
    if (this.nodes.has(node.name)) throw new TopologyError(`node name used twice: ${node.name}`);
    if (node.kind !== 'source') {
      if (node.parents.length === 0) throw new TopologyError(`${node.kind} ${node.name}: no parent`);
      for (const p of node.parents) {
        const parent = this.nodes.get(p);
        if (!parent) throw new TopologyError(`${node.kind} ${node.name}: unknown parent ${p}`);
        if (parent.kind === 'sink') throw new TopologyError(`${node.kind} ${node.name}: parent ${p} is a sink`);
        this.children.get(p)?.push(node.name);
      }
    }
    this.nodes.set(node.name, node);
    this.children.set(node.name, []);
    return this;
  }

  /**
   * Declares a topic the topology both writes and reads (a repartition topic); runtimes
   * create it with as many partitions as the source topics.
   */
  addInternalTopic(topic: string): this {
    this.internal.add(topic);
    return this;
  }

  /**
   * Where records that a processor throws on go (and records that fail to deserialize, for
   * sources without their own): the task dead-letters them with the reason and goes on.
   */
  withDeadLetterTopic(topic: string): this {
    this.dlq = topic;
    return this;
  }

  /**
   * The processors rebuild part of their state from the sources (stores declared with
   * `changelog: false`, emptied when a task opens) and say how far back they need them
   * (`Processor.committableOffset`): tasks keep a change-logged processed position per
   * source and replay the records between the committed offset and it (see
   * source-positions.ts).
   */
  withSourcePositions(): this {
    this.positions = true;
    return this;
  }

  tracksSourcePositions(): boolean {
    return this.positions;
  }

  deadLetterTopic(): string | undefined {
    return this.dlq;
  }

  internalTopics(): string[] {
    return [...this.internal];
  }

  node(name: string): TopologyNode {
    const n = this.nodes.get(name);
    if (!n) throw new TopologyError(`unknown node ${name}`);
    return n;
  }

  childrenOf(name: string): readonly string[] {
    return this.children.get(name) ?? [];
  }

  sources(): SourceNode[] {
    return [...this.nodes.values()].filter((n): n is SourceNode => n.kind === 'source');
  }

  processors(): ProcessorNode[] {
    return [...this.nodes.values()].filter((n): n is ProcessorNode => n.kind === 'processor');
  }

  sinks(): SinkNode[] {
    return [...this.nodes.values()].filter((n): n is SinkNode => n.kind === 'sink');
  }

  sourceTopics(): string[] {
    return [...new Set(this.sources().flatMap((s) => s.topics))];
  }

  sinkTopics(): string[] {
    return [...new Set(this.sinks().map((s) => s.topic))];
  }

  /** Every store the processors declare, once each; a name declared twice must be the same spec. */
  stores(): StoreSpec[] {
    const byName = new Map<string, StoreSpec>();
    for (const p of this.processors()) {
      for (const s of p.supplier.stores ?? []) {
        const seen = byName.get(s.name);
        if (seen && seen !== s) throw new TopologyError(`store ${s.name} declared twice with different specs`);
        byName.set(s.name, s);
      }
    }
    if (this.positions) byName.set(SOURCE_POSITIONS.name, SOURCE_POSITIONS);
    return [...byName.values()];
  }

  /** Which source reads a topic (one per topic). */
  sourceFor(topic: string): SourceNode {
    const s = this.sources().find((n) => n.topics.includes(topic));
    if (!s) throw new TopologyError(`no source reads topic ${topic}`);
    return s;
  }
}
