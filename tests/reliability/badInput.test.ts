import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PolicyValidationError, ScalingError } from '../../shared/errors';
import { createScalerHandler } from '../../shared/lambda/createScalerHandler';
import { parsePolicy, validatePolicy } from '../../shared/policy/parsePolicy';
import type { Policy } from '../../shared/policy/schema';
import {
  capturedLog,
  EXAMPLE_POLICY,
  examplePolicy,
  lambdaContext,
  seedStepPolicy,
} from '../harness/fixtures';
import { FunctionMetrics, InMemoryCapacity, InMemoryLedger } from '../harness/inMemoryPorts';
import { recordFigures } from './figures';
import {
  ACCOUNT,
  eventArb,
  type Family,
  NOW,
  snsOf,
  triggersByContract,
  valid,
  weird,
  withAt,
} from './fuzzedEvents';
import { InMemoryIdempotencyStore } from './inMemoryIdempotency';

// Issue 15, item 5: fuzzed events through the real handler (parse, account and age checks, idempotency,
// use case) with in-memory ports, and fuzzed policies through the real parser and validation. In-process,
// so 10,000 of each run in seconds.

const RUNS = 10_000;
const ALIAS_BOMB =
  'a: &a [x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n';
const EXAMPLE_TEXT = readFileSync(EXAMPLE_POLICY, 'utf8');

/** Forwards every call to whatever `current()` is now: a port whose state a test can start afresh. */
function delegate<T extends object>(current: () => T): T {
  return new Proxy({} as T, {
    get: (_, key) => {
      const value = Reflect.get(current(), key);
      return typeof value === 'function' ? value.bind(current()) : value;
    },
  });
}

/**
 * A scaler whose every outside effect is counted: a mutating call is a capacity set or a notification.
 * `reset` starts its group, ledger and idempotency records afresh (the handler is built once: building one
 * per event costs seconds over 10,000 events).
 */
function scaler(policy: Policy = seedStepPolicy()) {
  const state = {
    capacity: new InMemoryCapacity(4, { min: 0, max: 100 }),
    ledger: new InMemoryLedger(),
    store: new InMemoryIdempotencyStore(),
  };
  const log = capturedLog();
  let notices = 0;
  const handler = createScalerHandler({
    policy,
    kind: 'asg',
    stage: 'test',
    account: ACCOUNT,
    region: 'us-east-1',
    capacity: delegate(() => state.capacity),
    ledger: delegate(() => state.ledger),
    // Load above the scale-out threshold (70%): any event taken as a valid trigger scales out (issue 20,
    // item 14: at 50% no input could have scaled, so the test could not fail).
    metrics: new FunctionMetrics(() => 95),
    notifier: {
      capacityChanged: async () => {
        notices += 1;
      },
    },
    clock: { now: () => NOW },
    log: log.sink,
    idempotencyStore: delegate(() => state.store),
  });
  return {
    handler,
    get capacity() {
      return state.capacity;
    },
    log,
    mutations: () => state.capacity.sets.length + notices,
    reset() {
      state.capacity = new InMemoryCapacity(4, { min: 0, max: 100 });
      state.ledger = new InMemoryLedger();
      state.store = new InMemoryIdempotencyStore();
      notices = 0;
    },
  };
}

