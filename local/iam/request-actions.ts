/**
 * What AWS authorizes for one DynamoDB or Kinesis API call (JSON protocol, as the SDK sends it): the
 * (action, resource ARN, condition context) tuples, so the local runtime can check each against the caller's
 * role with the evaluator. One call can need several: a transaction authorizes item by item, a PutRecord on an
 * encrypted stream also needs KMS.
 *
 * Context keys produced: dynamodb:LeadingKeys, dynamodb:EnclosingOperation, kms:ViaService and
 * kms:EncryptionContext:aws:kinesis:arn. Not produced (a policy conditioned on them sees them absent):
 * dynamodb:Attributes, dynamodb:Select, dynamodb:ReturnValues, dynamodb:ReturnConsumedCapacity, aws:* keys.
 */

export interface RequiredAuthorization {
  readonly action: string;
  readonly resource: string;
  readonly context: Readonly<Record<string, string | readonly string[]>>;
}

export interface DynamoDbTables {
  arnOf(tableName: string): string;
  /**
   * The partition key attribute of the table, or of its index when `indexName` is given (a Query on an index
   * names the index's partition key). Without it LeadingKeys comes only from single-attribute keys.
   */
  partitionKeyOf(tableName: string, indexName?: string): string | undefined;
}

export interface KinesisStreams {
  arnOf(streamNameOrArn: string): string;
  /** KMS key ARN of an encrypted stream */
  keyArnOf?(streamArn: string): string | undefined;
  /** The stream a shard iterator reads: GetRecords names no stream unless the caller passes StreamARN. */
  streamOfShardIterator?(shardIterator: string): string | undefined;
  /** A consumer's ARN by name, for DescribeStreamConsumer/DeregisterStreamConsumer by StreamARN + ConsumerName. */
  consumerArnOf?(streamArn: string, consumerName: string): string | undefined;
  readonly region: string;
}

type Json = Readonly<Record<string, unknown>>;

/**
 * operation = the part after the dot of X-Amz-Target ('DynamoDB_20120810.GetItem' -> 'GetItem');
 * body = parsed JSON.
 */
export function dynamoDbAuthorizations(
  operation: string,
  body: unknown,
  tables: DynamoDbTables,
): RequiredAuthorization[] {
  const request = objectOr(body);
  const action = `dynamodb:${operation}`;
  switch (operation) {
    case 'GetItem':
    case 'UpdateItem':
    case 'DeleteItem':
      return [itemAuthorization(action, request.TableName, request.Key, 'key', tables)];
    case 'PutItem':
      return [itemAuthorization(action, request.TableName, request.Item, 'item', tables)];
    case 'Query':
    case 'Scan': {
      const table = tableOf(request.TableName, tables);
      if (!table) return [{ action, resource: '*', context: {} }];
      const index = typeof request.IndexName === 'string' ? request.IndexName : undefined;
      const resource = index === undefined ? table.arn : `${table.arn}/index/${index}`;
      const leadingKey =
        operation === 'Query' ? queryLeadingKey(request, tables.partitionKeyOf(table.name, index)) : undefined;
      return [{ action, resource, context: leadingKeys(leadingKey === undefined ? [] : [leadingKey]) }];
    }
    case 'BatchGetItem':
      return Object.entries(objectOr(request.RequestItems)).map(([tableName, entry]) =>
        tableAuthorization(action, tableName, arrayOr(objectOr(entry).Keys), 'key', tables),
      );
    case 'BatchWriteItem':
      return Object.entries(objectOr(request.RequestItems)).map(([tableName, writes]) => {
        const table = tableOf(tableName, tables);
        const values = arrayOr(writes).flatMap((write) => {
          const { PutRequest, DeleteRequest } = objectOr(write);
          if (PutRequest !== undefined) return [partitionValue(objectOr(PutRequest).Item, 'item', table, tables)];
          return [partitionValue(objectOr(DeleteRequest).Key, 'key', table, tables)];
        });
        return { action, resource: table?.arn ?? '*', context: leadingKeys(values) };
      });
    case 'TransactGetItems':
      return arrayOr(request.TransactItems).map((entry) => {
        const get = objectOr(objectOr(entry).Get);
        return enclosed(itemAuthorization('dynamodb:GetItem', get.TableName, get.Key, 'key', tables), operation);
      });
    case 'TransactWriteItems':
      return arrayOr(request.TransactItems).map((entry) => {
        const { Put, Update, Delete, ConditionCheck } = objectOr(entry);
        // Each part is authorized as the single-item call it stands for (AWS: "Using IAM with DynamoDB transactions").
        const authorization =
          Put !== undefined
            ? itemAuthorization('dynamodb:PutItem', objectOr(Put).TableName, objectOr(Put).Item, 'item', tables)
            : Update !== undefined
              ? itemAuthorization(
                  'dynamodb:UpdateItem',
                  objectOr(Update).TableName,
                  objectOr(Update).Key,
                  'key',
                  tables,
                )
              : Delete !== undefined
                ? itemAuthorization(
                    'dynamodb:DeleteItem',
                    objectOr(Delete).TableName,
                    objectOr(Delete).Key,
                    'key',
                    tables,
                  )
                : itemAuthorization(
                    'dynamodb:ConditionCheckItem',
                    objectOr(ConditionCheck).TableName,
                    objectOr(ConditionCheck).Key,
                    'key',
                    tables,
                  );
        return enclosed(authorization, operation);
      });
    case 'ListTables':
      return [{ action, resource: '*', context: {} }];
    default: {
      // Table operations (DescribeTable, UpdateTimeToLive, ...) name the table; tagging ones its ARN.
      const table = tableOf(request.TableName, tables);
      const resource = table?.arn ?? (typeof request.ResourceArn === 'string' ? request.ResourceArn : '*');
      return [{ action, resource, context: {} }];
    }
  }
}

