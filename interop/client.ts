// interop:client — the official interop cases on our standalone client, against any implementation's server.
// Flags as doc/interop-test-descriptions.md "Client"; one line per case, exit 1 if any case failed.
import { CASE_NAMES, CLIENT_CASES } from '../test/interop/client-cases.js';
import { formatResult, runCase, selectCases } from '../test/interop/case-runner.js';
import { connectOurClient } from '../test/interop/our-client.js';
import type { SecureClientSessionOptions } from 'node:http2';
import { TEST_CA } from '../test/fixtures/tls.js';
import { booleanFlag, integerFlag, parseFlags, runProgram, UsageError } from './flags.js';

// Official flags that only matter for the cloud-credential cases, which this client does not run.
const INERT_FLAGS = ['default_service_account', 'oauth_scope', 'service_account_key_file', 'service_config_json'];
const TLS_FLAGS = ['use_tls', 'use_test_ca', 'server_host_override'];

/**
 * --use_tls=true: TLS trusting our test CA with --use_test_ca=true (test/fixtures/tls), else the system's CAs;
 * --server_host_override is the name sent by SNI and checked against the certificate (the official meaning).
 */
function tlsOptions(flags: Map<string, string>): SecureClientSessionOptions | undefined {
  if (!booleanFlag(flags, 'use_tls', false)) return undefined;
  const override = flags.get('server_host_override');
  return {
    ...(booleanFlag(flags, 'use_test_ca', false) && { ca: TEST_CA }),
    ...(override !== undefined && override !== '' && { servername: override }),
  };
}
const SOAK_FLAGS = ['soak_iterations', 'soak_max_failures', 'soak_per_iteration_max_acceptable_latency_ms', 'soak_overall_timeout_seconds'];

runProgram(async () => {
  const flags = parseFlags(process.argv.slice(2), ['server_host', 'server_port', 'test_case', ...TLS_FLAGS, ...INERT_FLAGS, ...SOAK_FLAGS]);
  const tls = tlsOptions(flags);
  const host = flags.get('server_host') ?? 'localhost';
  const port = integerFlag(flags, 'server_port');
  // The official clients' default case.
  const names = selectCases(flags.get('test_case') ?? 'large_unary', CASE_NAMES);
  const unknown = names.filter((name) => !CASE_NAMES.includes(name));
  if (unknown.length > 0) throw new UsageError(`unknown --test_case ${unknown.join(', ')}; known: all, ${CASE_NAMES.join(', ')}`);
  const soak = {
    iterations: integerFlag(flags, 'soak_iterations', 10),
    maxFailures: integerFlag(flags, 'soak_max_failures', 0),
    perIterationMaxAcceptableLatencyMs: integerFlag(flags, 'soak_per_iteration_max_acceptable_latency_ms', 1000),
    overallTimeoutSeconds: integerFlag(flags, 'soak_overall_timeout_seconds', 10),
  };
  const { env, close } = await connectOurClient(host, port, soak, tls);
  let failed = 0;
  try {
    for (const name of names) {
      const result = await runCase(CLIENT_CASES, name, env);
      if (!result.passed) failed++;
      console.log(formatResult(result));
    }
  } finally {
    await close();
  }
  return failed === 0 ? 0 : 1;
});
