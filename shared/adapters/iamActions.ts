/**
 * The IAM actions one adapter calls (issue 20, item 2; Cloud Custodian's rule: an action declares the
 * permissions it needs). Each adapter file exports its own as `<adapter>Iam`, beside the code that makes the
 * calls; the roles of the functions that construct the adapter are built from it (infra/functionAdapters.ts),
 * and tests hold the three together: the declaration against the SDK commands in the adapter's source, the
 * functions' adapters against what their handlers import, the packaged roles against the declarations.
 */
export interface IamActions {
  /** Calls that only read (Describe*, Get*, List*, Query). */
  readonly read: readonly string[];
  /** Calls that change something. */
  readonly write: readonly string[];
  /**
   * Actions AWS authorises on the caller while serving those calls, not SDK commands of their own: the KMS
   * key of an encrypted topic for sns:Publish, a SecureString's key for ssm:GetParameter, a source's key
   * for an encrypted RDS replica.
   */
  readonly dependent?: readonly string[];
}
