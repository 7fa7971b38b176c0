/** A ledger write of predict's: a failure is counted (and alarmed), then fails the target as any error does. */
export function written<T>(
  deps: { readonly recordFailed?: (operation: string) => void },
  operation: string,
  write: Promise<T>,
): Promise<T> {
  return write.catch((error: unknown) => {
    deps.recordFailed?.(operation);
    throw error;
  });
}
