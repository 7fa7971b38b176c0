/**
 * `read`, made once for each key: a later call with the same key shares the first call's answer (a failed
 * read too: the command reports it once, it does not retry it per row).
 */
export function onceEach<A extends unknown[], R>(
  key: (...args: A) => string,
  read: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  const made = new Map<string, Promise<R>>();
  return (...args: A) => {
    const k = key(...args);
    let answer = made.get(k);
    if (!answer) {
      answer = read(...args);
      made.set(k, answer);
    }
    return answer;
  };
}
