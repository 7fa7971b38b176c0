import {
  IdempotencyItemAlreadyExistsError,
  IdempotencyItemNotFoundError,
} from '@aws-lambda-powertools/idempotency';
import { BasePersistenceLayer, type IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';

/**
 * Powertools idempotency records in memory, with the DynamoDB layer's conditions: a key may be taken when
 * it is absent, expired, or in progress past its in-progress expiry. For in-process runs of the handler
 * (thousands of deliveries); the emulator tests use the real DynamoDB layer.
 */
export class InMemoryIdempotencyStore extends BasePersistenceLayer {
  private readonly records = new Map<string, IdempotencyRecord>();

  protected async _getRecord(key: string): Promise<IdempotencyRecord> {
    const record = this.records.get(key);
    if (!record) throw new IdempotencyItemNotFoundError();
    return record;
  }

  protected async _putRecord(record: IdempotencyRecord): Promise<void> {
    const old = this.records.get(record.idempotencyKey);
    const now = Date.now();
    const free =
      !old ||
      (old.expiryTimestamp !== undefined && old.expiryTimestamp < now / 1000) ||
      (old.getStatus() === 'INPROGRESS' &&
        old.inProgressExpiryTimestamp !== undefined &&
        old.inProgressExpiryTimestamp < now);
    if (!free) throw new IdempotencyItemAlreadyExistsError(`key ${record.idempotencyKey} is taken`, old);
    this.records.set(record.idempotencyKey, record);
  }

  protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
    this.records.set(record.idempotencyKey, record);
  }

  protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    this.records.delete(record.idempotencyKey);
  }
}
