// One interop direction as a node:test suite: a server, a client connected to it, and one test per official
// case, named `interop client=X server=Y > case`. A known limitation is a named test that must fail its way.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { formatResult, runCase } from './case-runner.js';
import type { InteropCase } from './case-runner.js';
import type { Limitation } from './limitations.js';
import type { InteropServer } from './test-service.controller.js';

export interface Direction<Env> {
  readonly client: string;
  readonly server: string;
  /** Runs over TLS: named `interop tls client=X server=Y`. */
  readonly tls?: boolean;
  startServer(): Promise<InteropServer>;
  connect(host: string, port: number): Promise<{ env: Env; close(): Promise<void> }>;
  readonly cases: Readonly<Record<string, InteropCase<Env>>>;
  readonly limitations: Readonly<Record<string, Limitation>>;
}

/** Per case: a case's own waits are 5 s at most, so 10 s means it hung. */
const CASE_TIMEOUT_MS = 10_000;

export function describeDirection<Env>(direction: Direction<Env>): void {
  const title = `interop ${direction.tls === true ? 'tls ' : ''}client=${direction.client} server=${direction.server}`;
  describe(title, { timeout: 60_000 }, () => {
    let server: InteropServer | undefined;
    let connection: { env: Env; close(): Promise<void> } | undefined;

    before(async () => {
      server = await direction.startServer();
      connection = await direction.connect('127.0.0.1', server.port);
    });
    after(async () => {
      await connection?.close();
      await server?.stop();
    });

    for (const name of Object.keys(direction.cases)) {
      const limitation = Object.hasOwn(direction.limitations, name) ? direction.limitations[name] : undefined;
      const title = limitation === undefined ? name : `${name} must fail (grpc-js limitation: ${limitation.why})`;
      it(title, async () => {
        const result = await runCase(direction.cases, name, connection!.env, CASE_TIMEOUT_MS);
        if (limitation === undefined) {
          if (!result.passed) throw result.error;
          return;
        }
        assert.equal(result.passed, false, `${name} passed: ${direction.client} -> ${direction.server} no longer has this limitation; remove it`);
        assert.match(result.error!.message, limitation.failsWith, formatResult(result));
      });
    }
  });
}
