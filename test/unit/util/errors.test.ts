import { describe, expect, it } from 'vitest';
import { ClickHouseSinkError } from '../../../src/clickhouse/errors.ts';
import { PublishError } from '../../../src/ingest/errors.ts';
import { FieldError } from '../../../src/model/field-error.ts';
import { QueryError } from '../../../src/query/errors.ts';
import { ConfigError } from '../../../src/util/config-reader.ts';
import { SerdeError } from '../../../src/serde/errors.ts';
import { UnknownSchemaIdError } from '../../../src/serde/registry.ts';
import { StoreIoError } from '../../../src/state/store-io-error.ts';
import { BrokerLimitError } from '../../../src/streams/in-memory-broker.ts';
import { TransactionError } from '../../../src/streams/kafka-commit.ts';
import { isFatal, ProcessingError } from '../../../src/streams/processing-errors.ts';
import { TaskError } from '../../../src/streams/task.ts';
import { TopicError } from '../../../src/streams/topic-error.ts';
import { TopologyError } from '../../../src/streams/topology.ts';
import { errorMessage, FileError, TailstreamError } from '../../../src/util/errors.ts';

/** One of each class, with the code and retriable flag callers branch on. */
const FAMILY: ReadonlyArray<readonly [TailstreamError, string, string, boolean]> = [
  [new ClickHouseSinkError('UNREACHABLE', 'x', { retriable: true }), 'ClickHouseSinkError', 'UNREACHABLE', true],
  [new PublishError('BACKPRESSURE', 'x', 1), 'PublishError', 'BACKPRESSURE', true],
  [new FieldError('span.name', 'x'), 'FieldError', 'INVALID_FIELD', false],
  [new QueryError('NOT_FOUND', 'x'), 'QueryError', 'NOT_FOUND', false],
  [new ConfigError('policies[0]', 'x'), 'ConfigError', 'CONFIG_INVALID', false],
  [new SerdeError('SCHEMA_NOT_FOUND', 'x'), 'SerdeError', 'SCHEMA_NOT_FOUND', false],
  [new UnknownSchemaIdError(7), 'UnknownSchemaIdError', 'UNKNOWN_SCHEMA_ID', false],
  [new StoreIoError('x'), 'StoreIoError', 'STORE_IO', false],
  [new BrokerLimitError('x'), 'BrokerLimitError', 'IN_MEMORY_TOPIC_FULL', true],
  [new TransactionError('x'), 'TransactionError', 'TRANSACTION_FAILED', true],
  [new ProcessingError('node', new Error('x')), 'ProcessingError', 'PROCESSING_FAILED', false],
  [new TaskError('x'), 'TaskError', 'TASK_FAILED', false],
  [new TopicError('NO_SUCH_PARTITION', 'raw-spans', 'x'), 'TopicError', 'NO_SUCH_PARTITION', false],
  [new TopologyError('x'), 'TopologyError', 'TOPOLOGY_INVALID', false],
  [new FileError('FILE_CORRUPT', '/tmp/x', 'x'), 'FileError', 'FILE_CORRUPT', false],
];

describe('one error family', () => {
  it.each(FAMILY)('%#: %s has a stable code and says whether it is retriable', (err, name, code, retriable) => {
    expect(err).toBeInstanceOf(TailstreamError);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe(name);
    expect(err.code).toBe(code);
    expect(err.retriable).toBe(retriable);
  });

  it('a processor error is fatal exactly when its cause is', () => {
    expect(isFatal(new ProcessingError('n', new StoreIoError('disk')))).toBe(true);
    expect(isFatal(new ProcessingError('n', new FieldError('span.name', 'bad')))).toBe(false);
  });

  it.each([
    [new Error('boom'), 'boom'],
    ['plain text', 'plain text'],
    [42, '42'],
    [undefined, 'undefined'],
  ])('errorMessage(%j) is %j', (thrown, text) => {
    expect(errorMessage(thrown)).toBe(text);
  });
});
