import {
  type DynamoDbTables,
  dynamoDbAuthorizations,
  type KinesisStreams,
  kinesisAuthorizations,
} from '../../../../local/iam';

const ACCOUNT = '000000000000';
const tableArn = (name: string) => `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${name}`;
const streamArn = (name: string) => `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/${name}`;
const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const ORDERS = tableArn('Orders');
const EVENTS = streamArn('OrderEvents');

const tables: DynamoDbTables = {
  arnOf: tableArn,
  partitionKeyOf: (table, index) => (index === 'byCustomer' ? 'customerId' : table === 'Orders' ? 'pk' : undefined),
};

const streams: KinesisStreams = {
  arnOf: (nameOrArn) => (nameOrArn.startsWith('arn:') ? nameOrArn : streamArn(nameOrArn)),
  keyArnOf: (arn) => (arn === EVENTS ? KEY_ARN : undefined),
  region: 'us-east-1',
};

describe('dynamoDbAuthorizations', () => {
  it('authorizes GetItem on the table with the partition key as LeadingKeys', () => {
    // Prepare
    const body = { TableName: 'Orders', Key: { pk: { S: 'ORDER#1' }, sk: { S: 'META' } }, ConsistentRead: true };

    // Act
    const authorizations = dynamoDbAuthorizations('GetItem', body, tables);

    // Assess
    expect(authorizations).toEqual([
      { action: 'dynamodb:GetItem', resource: ORDERS, context: { 'dynamodb:LeadingKeys': ['ORDER#1'] } },
    ]);
  });

  it('takes PutItem LeadingKeys from the Item, and a number or binary key as its string', () => {
    const put = { TableName: 'Orders', Item: { pk: { N: '42' }, sk: { S: 'META' }, total: { N: '10' } } };
    const del = { TableName: 'Orders', Key: { pk: { B: 'AQID' }, sk: { S: 'META' } }, ReturnValues: 'ALL_OLD' };

    expect(dynamoDbAuthorizations('PutItem', put, tables)).toEqual([
      { action: 'dynamodb:PutItem', resource: ORDERS, context: { 'dynamodb:LeadingKeys': ['42'] } },
    ]);
    expect(dynamoDbAuthorizations('DeleteItem', del, tables)[0]?.context).toEqual({ 'dynamodb:LeadingKeys': ['AQID'] });
  });

  it('reads UpdateItem LeadingKeys from a sole-attribute Key when the partition key is unknown', () => {
    const body = {
      TableName: 'Carts',
      Key: { cartId: { S: 'c-1' } },
      UpdateExpression: 'SET #n = :n',
      ExpressionAttributeNames: { '#n': 'count' },
      ExpressionAttributeValues: { ':n': { N: '1' } },
    };

    expect(dynamoDbAuthorizations('UpdateItem', body, tables)).toEqual([
      { action: 'dynamodb:UpdateItem', resource: tableArn('Carts'), context: { 'dynamodb:LeadingKeys': ['c-1'] } },
    ]);
  });

  it('leaves LeadingKeys out when a composite key has no known partition key', () => {
    const body = { TableName: 'Carts', Key: { a: { S: '1' }, b: { S: '2' } } };

    expect(dynamoDbAuthorizations('GetItem', body, tables)[0]?.context).toEqual({});
  });

  it('authorizes a Query on the table with LeadingKeys from the KeyConditionExpression', () => {
    // Prepare: the expression lib-dynamodb users write, with a name placeholder and a sort key BETWEEN.
    const body = {
      TableName: 'Orders',
      KeyConditionExpression: '#pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#pk': 'pk' },
      ExpressionAttributeValues: { ':pk': { S: 'ORDER#1' }, ':from': { S: 'A' }, ':to': { S: 'Z' } },
    };

    // Act
    const authorizations = dynamoDbAuthorizations('Query', body, tables);

    // Assess
    expect(authorizations).toEqual([
      { action: 'dynamodb:Query', resource: ORDERS, context: { 'dynamodb:LeadingKeys': ['ORDER#1'] } },
    ]);
  });

  it("authorizes a Query on an index on the index ARN, LeadingKeys from the index's partition key", () => {
    const body = {
      TableName: 'Orders',
      IndexName: 'byCustomer',
      KeyConditionExpression: '(customerId = :c) AND begins_with(createdAt, :d)',
      ExpressionAttributeValues: { ':c': { S: 'cust-9' }, ':d': { S: '2024-' } },
    };

    expect(dynamoDbAuthorizations('Query', body, tables)).toEqual([
      {
        action: 'dynamodb:Query',
        resource: `${ORDERS}/index/byCustomer`,
        context: { 'dynamodb:LeadingKeys': ['cust-9'] },
      },
    ]);
  });

  it('reads a sole equality as the partition key when the key name is unknown, and the legacy KeyConditions', () => {
    const expression = {
      TableName: 'Carts',
      KeyConditionExpression: 'cartId = :c',
      ExpressionAttributeValues: { ':c': { S: 'c-1' } },
    };
    const legacy = {
      TableName: 'Orders',
      KeyConditions: { pk: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'ORDER#2' }] } },
    };

    expect(dynamoDbAuthorizations('Query', expression, tables)[0]?.context).toEqual({
      'dynamodb:LeadingKeys': ['c-1'],
    });
    expect(dynamoDbAuthorizations('Query', legacy, tables)[0]?.context).toEqual({
      'dynamodb:LeadingKeys': ['ORDER#2'],
    });
  });

  it('leaves LeadingKeys out of a Query whose key condition it cannot read, and out of a Scan', () => {
    const unreadable = { TableName: 'Orders', KeyConditionExpression: 'pk = :missing', ExpressionAttributeValues: {} };
    const scan = { TableName: 'Orders', IndexName: 'byCustomer', Limit: 10 };

    expect(dynamoDbAuthorizations('Query', unreadable, tables)[0]?.context).toEqual({});
    expect(dynamoDbAuthorizations('Scan', scan, tables)).toEqual([
      { action: 'dynamodb:Scan', resource: `${ORDERS}/index/byCustomer`, context: {} },
    ]);
  });

  it('authorizes BatchGetItem once per table with all its partition keys', () => {
    // Prepare
    const body = {
      RequestItems: {
        Orders: {
          Keys: [
            { pk: { S: 'O#1' }, sk: { S: 'META' } },
            { pk: { S: 'O#2' }, sk: { S: 'META' } },
          ],
        },
        Carts: { Keys: [{ cartId: { S: 'c-1' } }], ProjectionExpression: 'cartId' },
      },
    };

    // Act
    const authorizations = dynamoDbAuthorizations('BatchGetItem', body, tables);

    // Assess
    expect(authorizations).toEqual([
      { action: 'dynamodb:BatchGetItem', resource: ORDERS, context: { 'dynamodb:LeadingKeys': ['O#1', 'O#2'] } },
      { action: 'dynamodb:BatchGetItem', resource: tableArn('Carts'), context: { 'dynamodb:LeadingKeys': ['c-1'] } },
    ]);
  });

  it('authorizes BatchWriteItem once per table, LeadingKeys from puts and deletes', () => {
    const body = {
      RequestItems: {
        Orders: [
          { PutRequest: { Item: { pk: { S: 'O#1' }, sk: { S: 'META' }, status: { S: 'NEW' } } } },
          { DeleteRequest: { Key: { pk: { S: 'O#3' }, sk: { S: 'META' } } } },
        ],
      },
    };

    expect(dynamoDbAuthorizations('BatchWriteItem', body, tables)).toEqual([
      { action: 'dynamodb:BatchWriteItem', resource: ORDERS, context: { 'dynamodb:LeadingKeys': ['O#1', 'O#3'] } },
    ]);
  });

  it('authorizes TransactWriteItems item by item, as the single-item actions they stand for', () => {
    // Prepare
    const body = {
      TransactItems: [
        { Put: { TableName: 'Orders', Item: { pk: { S: 'O#1' }, sk: { S: 'META' } } } },
        { Update: { TableName: 'Carts', Key: { cartId: { S: 'c-1' } }, UpdateExpression: 'REMOVE items' } },
        {
          ConditionCheck: {
            TableName: 'Orders',
            Key: { pk: { S: 'O#0' }, sk: { S: 'META' } },
            ConditionExpression: 'attribute_exists(pk)',
          },
        },
        { Delete: { TableName: tableArn('Orders'), Key: { pk: { S: 'O#9' }, sk: { S: 'META' } } } },
      ],
      ClientRequestToken: 'token-1',
    };
    const enclosing = { 'dynamodb:EnclosingOperation': 'TransactWriteItems' };

    // Act
    const authorizations = dynamoDbAuthorizations('TransactWriteItems', body, tables);

    // Assess: a TableName may be an ARN too.
    expect(authorizations).toEqual([
      { action: 'dynamodb:PutItem', resource: ORDERS, context: { 'dynamodb:LeadingKeys': ['O#1'], ...enclosing } },
      {
        action: 'dynamodb:UpdateItem',
        resource: tableArn('Carts'),
        context: { 'dynamodb:LeadingKeys': ['c-1'], ...enclosing },
      },
      {
        action: 'dynamodb:ConditionCheckItem',
        resource: ORDERS,
        context: { 'dynamodb:LeadingKeys': ['O#0'], ...enclosing },
      },
      { action: 'dynamodb:DeleteItem', resource: ORDERS, context: { 'dynamodb:LeadingKeys': ['O#9'], ...enclosing } },
    ]);
  });

  it('authorizes TransactGetItems as one GetItem per item', () => {
    const body = { TransactItems: [{ Get: { TableName: 'Orders', Key: { pk: { S: 'O#1' }, sk: { S: 'META' } } } }] };

    expect(dynamoDbAuthorizations('TransactGetItems', body, tables)).toEqual([
      {
        action: 'dynamodb:GetItem',
        resource: ORDERS,
        context: { 'dynamodb:LeadingKeys': ['O#1'], 'dynamodb:EnclosingOperation': 'TransactGetItems' },
      },
    ]);
  });

  it('authorizes table operations on the table, ListTables on *, unknown operations by TableName or *', () => {
    expect(dynamoDbAuthorizations('DescribeTable', { TableName: 'Orders' }, tables)).toEqual([
      { action: 'dynamodb:DescribeTable', resource: ORDERS, context: {} },
    ]);
    expect(dynamoDbAuthorizations('ListTables', { Limit: 10 }, tables)).toEqual([
      { action: 'dynamodb:ListTables', resource: '*', context: {} },
    ]);
    expect(dynamoDbAuthorizations('DescribeTimeToLive', { TableName: 'Carts' }, tables)[0]?.resource).toBe(
      tableArn('Carts'),
    );
    expect(dynamoDbAuthorizations('TagResource', { ResourceArn: ORDERS, Tags: [] }, tables)[0]?.resource).toBe(ORDERS);
    expect(dynamoDbAuthorizations('DescribeEndpoints', {}, tables)[0]?.resource).toBe('*');
  });
});

