// A server of the equivalence matrix run in a child process (server-child.ts): the test asks it over IPC for its
// memory and open handles, and learns of any exception that escaped it, exactly as a deployment would crash.
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The server kinds the child can run: the names in test/equivalence/servers.ts. */
export type ServerKind = 'ours' | 'nest' | 'grpc-js';

/** The child's memory (bytes) after a full GC, and its active handles (timers left out: handlers may sleep). */
export interface ServerUsage {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  handles: string[];
}

export type ChildRequest = { type: 'usage' } | { type: 'stop' };
export type ChildReply =
  | { type: 'listening'; address: string }
  | { type: 'usage'; usage: ServerUsage }
  | { type: 'fatal'; message: string };

const CHILD = fileURLToPath(new URL('./server-child.js', import.meta.url));
const START_TIMEOUT_MS = 15_000;
const REPLY_TIMEOUT_MS = 10_000;

/** A running server child. */
export class ServerProcess {
  readonly port: number;
  readonly #child: ChildProcess;
  /** What escaped the server, if anything; a test asserts it stayed empty. */
  readonly fatal: string[];

  private constructor(child: ChildProcess, port: number, fatal: string[]) {
    this.#child = child;
    this.port = port;
    this.fatal = fatal;
  }

  /** Forks the child serving `kind` on 127.0.0.1 and waits until it listens. */
  static start(kind: ServerKind): Promise<ServerProcess> {
    const child = fork(CHILD, [kind], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const fatal: string[] = [];
    // A send to a child that just died fails with EPIPE here; its 'exit' is what reports the death.
    child.on('error', () => {});
    child.on('message', (reply: ChildReply) => {
      if (reply.type === 'fatal') fatal.push(reply.message);
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`The ${kind} server child did not listen within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
      const fail = (err: Error): void => {
        clearTimeout(timer);
        child.kill();
        reject(err);
      };
      child.once('exit', (code) => fail(new Error(`The ${kind} server child exited with ${code} before listening: ${fatal.join('\n')}`)));
      child.on('message', (reply: ChildReply) => {
        if (reply.type !== 'listening') return;
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve(new ServerProcess(child, Number(reply.address.split(':').at(-1)), fatal));
      });
    });
  }

  /** The child's memory and handles now; rejects when it died (a crash is what these tests look for). */
  usage(): Promise<ServerUsage> {
    const child = this.#child;
    return new Promise((resolve, reject) => {
      const done = (err: Error | undefined, usage?: ServerUsage): void => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (err === undefined) resolve(usage!);
        else reject(err);
      };
      const onMessage = (reply: ChildReply): void => {
        if (reply.type === 'usage') done(undefined, reply.usage);
      };
      const onExit = (code: number | null, signal: string | null): void =>
        done(new Error(`The server process died (exit ${code}, signal ${signal}): ${this.fatal.join('\n')}`));
      const timer = setTimeout(() => done(new Error(`The server process did not report its usage within ${REPLY_TIMEOUT_MS} ms`)), REPLY_TIMEOUT_MS);
      child.on('message', onMessage);
      child.once('exit', onExit);
      if (child.exitCode !== null || child.signalCode !== null) onExit(child.exitCode, child.signalCode);
      else child.send({ type: 'usage' } satisfies ChildRequest);
    });
  }

  /** Polls usage() until `predicate` holds, for at most `timeoutMs`; resolves with the last usage either way. */
  async usageWhen(predicate: (usage: ServerUsage) => boolean, timeoutMs: number): Promise<ServerUsage> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const usage = await this.usage();
      if (predicate(usage) || Date.now() > end) return usage;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Stops the server and waits for the child to exit, killing it when it does not within a few seconds. */
  stop(): Promise<void> {
    const child = this.#child;
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      if (child.connected) child.send({ type: 'stop' } satisfies ChildRequest);
      else child.kill();
    });
  }
}