/** operation from X-Amz-Target ('Kinesis_20131202.PutRecords' -> 'PutRecords'). */
export function kinesisAuthorizations(
  operation: string,
  body: unknown,
  streams: KinesisStreams,
): RequiredAuthorization[] {
  const request = objectOr(body);
  const action = `kinesis:${operation}`;
  const stream = streamOf(request, streams);
  switch (operation) {
    case 'ListStreams':
    case 'DescribeLimits':
      return [{ action, resource: '*', context: {} }];
    case 'PutRecord':
    case 'PutRecords':
      return [{ action, resource: stream ?? '*', context: {} }, ...kmsFor('kms:GenerateDataKey', stream, streams)];
    case 'GetRecords': {
      const iterator = typeof request.ShardIterator === 'string' ? request.ShardIterator : undefined;
      const read = stream ?? (iterator === undefined ? undefined : streams.streamOfShardIterator?.(iterator));
      if (read === undefined) {
        // Guessing a resource would let a policy on the wrong stream decide; refuse instead.
        throw new Error('kinesis:GetRecords: cannot tell the stream of the shard iterator (pass StreamARN)');
      }
      return [{ action, resource: read, context: {} }, ...kmsFor('kms:Decrypt', read, streams)];
    }
    case 'SubscribeToShard': {
      // Enhanced fan-out reads records too, so an encrypted stream needs kms:Decrypt as for GetRecords.
      const consumer = typeof request.ConsumerARN === 'string' ? request.ConsumerARN : undefined;
      const consumerStream = consumer === undefined ? undefined : streamOfConsumer(consumer);
      return [{ action, resource: consumer ?? '*', context: {} }, ...kmsFor('kms:Decrypt', consumerStream, streams)];
    }
    case 'DescribeStreamConsumer':
    case 'DeregisterStreamConsumer': {
      const byName =
        stream !== undefined && typeof request.ConsumerName === 'string'
          ? streams.consumerArnOf?.(stream, request.ConsumerName)
          : undefined;
      const consumer = typeof request.ConsumerARN === 'string' ? request.ConsumerARN : byName;
      return [{ action, resource: consumer ?? stream ?? '*', context: {} }];
    }
    default: {
      const resource = stream ?? (typeof request.ResourceARN === 'string' ? request.ResourceARN : '*');
      return [{ action, resource, context: {} }];
    }
  }
}

// --- DynamoDB -----------------------------------------------------------------------------------------------

interface Table {
  readonly name: string;
  readonly arn: string;
}

/** DynamoDB accepts a table's name or its ARN in TableName (and as a RequestItems key). */
function tableOf(tableName: unknown, tables: DynamoDbTables): Table | undefined {
  if (typeof tableName !== 'string' || tableName === '') return undefined;
  if (tableName.startsWith('arn:')) {
    const at = tableName.indexOf(':table/');
    return { name: at < 0 ? tableName : tableName.slice(at + ':table/'.length), arn: tableName };
  }
  return { name: tableName, arn: tables.arnOf(tableName) };
}

/** `key`: a Key (its sole attribute is the partition key when the table's is unknown); `item`: a whole Item. */
type KeySource = 'key' | 'item';

function itemAuthorization(
  action: string,
  tableName: unknown,
  keyOrItem: unknown,
  source: KeySource,
  tables: DynamoDbTables,
): RequiredAuthorization {
  return tableAuthorization(action, tableName, [keyOrItem], source, tables);
}

function tableAuthorization(
  action: string,
  tableName: unknown,
  keysOrItems: readonly unknown[],
  source: KeySource,
  tables: DynamoDbTables,
): RequiredAuthorization {
  const table = tableOf(tableName, tables);
  const values = keysOrItems.map((keyOrItem) => partitionValue(keyOrItem, source, table, tables));
  return { action, resource: table?.arn ?? '*', context: leadingKeys(values) };
}

