import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ForecastTrack } from '../decision/forecastTrust';
import type { PlanMemberRecord } from '../decision/plans/types';
import type { Decision, FloorSchedule, PendingIntent } from '../decision/types';
import { AwsCallError, LeaseLostError } from '../errors';
import type {
  DecisionContext,
  Lease,
  Ledger,
  TargetRecord,
  TargetUpdate,
  UnleasedRecord,
  WriteId,
} from '../ports';
import type { LogSink } from '../usecases/evaluate/types';
import type { AwsConfig } from './awsConfig';
import {
  type BatchGet,
  type BatchPut,
  batchGetAll,
  type ConditionalPut,
  putAll,
  type TransactPuts,
} from './dynamoBatches';
import { dynamoDocumentClient } from './dynamoDocumentClient';
import { dynamoItemSize } from './dynamoItemSize';
import { fittedTrack, fittedTrackWarning } from './forecastTrackItem';
import type { IamActions } from './iamActions';
import { type DecisionLogEntry, logItem, planItem, stillAsRead, windowItem } from './ledgerItems';
import { planMemberRecord, type StoredPlanMember } from './planMemberItem';
import { type StoredState, type StoredWindow, stateUpdate, targetRecord } from './targetStateItem';

export { DECISION_LOG_DAYS, type DecisionLogEntry } from './ledgerItems';

/** The IAM actions DynamoLedger calls (infra/functionAdapters.ts builds the roles of the functions that use it). */
export const dynamoLedgerIam: IamActions = {
  // TransactWriteItems is authorised as the item writes inside it (IAM has no action of its own for it).
  // BatchGetItem and BatchWriteItem: the walk's batched first looks and unleased log entries (issue 23).
  read: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'],
  write: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'],
};

/**
 * The ledger in one DynamoDB table (`pk`, `sk`, TTL attribute `ttl`).
 * Per target, under `pk = TARGET#<scope>#<name>`: the `STATE` item (lease, intent, last scale times, recent
 * changes, failures, floors), the `WINDOW` item (recent recommendations, for the stabilisation windows), a
 * plan member's `PLAN` item (its state for the other members' scalers, written with each of its decisions) and
 * one `DECISION#<time>#<n>` item per decision. A decision that changes nothing is written without a lease
 * (its log entry in batches, its window and plan state in transactions); the `STATE` item is only ever written under a lease (or by
 * predict, its floors). Every write of a `WINDOW` or `PLAN` item gives it a new `writeId`: one written without
 * a lease replaces only the write its run read (`recordMany`). Under `pk = CURSOR#<scope>#<key>`, where a
 * schedule run starts. `scope` is account and region, so one table can serve several.
 */
export class DynamoLedger implements Ledger {
  private readonly doc: DynamoDBDocumentClient;
  private sequence = 0;

  constructor(
    config: AwsConfig,
    private readonly tableName: string,
    private readonly scope: string,
    client?: DynamoDBClient,
    /** Where a forecast track cut to fit its item is told (nowhere when absent). */
    private readonly log?: Pick<LogSink, 'warn'>,
  ) {
    this.doc = dynamoDocumentClient(config, client);
  }

  private pk(target: string) {
    return `TARGET#${this.scope}#${target}`;
  }

  async acquireLease(target: string, owner: string, now: Date, seconds: number): Promise<Lease | undefined> {
    const expiresAt = new Date(now.getTime() + seconds * 1000);
    try {
      const response = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: this.pk(target), sk: 'STATE' },
          // The fencing token grows with every lease taken; writes under the lease are conditional on it.
          UpdateExpression: 'SET leaseOwner = :owner, leaseExpiresAt = :expires ADD leaseToken :one',
          ConditionExpression:
            'attribute_not_exists(leaseExpiresAt) OR leaseExpiresAt < :now OR leaseOwner = :owner',
          ExpressionAttributeValues: {
            ':owner': owner,
            ':expires': expiresAt.getTime(),
            ':now': now.getTime(),
            ':one': 1,
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      const token = Number(response.Attributes?.leaseToken);
      if (!Number.isFinite(token)) throw new Error('UpdateItem returned no lease token');
      return { target, owner, token, expiresAt };
    } catch (cause) {
      if (cause instanceof ConditionalCheckFailedException) return undefined;
      throw new AwsCallError('DynamoDB UpdateItem (lease)', cause);
    }
  }

