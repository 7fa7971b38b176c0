// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the mutants are lines of source, their placeholders included
/**
 * The guards behind the promises of docs/reliability.md, each broken on purpose (issue 20, item 15): a
 * mutant is one exact line of one file and what it becomes, and the tests that must fail when it does. `npm
 * run mutants` (bin/mutants.ts) applies each in place, runs its tests, restores the file and records whether
 * a test failed (killed) or none did (survived: a missing test). A unit test checks that every original line
 * is still in its file exactly once, so the list cannot rot: when code moves, re-point the entry.
 */
export interface Mutant {
  /** The guard, as the page names it. */
  readonly guard: string;
  /** What the mutant does to it, in words. */
  readonly mutant: string;
  /** The file, from the repository's root. */
  readonly file: string;
  /** The exact text replaced (it must occur once in the file). */
  readonly original: string;
  readonly replacement: string;
  /** The test files that must fail. */
  readonly tests: readonly string[];
}

export const mutants: readonly Mutant[] = [
  {
    guard: 'kill switch',
    mutant: 'a scaler acts while paused (the switch read, then ignored)',
    file: 'shared/usecases/evaluate/decideTarget.ts',
    original: "input.paused.state === 'running'",
    replacement: 'true',
    tests: ['tests/unit/usecases/readKillSwitch.test.ts', 'tests/unit/usecases/evaluateTargets.test.ts'],
  },
  {
    guard: 'kill switch',
    mutant: 'any value but `true` lets the scalers act (`yes`, `1`, `on`)',
    file: 'shared/decision/pauseState.ts',
    original: "if (normal === RUNNING_VALUE) return { state: 'running' };",
    replacement: "if (normal !== PAUSED_VALUE) return { state: 'running' };",
    tests: ['tests/unit/usecases/readKillSwitch.test.ts'],
  },
  {
    guard: 'kill switch',
    mutant: 'an unreadable switch counts as running',
    file: 'shared/usecases/readKillSwitch.ts',
    original: "return { state: 'unknown', why };",
    replacement: "return { state: 'running' };",
    tests: ['tests/unit/usecases/readKillSwitch.test.ts'],
  },
  {
    guard: 'kill switch',
    mutant: 'predict writes floors and scheduled actions while paused',
    file: 'shared/usecases/predictTarget.ts',
    original: "const withheld = scale && killSwitch.state !== 'running' ? killSwitch : undefined;",
    replacement: 'const withheld = undefined;',
    tests: ['tests/unit/usecases/predictSafety.test.ts'],
  },
  {
    guard: 'kill switch',
    mutant: 'release goes on after a resume',
    file: 'bin/lib/release.ts',
    original: "if (state.state === 'paused' && state.notice === undefined) return;",
    replacement: 'return;',
    tests: ['tests/integration/release.test.ts'],
  },
  {
    guard: 'kill switch',
    mutant: 'a target about to act reads the switch as its batch began (a fleet run outlasts the 30 s cache)',
    file: 'shared/usecases/evaluate/evaluateUnderLease.ts',
    original: 'const paused = await readKillSwitch(deps, deps.clock.now());',
    replacement: 'const paused = await readKillSwitch(deps, now);',
    tests: ['tests/unit/usecases/killSwitchEachBatch.test.ts'],
  },
  {
    guard: 'kill switch',
    mutant:
      "predict's last read of the switch answers from its cache (a pause a target's write undid stays undone)",
    file: 'shared/usecases/predictTargets.ts',
    original: 'const last = await readKillSwitch(deps, deps.clock.now(), { fresh: true });',
    replacement: 'const last = await readKillSwitch(deps, deps.clock.now());',
    tests: ['tests/unit/usecases/predictPausedOnItsWay.test.ts'],
  },
  {
    guard: 'kill switch',
    mutant: "predict writes a plan member's floors on the switch as its run began",
    file: 'shared/usecases/predictPlans.ts',
    original: 'const killSwitch = await readKillSwitch(deps, deps.clock.now());',
    replacement: 'const killSwitch = await readKillSwitch(deps, now);',
    tests: ['tests/unit/usecases/predictPausedOnItsWay.test.ts'],
  },
  {
    guard: 'kill switch',
    mutant: 'a pause deletes the set-back of a MinSize the forecast raised (it stays raised after resume)',
    file: 'shared/usecases/pruneScheduledActions.ts',
    original: 'if (!raised || kept) return { names };',
    replacement: 'return { names };',
    tests: ['tests/unit/usecases/predictSafety.test.ts', 'tests/unit/bin/pauseScheduleHold.test.ts'],
  },
  {
    guard: 'lease',
    mutant: "an AWS call's retries are sent when the lease could end before AWS answers",
    file: 'shared/adapters/fencedRequestHandler.ts',
    original: 'refuseAttemptPastLease();',
    replacement: 'void refuseAttemptPastLease;',
    tests: ['tests/unit/usecases/leaseFence.test.ts'],
  },
  {
    guard: 'lease',
    mutant: 'a lease is granted while another evaluation holds it',
    file: 'shared/adapters/DynamoLedger.ts',
    original: "'attribute_not_exists(leaseExpiresAt) OR leaseExpiresAt < :now OR leaseOwner = :owner',",
    replacement:
      "'attribute_not_exists(leaseExpiresAt) OR leaseExpiresAt < :now OR leaseOwner = :owner OR attribute_exists(pk)',",
    tests: ['tests/integration/smoke.test.ts'],
  },
  {
    guard: 'fencing',
    mutant: 'an intent is written under a lease taken over (token or expiry enough)',
    file: 'shared/adapters/DynamoLedger.ts',
    original: "ConditionExpression: 'leaseToken = :token AND leaseExpiresAt > :deadline',",
    replacement: "ConditionExpression: 'leaseToken = :token OR leaseExpiresAt > :deadline',",
    tests: ['tests/integration/safetyLedgerMetrics.test.ts'],
  },
  {
    guard: 'fencing',
    mutant: 'a decision is recorded under a lease taken over',
    file: 'shared/adapters/targetStateItem.ts',
    original: "condition = 'leaseToken = :token AND leaseExpiresAt >= :now';",
    replacement: "condition = 'leaseToken = :token OR leaseExpiresAt >= :now';",
    tests: ['tests/integration/safetyLedgerMetrics.test.ts'],
  },
  {
    guard: 'fencing',
    mutant:
      'a record without a lease replaces a window or plan state a leased run wrote after its read (the write read always matches)',
    file: 'shared/adapters/ledgerItems.ts',
    original: "{ expression: 'writeId = :read', values: { ':read': writeId } }",
    // `:read` stays in the expression: DynamoDB refuses a value the expression does not use.
    replacement:
      "{ expression: 'writeId = :read OR attribute_exists(pk) OR attribute_not_exists(pk)', values: { ':read': writeId } }",
    tests: ['tests/integration/unleasedRecordRace.test.ts'],
  },
  {
    guard: 'fencing',
    mutant:
      'a record without a lease, whose run read no window or plan state, replaces one a leased run created since',
    file: 'shared/adapters/ledgerItems.ts',
    original: "{ expression: 'attribute_not_exists(writeId)' }",
    replacement: "{ expression: 'attribute_not_exists(writeId) OR attribute_exists(writeId)' }",
    tests: ['tests/integration/unleasedRecordRace.test.ts'],
  },
  {
    guard: 'ownership tags',
    mutant: 'the RDS adapter deletes or drains a replica it did not create',
    file: 'shared/adapters/RdsReplicaActions.ts',
    original:
      'if (!replica || !isManaged(t, replica) || id === observation.writer || id === observation.source.id)',
    replacement: 'if (!replica)',
    tests: ['tests/unit/adapters/RdsReplicaCapacity.test.ts'],
  },
  {
    guard: 'ownership tags',
    mutant: "another target's replica counts as this target's",
    file: 'shared/decision/rdsReplicasView.ts',
    original: "return r.tags[MANAGED_TAG] === 'true' && r.tags[TARGET_TAG] === target.name;",
    replacement: "return r.tags[MANAGED_TAG] === 'true';",
    tests: ['tests/unit/decision/rdsReplicasGates.test.ts'],
  },
  {
    guard: 'ownership tags',
    mutant: "the RDS role may delete any target's tagged replica",
    file: 'infra/functionPermissions.ts',
    original:
      "StringEquals: { [`rds:db-tag/${MANAGED_TAG}`]: 'true', [`rds:db-tag/${TARGET_TAG}`]: t.name },",
    replacement: "StringEquals: { [`rds:db-tag/${MANAGED_TAG}`]: 'true' },",
    tests: ['tests/unit/adapters/RdsReplicaPermissions.test.ts'],
  },
  {
    guard: 'ownership tags',
    mutant: "another stage's replica on the same source counts as this stage's (drained, deleted)",
    file: 'shared/decision/rdsReplicasView.ts',
    original: 'if (r.otherStage !== undefined) return false;',
    replacement: '',
    tests: [
      'tests/unit/decision/otherStageReplicasGate.test.ts',
      'tests/integration/rdsReplicasTwoStages.test.ts',
    ],
  },
  {
    guard: 'ownership tags',
    mutant: "the RDS role may delete or drain another stage's replica",
    file: 'infra/functionPermissions.ts',
    original:
      'const ownStage = (stage: string) => ({ StringEqualsIfExists: { [`rds:db-tag/${STAGE_TAG}`]: stage } });',
    replacement: 'const ownStage = (_stage: string) => ({});',
    tests: ['tests/unit/infra/rdsReplicaStageGrants.test.ts'],
  },
  {
    guard: 'ownership tags',
    mutant: "the RDS role's replica names reach another target's source (`db-sp-*`)",
    file: 'shared/policy/replicaNames.ts',
    original:
      "return Array.from({ length: String(MAX_REPLICA_NUMBER).length }, (_, i) => `${prefix}${'?'.repeat(i + 1)}`);",
    replacement: 'return [`${prefix}*`];',
    tests: ['tests/template/rdsPrivilegeStack.test.ts'],
  },
  {
    guard: 'ownership tags',
    mutant:
      "predict's scheduled actions go on a group not tagged for the stage (granted by tag), a target's or a plan member's",
    file: 'shared/usecases/scheduledActionsOnGroup.ts',
    original: 'if (untaggedForGrant(deps.policy, group))',
    replacement: 'if (!deps.policy)',
    tests: [
      'tests/unit/usecases/predictPlanMemberUntagged.test.ts',
      'tests/unit/usecases/scheduledActionsOnGroup.test.ts',
    ],
  },
  {
    guard: 'ownership tags',
    mutant:
      'predict deletes and puts scheduled actions on a group its role may not write (an ownership tag removed)',
    file: 'shared/usecases/pruneScheduledActions.ts',
    original: "if (live?.owner === 'this') return true;",
    replacement: 'return true;',
    tests: ['tests/unit/usecases/predictGroupOwnership.test.ts'],
  },
  {
    guard: 'blast-radius cap',
    mutant: 'no cap on the units one decision moves',
    file: 'shared/decision/decideCapacity.ts',
    original: 'if (Math.abs(desired - current) > cap) {',
    replacement: 'if (false) {',
    tests: ['tests/unit/decision/decideCapacity.test.ts', 'tests/property/decision.property.test.ts'],
  },
  {
    guard: 'freshness',
    // One check serves both of ruleSample's paths (readings in time order, and in any order).
    mutant: 'a stale datapoint is read as current',
    file: 'shared/decision/ruleReadings.ts',
    original: 'return age > staleAfterSeconds(target, rule) * 1000;',
    replacement: 'return false;',
    tests: ['tests/unit/decision/decideCapacity.test.ts', 'tests/unit/decision/ruleSample.test.ts'],
  },
  {
    guard: 'freshness',
    mutant: 'an alarm event of any age is acted on',
    file: 'shared/lambda/eventAge.ts',
    original: 'if (age <= maxAgeSeconds) return undefined;',
    replacement: 'return undefined;',
    tests: ['tests/reliability/delivery.test.ts'],
  },
  {
    guard: 'bounds',
    mutant: "a decision leaves the policy's range",
    file: 'shared/decision/decideCapacity.ts',
    original: 'const desired = Math.min(hi, Math.max(lo, d.desired));',
    replacement: 'const desired = d.desired;',
    tests: ['tests/unit/decision/decideCapacity.test.ts', 'tests/property/decision.property.test.ts'],
  },
  {
    guard: 'bounds',
    mutant: "the cache role's shard count is no longer capped at capacity.max",
    file: 'infra/functionPermissions.ts',
    original: 'NumericLessThanEquals: { [key]: String(max) },',
    replacement: 'NumericLessThanEquals: { [key]: String(max + 100) },',
    tests: ['tests/unit/adapters/ElastiCacheRole.test.ts'],
  },
  {
    guard: 'bounds',
    mutant: 'validation takes a fraction of a unit (a rate limit of 0.5)',
    file: 'shared/policy/bounds.ts',
    original: "return wholeNumber('', min, MAX_UNITS, 'units are whole instances, replicas or shards');",
    replacement: 'return z.number().min(min);',
    tests: ['tests/unit/policy/bounds.test.ts'],
  },
];