describe('kinesisAuthorizations', () => {
  const kmsContext = {
    'kms:ViaService': 'kinesis.us-east-1.amazonaws.com',
    'kms:EncryptionContext:aws:kinesis:arn': EVENTS,
  };

  it('authorizes PutRecords by StreamName and, on an encrypted stream, kms:GenerateDataKey on its key', () => {
    // Prepare
    const body = { StreamName: 'OrderEvents', Records: [{ Data: 'eyJ9', PartitionKey: 'order-1' }] };

    // Act
    const authorizations = kinesisAuthorizations('PutRecords', body, streams);

    // Assess
    expect(authorizations).toEqual([
      { action: 'kinesis:PutRecords', resource: EVENTS, context: {} },
      { action: 'kms:GenerateDataKey', resource: KEY_ARN, context: kmsContext },
    ]);
  });

  it('needs no KMS for a stream without a key', () => {
    const body = { StreamARN: streamArn('Plain'), Data: 'eyJ9', PartitionKey: 'order-1' };

    expect(kinesisAuthorizations('PutRecord', body, streams)).toEqual([
      { action: 'kinesis:PutRecord', resource: streamArn('Plain'), context: {} },
    ]);
  });

  it('authorizes GetRecords on the stream and kms:Decrypt, finding the stream from StreamARN or the iterator', () => {
    const byIterator: KinesisStreams = {
      ...streams,
      streamOfShardIterator: (iterator) => (iterator === 'it-1' ? EVENTS : undefined),
    };
    const expected = [
      { action: 'kinesis:GetRecords', resource: EVENTS, context: {} },
      { action: 'kms:Decrypt', resource: KEY_ARN, context: kmsContext },
    ];

    expect(
      kinesisAuthorizations('GetRecords', { ShardIterator: 'it-1', Limit: 100, StreamARN: EVENTS }, streams),
    ).toEqual(expected);
    expect(kinesisAuthorizations('GetRecords', { ShardIterator: 'it-1', Limit: 100 }, byIterator)).toEqual(expected);
  });

  it('refuses GetRecords when the stream cannot be known', () => {
    expect(() => kinesisAuthorizations('GetRecords', { ShardIterator: 'opaque' }, streams)).toThrow(
      /cannot tell the stream/,
    );
  });

  it('authorizes SubscribeToShard on the consumer and kms:Decrypt on its stream key', () => {
    const consumer = `${EVENTS}/consumer/orders-projector:1700000000`;
    const body = { ConsumerARN: consumer, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'LATEST' } };

    expect(kinesisAuthorizations('SubscribeToShard', body, streams)).toEqual([
      { action: 'kinesis:SubscribeToShard', resource: consumer, context: {} },
      { action: 'kms:Decrypt', resource: KEY_ARN, context: kmsContext },
    ]);
  });

  it('authorizes consumer operations on the ConsumerARN, else the named consumer, else the stream', () => {
    const consumer = `${EVENTS}/consumer/c:1700000000`;
    const withLookup: KinesisStreams = {
      ...streams,
      consumerArnOf: (stream, name) => `${stream}/consumer/${name}:1700000000`,
    };

    expect(kinesisAuthorizations('DescribeStreamConsumer', { ConsumerARN: consumer }, streams)[0]?.resource).toBe(
      consumer,
    );
    expect(
      kinesisAuthorizations('DeregisterStreamConsumer', { StreamARN: EVENTS, ConsumerName: 'c' }, withLookup)[0]
        ?.resource,
    ).toBe(consumer);
    expect(
      kinesisAuthorizations('DescribeStreamConsumer', { StreamARN: EVENTS, ConsumerName: 'c' }, streams)[0]?.resource,
    ).toBe(EVENTS);
  });

  it('authorizes ListStreams on * and stream operations on the stream', () => {
    expect(kinesisAuthorizations('ListStreams', { Limit: 10 }, streams)).toEqual([
      { action: 'kinesis:ListStreams', resource: '*', context: {} },
    ]);
    expect(kinesisAuthorizations('DescribeStreamSummary', { StreamName: 'OrderEvents' }, streams)).toEqual([
      { action: 'kinesis:DescribeStreamSummary', resource: EVENTS, context: {} },
    ]);
    expect(
      kinesisAuthorizations('RegisterStreamConsumer', { StreamARN: EVENTS, ConsumerName: 'c' }, streams)[0]?.resource,
    ).toBe(EVENTS);
    expect(kinesisAuthorizations('ListShards', { StreamName: 'OrderEvents' }, streams)[0]?.resource).toBe(EVENTS);
  });
});