function partitionValue(
  keyOrItem: unknown,
  source: KeySource,
  table: Table | undefined,
  tables: DynamoDbTables,
): string | undefined {
  const attributes = objectOr(keyOrItem);
  const names = Object.keys(attributes);
  const partitionKey =
    (table && tables.partitionKeyOf(table.name)) ?? (source === 'key' && names.length === 1 ? names[0] : undefined);
  return partitionKey === undefined ? undefined : attributeString(attributes[partitionKey]);
}

/** The value of an S, N or B AttributeValue as the string LeadingKeys compares (B stays base64). */
function attributeString(value: unknown): string | undefined {
  const attribute = objectOr(value);
  for (const type of ['S', 'N', 'B']) {
    const scalar = attribute[type];
    if (typeof scalar === 'string') return scalar;
  }
  return undefined;
}

function leadingKeys(values: readonly (string | undefined)[]): Record<string, readonly string[]> {
  const known = [...new Set(values.filter((value): value is string => value !== undefined))];
  return known.length === 0 ? {} : { 'dynamodb:LeadingKeys': known };
}

function enclosed(authorization: RequiredAuthorization, operation: string): RequiredAuthorization {
  return { ...authorization, context: { ...authorization.context, 'dynamodb:EnclosingOperation': operation } };
}

/**
 * The partition key value a Query names: the `<pk> = :v` clause of its KeyConditionExpression (or an EQ of the
 * legacy KeyConditions). Without the key's name, a sole equality is taken as the partition key's; else absent.
 */
function queryLeadingKey(request: Json, partitionKey: string | undefined): string | undefined {
  const names = objectOr(request.ExpressionAttributeNames);
  const values = objectOr(request.ExpressionAttributeValues);
  const equalities: { readonly attribute: string; readonly value: unknown }[] = [];
  if (typeof request.KeyConditionExpression === 'string') {
    // A BETWEEN's own AND splits into clauses that are no equality, so a plain split is enough.
    for (const clause of request.KeyConditionExpression.split(/\s+AND\s+/i)) {
      const text = clause
        .trim()
        .replace(/^\(+\s*/, '')
        .replace(/\s*\)+$/, '');
      const match = /^([#\w.-]+)\s*=\s*(:[\w-]+)$/.exec(text) ?? swapped(/^(:[\w-]+)\s*=\s*([#\w.-]+)$/.exec(text));
      if (!match) continue;
      const [, attribute = '', placeholder = ''] = match;
      const name = attribute.startsWith('#') ? names[attribute] : attribute;
      if (typeof name === 'string') equalities.push({ attribute: name, value: values[placeholder] });
    }
  } else {
    for (const [attribute, condition] of Object.entries(objectOr(request.KeyConditions))) {
      const { ComparisonOperator, AttributeValueList } = objectOr(condition);
      if (ComparisonOperator === 'EQ') equalities.push({ attribute, value: arrayOr(AttributeValueList)[0] });
    }
  }
  const equality =
    partitionKey === undefined
      ? equalities.length === 1
        ? equalities[0]
        : undefined
      : equalities.find(({ attribute }) => attribute === partitionKey);
  return equality === undefined ? undefined : attributeString(equality.value);
}

function swapped(match: RegExpExecArray | null): string[] | null {
  return match ? [match[0], match[2] ?? '', match[1] ?? ''] : null;
}

// --- Kinesis ------------------------------------------------------------------------------------------------

function streamOf(request: Json, streams: KinesisStreams): string | undefined {
  if (typeof request.StreamARN === 'string') return request.StreamARN;
  if (typeof request.StreamName === 'string') return streams.arnOf(request.StreamName);
  return undefined;
}

/** `arn:...:stream/S/consumer/C:123` -> `arn:...:stream/S` */
function streamOfConsumer(consumerArn: string): string | undefined {
  const at = consumerArn.indexOf('/consumer/');
  return at < 0 ? undefined : consumerArn.slice(0, at);
}

/** Kinesis calls KMS on the caller's behalf for an encrypted stream, with the stream ARN as encryption context. */
function kmsFor(action: string, streamArn: string | undefined, streams: KinesisStreams): RequiredAuthorization[] {
  const keyArn = streamArn === undefined ? undefined : streams.keyArnOf?.(streamArn);
  if (streamArn === undefined || keyArn === undefined) return [];
  return [
    {
      action,
      resource: keyArn,
      context: {
        'kms:ViaService': `kinesis.${streams.region}.amazonaws.com`,
        'kms:EncryptionContext:aws:kinesis:arn': streamArn,
      },
    },
  ];
}

// --- JSON ---------------------------------------------------------------------------------------------------

function objectOr(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

function arrayOr(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}
