/** An error as a log field: its name and message, never its stack. */
export function describeError(error: unknown) {
  return error instanceof Error ? { name: error.name, message: error.message } : { message: String(error) };
}