describe('bad input', () => {
  it(`${RUNS} fuzzed events (wrong types, huge arrays, unknown sources, other accounts, unicode, deep nesting), each on a scaler a valid event would scale: a typed one-line error or a recorded skip, never a mutating call, unless the contract makes it a valid trigger (defect: the load was where no input could scale)`, async () => {
    // The control: on the same scaler, a valid event scales out.
    const control = scaler();
    const [controlled] = await control.handler(valid(), lambdaContext('control'));
    expect(controlled?.decision.reason).toBe('ScaleOut');
    expect(control.capacity.sets).toEqual([6]);
    const { handler, log, mutations, reset } = scaler();
    const outcomes = new Map<string, number>();
    const families = new Map<Family, number>();
    let validTriggers = 0;
    let badMutations = 0;
    await fc.assert(
      fc.asyncProperty(eventArb, async ({ family, event }) => {
        families.set(family, (families.get(family) ?? 0) + 1);
        // The scaler afresh per event: a change is that event's doing.
        reset();
        let outcome: string;
        try {
          const evaluations = await handler(event, lambdaContext('fuzz'));
          outcome =
            evaluations.length === 0 ? 'nothing to do' : evaluations.map((e) => e.decision.reason).join('+');
        } catch (error) {
          // A typed error that says what is wrong and where, in one line (the operator never sees a trace).
          expect(error).toBeInstanceOf(ScalingError);
          const message = (error as Error).message;
          expect(message.length).toBeGreaterThan(0);
          expect(message).not.toMatch(/\n\s+at /);
          outcome = (error as Error).name;
        }
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        const trigger = triggersByContract(event);
        if (trigger) validTriggers += 1;
        else badMutations += mutations();
        // A valid trigger scales out as the control did; anything else changes nothing.
        // (The event is printed only on a failure: stringifying 10,000 fuzzed events costs a minute.)
        if (mutations() > 0 !== trigger)
          expect.fail(
            `${family}: changed ${mutations()} time(s), a trigger by the contract: ${trigger}: ${fc.stringify(event).slice(0, 300)}`,
          );
      }),
      { numRuns: RUNS },
    );
    // The refusals were logged with the error's name and message only.
    const refused = log.entries.filter((e) => e.message === 'event refused');
    expect(refused.length).toBeGreaterThan(RUNS / 2);
    expect(JSON.stringify(refused.slice(0, 50))).not.toContain('"stack"');
    recordFigures('bad-input', 'fuzzed events', {
      'fast-check events': RUNS,
      'by family': [...families].map(([f, n]) => `${f} ${n}`).join(', '),
      outcomes: [...outcomes]
        .sort((a, b) => b[1] - a[1])
        .map(([o, n]) => `${o} ${n}`)
        .join(', '),
      'untyped errors (TypeError, RangeError, …)': 0,
      'load during the run': '95% CPU: a valid event scales out (the control did, 4 → 6)',
      'fuzzed events that were valid triggers by the contract (each scaled, as the control)': validTriggers,
      'mutating calls by the other events (capacity sets, notifications)': badMutations,
    });
  });

  it(`${RUNS} fuzzed policies (wrong types at any path, huge arrays, unicode, deep nesting, YAML text): valid, or a PolicyValidationError naming each problem's path`, () => {
    const base = JSON.parse(JSON.stringify(stringifyable(examplePolicyInput()))) as Record<string, unknown>;
    const paths = leafPaths(base);
    let rejected = 0;
    let accepted = 0;
    let problems = 0;
    const policyArb = fc.oneof(
      {
        weight: 24,
        arbitrary: fc
          .tuple(fc.constantFrom(...paths), weird)
          .map(([path, value]) => ({ raw: withAt(base, path, value), text: false })),
      },
      { weight: 6, arbitrary: fc.anything({ maxDepth: 5 }).map((raw) => ({ raw, text: false })) },
      {
        weight: 1,
        arbitrary: fc.integer({ min: 2, max: 60 }).map((n) => ({
          raw: { ...base, targets: Array(n).fill((base.targets as unknown[])[0]) },
          text: false,
        })),
      },
      {
        weight: 6,
        arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }).map((name) => ({
          raw: withAt(base, ['targets', '0', 'name'], name),
          text: false,
        })),
      },
      {
        // YAML text parses at ~10 ms a document (the yaml library): text is a smaller share of the runs.
        weight: 1,
        arbitrary: fc
          .tuple(
            fc.nat({ max: EXAMPLE_TEXT.length }),
            fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
          )
          .map(([at, insert]) => ({
            raw: EXAMPLE_TEXT.slice(0, at) + insert + EXAMPLE_TEXT.slice(at),
            text: true,
          })),
      },
      {
        weight: 1,
        arbitrary: fc
          .oneof(
            fc.string({ unit: 'grapheme', maxLength: 400 }),
            fc.integer({ min: 10, max: 1200 }).map((d) => `${'['.repeat(d)}${']'.repeat(d)}`),
            fc.constant(ALIAS_BOMB),
          )
          .map((raw) => ({ raw, text: true })),
      },
    );
    fc.assert(
      fc.property(policyArb, ({ raw, text }) => {
        try {
          if (text) parsePolicy(String(raw));
          else validatePolicy(raw);
          accepted += 1;
        } catch (error) {
          expect(error).toBeInstanceOf(PolicyValidationError);
          const found = (error as PolicyValidationError).problems;
          expect(found.length).toBeGreaterThan(0);
          for (const p of found) {
            expect(p.path.length).toBeGreaterThan(0);
            expect(p.message.length).toBeGreaterThan(0);
          }
          rejected += 1;
          problems += found.length;
        }
      }),
      { numRuns: RUNS },
    );
    recordFigures('bad-input', 'fuzzed policies', {
      'fast-check policies (objects and YAML text)': RUNS,
      'rejected with a PolicyValidationError': rejected,
      'problems named (each with its path)': problems,
      'accepted (the change was harmless)': accepted,
      'other errors': 0,
    });
  });

  it('a poison event reaches the dead-letter queue once, and the schedule keeps running: not once a minute', async () => {
    const { handler, capacity, mutations } = scaler();
    const retries = 2; // serverless.yml maximumRetryAttempts
    const deadLetters: unknown[] = [];
    const failures: string[] = [];
    /** Lambda's async invocation: the event, `retries` retries, then the dead-letter queue. */
    const invokeAsync = async (event: unknown) => {
      for (let attempt = 0; attempt <= retries; attempt += 1) {
        try {
          return await handler(structuredClone(event), lambdaContext(`inv-${attempt}`));
        } catch (error) {
          failures.push((error as Error).name);
        }
      }
      deadLetters.push(event);
      return undefined;
    };
    await invokeAsync(snsOf('{"AlarmName": 7}'));
    // The group then disappears (a poison target): each minute is recorded, backed off, and succeeds.
    capacity.failDescribe = new Error('AutoScalingGroup g not found');
    const reasons: string[] = [];
    for (let minute = 0; minute < 10; minute += 1) {
      const outcome = await invokeAsync({
        source: 'aws.events',
        'detail-type': 'Scheduled Event',
        time: NOW.toISOString(),
      });
      reasons.push(...(outcome ?? []).map((e) => e.decision.reason));
    }
    expect(deadLetters).toHaveLength(1);
    expect(failures).toEqual(['MalformedEventError', 'MalformedEventError', 'MalformedEventError']);
    expect(reasons).toHaveLength(10);
    expect(mutations()).toBe(0);
    recordFigures('bad-input', 'poison event', {
      'invocations of the poison event (1 + 2 Lambda retries)': failures.length,
      'dead-letter messages after the poison event and 10 minutes of ticks with a deleted group':
        deadLetters.length,
      'ticks that failed': 0,
      'tick outcomes': [...new Set(reasons)].join(', '),
    });
  });
});

/** The example policy as the input an operator writes (the validated form, minus what validation adds is harmless). */
function examplePolicyInput() {
  return examplePolicy();
}

function stringifyable(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

/** Every path of the policy object to a leaf or a container, as string keys. */
function leafPaths(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value !== 'object' || value === null) return [prefix];
  const entries = Object.entries(value as Record<string, unknown>);
  return [prefix, ...entries.flatMap(([key, v]) => leafPaths(v, [...prefix, key]))].filter(
    (p) => p.length > 0,
  );
}