  async releaseLease(lease: Lease): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: this.pk(lease.target), sk: 'STATE' },
          UpdateExpression: 'REMOVE leaseOwner, leaseExpiresAt',
          ConditionExpression: 'leaseToken = :token',
          ExpressionAttributeValues: { ':token': lease.token },
        }),
      );
    } catch (cause) {
      if (cause instanceof ConditionalCheckFailedException) return; // expired and taken over: not ours to release
      throw new AwsCallError('DynamoDB UpdateItem (release lease)', cause);
    }
  }

  async read(target: string): Promise<TargetRecord> {
    return (await this.readMany([target])).get(target) ?? targetRecord({}, undefined);
  }

  /** Each target's STATE and WINDOW items: BatchGetItem, 100 keys (50 targets) a call, strongly consistent. */
  async readMany(targets: readonly string[]): Promise<ReadonlyMap<string, TargetRecord>> {
    const keys = targets.flatMap((t) => [
      { pk: this.pk(t), sk: 'STATE' },
      { pk: this.pk(t), sk: 'WINDOW' },
    ]);
    const items = await batchGetAll(keys, 'state', this.batchGet);
    const byKey = new Map(items.map((i) => [`${i.pk}|${i.sk}`, i]));
    return new Map(
      targets.map((t) => [
        t,
        targetRecord(
          (byKey.get(`${this.pk(t)}|STATE`) ?? {}) as StoredState,
          byKey.get(`${this.pk(t)}|WINDOW`) as StoredWindow | undefined,
        ),
      ]),
    );
  }

  /** Each member's PLAN item (with its writeId, when it has one): BatchGetItem, 100 keys a call, strongly consistent. */
  async readPlanMembers(
    targets: readonly string[],
  ): Promise<ReadonlyMap<string, PlanMemberRecord & { writeId?: WriteId }>> {
    const keys = targets.map((t) => ({ pk: this.pk(t), sk: 'PLAN' }));
    const items = await batchGetAll(keys, 'plan', this.batchGet);
    const byPk = new Map(items.map((i) => [i.pk, i]));
    const records = new Map<string, PlanMemberRecord & { writeId?: WriteId }>();
    for (const t of targets) {
      const item = byPk.get(this.pk(t)) as (StoredPlanMember & { writeId?: string }) | undefined;
      if (item)
        records.set(t, { ...planMemberRecord(item), ...(item.writeId ? { writeId: item.writeId } : {}) });
    }
    return records;
  }

  /**
   * Decisions that change nothing, without a lease (nothing of the STATE item is written). Their log entries go
   * in BatchWriteItem calls of 25 items: each one's key is unique to its decision and nothing else writes it,
   * so a put needs no condition (sent again, it rewrites the same row). Their WINDOW and PLAN items go in
   * TransactWriteItems calls of 100, each conditioned on being still the write its run read: a leased run that
   * wrote one since decided later, and its write stands (this one's is dropped). A transaction's items cost
   * twice the write units of a batch's, so only these two go in one. Both kinds share one pool of calls; when
   * one fails, the error says what the other's calls did (PartialWriteError).
   */
  async recordMany(records: readonly UnleasedRecord[]): Promise<void> {
    await putAll({
      conditioned: {
        groups: records.map((r) => this.statePuts(r)).filter((puts) => puts.length > 0),
        what: 'windows and plan states',
        transact: this.transactPuts,
      },
      plain: {
        items: records.map((r) => this.logItem(r.decision, r.context)),
        what: 'decision log',
        put: this.batchPut,
      },
    });
  }

  /** A decision's WINDOW and PLAN items (those it has), each while still the write its run read. */
  private statePuts(r: UnleasedRecord): ConditionalPut[] {
    const pk = this.pk(r.decision.target);
    const { now } = r.context;
    return [
      ...(r.recommendations
        ? [{ item: windowItem(pk, r.recommendations, now), condition: stillAsRead(r.windowWriteId) }]
        : []),
      ...(r.plan ? [{ item: planItem(pk, r.plan, now), condition: stillAsRead(r.planWriteId) }] : []),
    ];
  }

  /** One TransactWriteItems call of puts (the SDK gives it a ClientRequestToken: its retries write once). */
  private readonly transactPuts: TransactPuts = async (puts) => {
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: puts.map(({ item, condition }) => ({
            Put: {
              TableName: this.tableName,
              Item: item,
              ...(condition ? { ConditionExpression: condition.expression } : {}),
              ...(condition?.values ? { ExpressionAttributeValues: condition.values } : {}),
            },
          })),
        }),
      );
      return undefined;
    } catch (cause) {
      if (!(cause instanceof TransactionCanceledException)) throw cause;
      return (cause.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
    }
  };

  /** One BatchGetItem call, strongly consistent. */
  private readonly batchGet: BatchGet = async (keys) => {
    const response = await this.doc.send(
      new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }),
    );
    return {
      found: (response.Responses?.[this.tableName] ?? []) as Record<string, unknown>[],
      unprocessed: (response.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[],
    };
  };

  /** One BatchWriteItem call of puts; the items left unprocessed. */
  private readonly batchPut: BatchPut = async (items) => {
    const response = await this.doc.send(
      new BatchWriteCommand({
        RequestItems: { [this.tableName]: items.map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
    const left = (response.UnprocessedItems?.[this.tableName] ?? []) as {
      PutRequest?: { Item?: Record<string, unknown> };
    }[];
    return left.flatMap((r) => (r.PutRequest?.Item ? [r.PutRequest.Item] : []));
  };

  async readCursor(key: string): Promise<string | undefined> {
    const response = await this.doc
      .send(new GetCommand({ TableName: this.tableName, Key: { pk: this.cursorPk(key), sk: 'CURSOR' } }))
      .catch((cause: unknown) => {
        throw new AwsCallError('DynamoDB GetItem (cursor)', cause);
      });
    const next = response.Item?.next;
    return typeof next === 'string' ? next : undefined;
  }

  async writeCursor(key: string, next: string): Promise<void> {
    await this.doc
      .send(
        new PutCommand({ TableName: this.tableName, Item: { pk: this.cursorPk(key), sk: 'CURSOR', next } }),
      )
      .catch((cause: unknown) => {
        throw new AwsCallError('DynamoDB PutItem (cursor)', cause);
      });
  }

  private cursorPk(key: string) {
    return `CURSOR#${this.scope}#${key}`;
  }

  /** A decision's log entry, its key unique to it (process, sequence, and a random tail). */
  private logItem(decision: Decision, context: DecisionContext) {
    this.sequence += 1;
    const unique = `${process.pid}-${this.sequence}-${Math.random().toString(36).slice(2, 8)}`;
    return logItem(this.pk(decision.target), decision, context, unique);
  }

  async writeFloors(target: string, floors: FloorSchedule | undefined): Promise<void> {
    await this.doc
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: this.pk(target), sk: 'STATE' },
          ...(floors
            ? {
                UpdateExpression: 'SET floors = :floors',
                ExpressionAttributeValues: {
                  ':floors': {
                    ...floors,
                    units: [...floors.units],
                    start: floors.start.toISOString(),
                    madeAt: floors.madeAt.toISOString(),
                  },
                },
              }
            : { UpdateExpression: 'REMOVE floors' }),
        }),
      )
      .catch((cause: unknown) => {
        throw new AwsCallError('DynamoDB UpdateItem (floors)', cause);
      });
  }

  /** The forecast track lives in its own `FORECAST` item: the scalers' minute-by-minute reads never load it. */
  async readForecastTrack(target: string): Promise<ForecastTrack | undefined> {
    const response = await this.doc
      .send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: this.pk(target), sk: 'FORECAST' },
          ConsistentRead: true,
        }),
      )
      .catch((cause: unknown) => {
        throw new AwsCallError('DynamoDB GetItem (forecast track)', cause);
      });
    return response.Item?.track as ForecastTrack | undefined;
  }

  /**
   * The track in one PutItem. DynamoDB refuses an item over 400 KB, and a refused write would fail every predict
   * run from then on: a track grown past the budget is written without its oldest runs (then in-flight
   * forecasts), never refused for its size here, and the ledger's log (when it was given one) is warned.
   */
  async writeForecastTrack(target: string, track: ForecastTrack): Promise<void> {
    const key = { pk: this.pk(target), sk: 'FORECAST' };
    const fitted = fittedTrack(track, (t) => dynamoItemSize({ ...key, track: t }));
    const cut = fittedTrackWarning(fitted);
    if (cut) this.log?.warn(cut.message, { target, ...cut.figures });
    await this.doc
      .send(new PutCommand({ TableName: this.tableName, Item: { ...key, track: fitted.track } }))
      .catch((cause: unknown) => {
        throw new AwsCallError('DynamoDB PutItem (forecast track)', cause);
      });
  }

  async writeIntent(lease: Lease, intent: PendingIntent, now: Date, marginSeconds: number): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: this.pk(lease.target), sk: 'STATE' },
          UpdateExpression: 'SET intent = :intent',
          ConditionExpression: 'leaseToken = :token AND leaseExpiresAt > :deadline',
          ExpressionAttributeValues: {
            ':intent': { ...intent, at: intent.at.toISOString() },
            ':token': lease.token,
            ':deadline': now.getTime() + marginSeconds * 1000,
          },
        }),
      );
    } catch (cause) {
      if (cause instanceof ConditionalCheckFailedException)
        throw new LeaseLostError(lease.target, lease.token, { cause });
      throw new AwsCallError('DynamoDB UpdateItem (intent)', cause);
    }
  }

  async record(decision: Decision, context: DecisionContext, update?: TargetUpdate): Promise<void> {
    const log = { TableName: this.tableName, Item: this.logItem(decision, context) };
    if (!update) {
      await this.doc.send(new PutCommand(log)).catch((cause: unknown) => {
        throw new AwsCallError('DynamoDB PutItem (decision log)', cause);
      });
      return;
    }
    // The decision and the state it leads to are written together or not at all.
    const state = stateUpdate(update, context.now);
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: log },
            {
              Update: {
                TableName: this.tableName,
                Key: { pk: this.pk(decision.target), sk: 'STATE' },
                UpdateExpression: state.expression,
                ...(state.condition ? { ConditionExpression: state.condition } : {}),
                ...(Object.keys(state.values).length > 0 ? { ExpressionAttributeValues: state.values } : {}),
              },
            },
            // The window goes with the history it belongs to, under the same fence.
            ...(update.history
              ? [
                  {
                    Put: {
                      TableName: this.tableName,
                      Item: windowItem(this.pk(decision.target), update.history.recommendations, context.now),
                    },
                  },
                ]
              : []),
            ...(update.plan
              ? [
                  {
                    Put: {
                      TableName: this.tableName,
                      Item: planItem(this.pk(decision.target), update.plan, context.now),
                    },
                  },
                ]
              : []),
          ],
        }),
      );
    } catch (cause) {
      if (update.lease && cause instanceof TransactionCanceledException) {
        const conditionFailed = (cause.CancellationReasons ?? []).some(
          (r) => r.Code === 'ConditionalCheckFailed',
        );
        if (conditionFailed) throw new LeaseLostError(update.lease.target, update.lease.token, { cause });
      }
      throw new AwsCallError('DynamoDB TransactWriteItems (decision and state)', cause);
    }
  }

  /** The decision log of a target, oldest first; with `between`, only decisions taken in [from, to). */
  async decisions(target: string, between?: { from: Date; to: Date }): Promise<DecisionLogEntry[]> {
    const range = between
      ? {
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': this.pk(target),
            ':from': `DECISION#${between.from.toISOString()}`,
            // Keys carry a suffix after the time: stop just before the first key of `to`.
            ':to': `DECISION#${between.to.toISOString()}`,
          },
        }
      : {
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': this.pk(target), ':prefix': 'DECISION#' },
        };
    const items: DecisionLogEntry[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc
        .send(new QueryCommand({ TableName: this.tableName, ...range, ExclusiveStartKey: startKey }))
        .catch((cause: unknown) => {
          throw new AwsCallError('DynamoDB Query (decision log)', cause);
        });
      items.push(...((page.Items ?? []) as DecisionLogEntry[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  /**
   * The newest `limit` decisions of a target taken at or before `atOrBefore` (default: all), oldest first:
   * what `scalepilot why` reads, without the whole log.
   */
  async latestDecisions(target: string, limit: number, atOrBefore?: Date): Promise<DecisionLogEntry[]> {
    const items: DecisionLogEntry[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc
        .send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            ExpressionAttributeValues: {
              ':pk': this.pk(target),
              ':from': 'DECISION#',
              // Keys are DECISION#<time>#<suffix>: '$' sorts after '#', so every key of that very time is in.
              ':to': atOrBefore ? `DECISION#${atOrBefore.toISOString()}$` : 'DECISION$',
            },
            ScanIndexForward: false,
            Limit: limit - items.length,
            ExclusiveStartKey: startKey,
          }),
        )
        .catch((cause: unknown) => {
          throw new AwsCallError('DynamoDB Query (decision log, newest first)', cause);
        });
      items.push(...((page.Items ?? []) as DecisionLogEntry[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey && items.length < limit);
    return items.reverse();
  }
}
