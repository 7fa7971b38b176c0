/**
 * Why a file could not be read, written or created, in a few words for one line of an error (`no such file`, `a
 * folder`), rather than Node's error text; `missing` is what a path that does not exist is called there.
 */
export function fileProblem(error: unknown, missing = 'no such file'): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  const words: Record<string, string> = {
    ENOENT: missing,
    EISDIR: 'a folder',
    ENOTDIR: 'a file is in the way',
    EEXIST: 'a file is in the way',
    EACCES: 'no permission',
    EPERM: 'not permitted',
    EROFS: 'a read-only file system',
    ENOSPC: 'no space left',
  };
  return words[code] ?? (code || 'unknown reason');
}
