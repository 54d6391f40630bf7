// The nginx.conf and haproxy.cfg the proxy tests run (and the README shows): an HTTP/2 cleartext listener on
// loopback, round-robin over the backends, spoken to in HTTP/2, and retries that keep a backend's drain lossless.

/** Where a proxy instance keeps its files, and what it fronts. */
export interface ProxySetup {
  readonly dir: string;                    // a temp dir of its own: pid, logs, temp files
  readonly port: number;                   // the loopback port it listens on
  readonly backends: readonly string[];    // 'host:port' of each backend
  readonly down?: readonly string[];       // backends taken out of rotation (nginx: `down`)
  readonly runsAsRoot: boolean;
}

/** nginx >= 1.25.1 takes `http2 on;` and deprecates the `listen ... http2` parameter older ones need. */
export function nginxHasHttp2Directive(version: string): boolean {
  const match = /nginx\/(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (match === null) return false;
  const [major, minor, patch] = match.slice(1).map(Number) as [number, number, number];
  return major > 1 || (major === 1 && (minor > 25 || (minor === 25 && patch >= 1)));
}

export function nginxConfig(setup: ProxySetup, http2Directive: boolean): string {
  const { dir } = setup;
  const listen = http2Directive
    ? `listen 127.0.0.1:${setup.port};\n    http2 on;`
    : `listen 127.0.0.1:${setup.port} http2;`;
  return `# nginx in front of gRPC backends (grpc_pass over HTTP/2 cleartext)
${setup.runsAsRoot ? 'user root;\n' : ''}worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log notice;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;

  upstream grpc_backends {
    # round-robin is nginx's default balancing
${setup.backends.map((backend) => `    server ${backend}${setup.down?.includes(backend) ? ' down' : ''};`).join('\n')}
    keepalive 16;
  }

  server {
    ${listen}
    # A gRPC message is one request body: 0 lifts the 1 MiB default (8 MiB messages pass).
    client_max_body_size 0;
    # Long-lived streams: no 60 s cut between two messages.
    grpc_read_timeout 1h;
    grpc_send_timeout 1h;
    client_body_timeout 1h;
    location / {
      grpc_pass grpc://grpc_backends;
      # A connection refused or failed before the call is sent goes to the next backend (the default, spelled
      # out). A call already sent is never retried: nginx streams gRPC request bodies unbuffered (see README).
      grpc_next_upstream error timeout;
      grpc_next_upstream_tries 3;
    }
  }
}
`;
}

export function haproxyConfig(setup: ProxySetup): string {
  return `# HAProxy in front of gRPC backends (HTTP/2 cleartext both sides)
global
  maxconn 1000

defaults
  mode http
  timeout connect 2s
  timeout client 1h
  timeout server 1h
  # A draining backend refuses connections or streams: retry the call elsewhere (redispatch), so none is lost.
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response

frontend grpc_in
  bind 127.0.0.1:${setup.port} proto h2
  default_backend grpc_backends

backend grpc_backends
  balance roundrobin
${setup.backends.map((backend, i) => `  server b${i} ${backend} proto h2`).join('\n')}
`;
}
