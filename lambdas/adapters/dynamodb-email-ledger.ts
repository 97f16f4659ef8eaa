import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { OrderEmailKind } from '../domain/order-email';
import { type EmailClaim, type EmailLedger, emailLedgerEntry } from '../ports/email-ledger';
import { isConditionalCheckFailed } from './dynamodb-errors';

/**
 * Email entries of the side-effect ledger in DynamoDB (LEDGER_TABLE, pk `orderId`, sk
 * `entry`). Item: { orderId, entry: 'EMAIL#ORDER_COMPLETED', status: 'SENDING' | 'SENT',
 * claimToken, leaseExpiresAt (epoch ms), sentAt?, messageId? }. Every change is a
 * conditional write, so only one attempt at a time holds the right to send.
 */
export class DynamoDbEmailLedger implements EmailLedger {
  public constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  public async claim(
    orderId: string,
    kind: OrderEmailKind,
    token: string,
    nowMs: number,
    leaseMs: number,
  ): Promise<EmailClaim> {
    const key = { orderId, entry: emailLedgerEntry(kind) };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key, status: 'SENDING', claimToken: token, leaseExpiresAt: nowMs + leaseMs },
          ConditionExpression: 'attribute_not_exists(orderId) OR (#status = :sending AND leaseExpiresAt < :now)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':sending': 'SENDING', ':now': nowMs },
        }),
      );
      return { outcome: 'claimed' };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    if (Item?.status === 'SENT') return { outcome: 'already-sent', sentAt: String(Item.sentAt) };
    // Released between our put and get: report a lease that has already expired, so the caller claims again.
    return {
      outcome: 'in-progress',
      leaseExpiresAt: typeof Item?.leaseExpiresAt === 'number' ? Item.leaseExpiresAt : nowMs,
    };
  }

  public async markSent(
    orderId: string,
    kind: OrderEmailKind,
    token: string,
    sent: { sentAt: string; messageId?: string },
  ): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { orderId, entry: emailLedgerEntry(kind) },
          UpdateExpression: `SET #status = :sent, sentAt = :sentAt${sent.messageId ? ', messageId = :messageId' : ''} REMOVE leaseExpiresAt`,
          ConditionExpression: 'claimToken = :token',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':sent': 'SENT',
            ':sentAt': sent.sentAt,
            ':token': token,
            ...(sent.messageId ? { ':messageId': sent.messageId } : {}),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  public async release(orderId: string, kind: OrderEmailKind, token: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { orderId, entry: emailLedgerEntry(kind) },
          ConditionExpression: 'claimToken = :token AND #status = :sending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':token': token, ':sending': 'SENDING' },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }
}
