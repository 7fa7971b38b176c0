import { describe, expect, it } from 'vitest';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import { DynamoAlertDeliveries } from '../../shared/adapters/DynamoAlertDeliveries';
import { useEmulator } from '../harness/useEmulator';

// A claim whose answer is lost: moto writes the conditional PutItem, the connection is then dropped before its
// answer, and the SDK's own retry of the same put fails its condition on the item the first attempt wrote.
const emulator = useEmulator();

describe('a cost alert claim retried by the SDK against the emulator', () => {
  it('is recognised as our own claim, not as another run sending the alert', async () => {
    await new DemoAccount(emulator.aws).createLedgerTable('ledger');
    let lost = 0;
    emulator.intercept(async (call, forward) => {
      const answer = await forward();
      if (call.action !== 'PutItem' || lost > 0) return answer;
      lost += 1;
      return { ...answer, destroy: true };
    });
    try {
      const deliveries = new DynamoAlertDeliveries(emulator.aws, 'ledger', '123456789012#us-east-1');
      const now = new Date('2026-03-02T08:00:00Z');
      const claim = await deliveries.claimAlert('2026-03-01', 'over-limit#sns', now, 300);
      expect(lost).toBe(1);
      expect(emulator.calls('PutItem')).toBe(2);
      expect(claim.status).toBe('claimed');
      // The claim is usable: the alert it sends is marked sent on its token.
      if (claim.status !== 'claimed') return;
      expect(await deliveries.markAlertSent('2026-03-01', 'over-limit#sns', claim.token, now)).toBe(true);
    } finally {
      emulator.intercept(undefined);
    }
  });
});
