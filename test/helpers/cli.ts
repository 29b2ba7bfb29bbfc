import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The t2v command, as an absolute path so tests can run it from any working directory. */
export const T2V = fileURLToPath(new URL('../../bin/t2v.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Start `node bin/t2v.js ...args` in `cwd` with CI=true (plain progress lines, no bars). */
export function startT2v(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): { child: ChildProcess; done: Promise<CliResult> } {
  // NODE_TEST_CONTEXT would make a child node think it reports to this test runner.
  const { NODE_TEST_CONTEXT: _, ...inherited } = process.env;
  const child = spawn(process.execPath, [T2V, ...args], { cwd, env: { ...inherited, CI: 'true', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

/** Run t2v to completion. */
export function t2v(args: readonly string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<CliResult> {
  return startT2v(args, cwd, env).done;
}

/** Lines of stderr that t2v itself wrote as messages (`t2v: ...`). */
export function messages(result: CliResult): string[] {
  return result.stderr.split('\n').filter((line) => line.startsWith('t2v:'));
}

/** True when the output holds something that looks like a stack trace. */
export function hasStack(text: string): boolean {
  return /^\s+at .+[(:]\d+/m.test(text) || /internal error/.test(text);
}

/** Text of a result for assertion messages. */
export function show(result: CliResult): string {
  return `exit ${result.code}${result.signal ? ` (${result.signal})` : ''}\n--- stdout\n${result.stdout}--- stderr\n${result.stderr}`;
}
