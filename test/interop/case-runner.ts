// Runs interop cases by official name, one at a time, each bounded in time, and reports one line per case:
// shared by the test suite and the interop:client program.

/** A case of some interop client, run against an environment of that client's kind. */
export type InteropCase<Env> = (env: Env) => Promise<void>;

export interface CaseResult {
  readonly name: string;
  readonly passed: boolean;
  /** Why the case failed. */
  readonly error?: Error;
  readonly ms: number;
}

/** Per-case bound: a case that hangs fails instead of hanging the run. */
export const CASE_TIMEOUT_MS = 15_000;

/** Runs `cases[name]`; an unknown name, a throw or a timeout is a failed result, never an exception. */
export async function runCase<Env>(cases: Readonly<Record<string, InteropCase<Env>>>, name: string, env: Env, timeoutMs = CASE_TIMEOUT_MS): Promise<CaseResult> {
  const started = Date.now();
  const result = (error?: Error): CaseResult => ({ name, passed: error === undefined, error, ms: Date.now() - started });
  const run = Object.hasOwn(cases, name) ? cases[name] : undefined;
  if (run === undefined) return result(new Error(`unknown test case '${name}'; known: ${Object.keys(cases).join(', ')}`));
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      run(env),
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`${name}: timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return result();
  } catch (err) {
    return result(err instanceof Error ? err : new Error(String(err)));
  } finally {
    clearTimeout(timer);
  }
}

/** The names `--test_case` selects: one name, a comma list, or 'all'. */
export function selectCases(selection: string, all: readonly string[]): string[] {
  return selection === 'all' ? [...all] : selection.split(',').map((name) => name.trim()).filter((name) => name !== '');
}

/** One line per case: `PASS name (12 ms)` or `FAIL name (12 ms): why`. */
export function formatResult(result: CaseResult): string {
  const head = `${result.passed ? 'PASS' : 'FAIL'} ${result.name} (${result.ms} ms)`;
  return result.error === undefined ? head : `${head}: ${result.error.message.split('\n')[0]}`;
}
