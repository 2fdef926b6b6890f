// JSON over HTTPS to a cluster's own services (Hopsworks, OpenCost), SPEC §9: TLS is verified per
// request against the system's roots plus the cluster's `ca_certificate`, so a self-signed cluster
// works and no check is ever switched off, for this call or any other in the process. Each call has
// a timeout, and every failure is an IntegrationError naming the system, the cluster and the call.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';

export class IntegrationError extends Error {
  override name = 'IntegrationError';
  constructor(
    readonly system: 'Hopsworks' | 'OpenCost',
    readonly cluster: string,
    readonly call: string,
    message: string,
    /** HTTP status, or null when no answer came (TLS, connection, timeout) or it was not JSON. */
    readonly status: number | null,
    /** Whether trying again later may succeed (no answer, 5xx, 429). */
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(`${system} on ${cluster}: ${call} ${message}`, options);
  }
}

export interface ClusterEndpoint {
  system: IntegrationError['system'];
  /** The cluster's name, for messages. */
  cluster: string;
  /** PEM, trusted besides the system's roots; null: the system's roots only. */
  caCertificate: string | null;
  /** Per request; default 10 s. */
  timeoutMs?: number;
}

export interface JsonRequest {
  /** How the call is named in errors, e.g. `GET /admin/users`. */
  call: string;
  url: string;
  method?: 'GET' | 'POST' | 'PUT';
  headers?: Record<string, string>;
  body?: unknown;
}

/**
 * The system's roots plus one cluster's certificate, built once per certificate: parsing the
 * ~140 roots anew for every call cost ~60 ms a call. A context holds trust only, no connection.
 */
const trusted = new Map<string, SecureContext>();
function trustFor(caCertificate: string): SecureContext {
  let context = trusted.get(caCertificate);
  if (!context) {
    context = createSecureContext({ ca: [...rootCertificates, caCertificate] });
    trusted.set(caCertificate, context);
  }
  return context;
}

/** Sends one request and answers its parsed JSON body (2xx), or throws an IntegrationError. */
export function requestJson(endpoint: ClusterEndpoint, req: JsonRequest): Promise<unknown> {
  const url = new URL(req.url);
  const fail = (message: string, status: number | null, retryable: boolean, cause?: unknown) =>
    new IntegrationError(endpoint.system, endpoint.cluster, req.call, message, status, retryable, {
      cause,
    });
  const body = req.body === undefined ? undefined : JSON.stringify(req.body);
  const options: RequestOptions = {
    method: req.method ?? 'GET',
    headers: {
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...req.headers,
    },
    timeout: endpoint.timeoutMs ?? 10_000,
    // The system's roots plus this cluster's certificate, for this cluster's calls only.
    ...(endpoint.caCertificate ? { secureContext: trustFor(endpoint.caCertificate) } : {}),
    // A fresh connection per call: a pooled socket must not carry one cluster's trust to another.
    agent: false,
  };
  const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const outgoing = send(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (error) =>
        reject(fail(`failed while reading: ${error.message}`, null, true, error)),
      );
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const text = Buffer.concat(chunks).toString('utf8');
        if (status < 200 || status >= 300) {
          const retryable = status >= 500 || status === 429;
          reject(fail(`was refused (HTTP ${status}): ${text.slice(0, 200)}`, status, retryable));
          return;
        }
        try {
          resolve(text === '' ? null : JSON.parse(text));
        } catch (error) {
          reject(fail('answered something that is not JSON.', status, true, error));
        }
      });
    });
    outgoing.on('timeout', () => {
      outgoing.destroy(new Error(`no answer within ${options.timeout} ms`));
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      const tls = /certificate|self.signed|CERT_|unable to verify/i.test(
        `${error.code ?? ''} ${error.message}`,
      );
      reject(
        fail(
          tls
            ? `could not be trusted (${error.message}); set the cluster's CA certificate.`
            : `got no answer: ${error.message}`,
          null,
          !tls,
          error,
        ),
      );
    });
    outgoing.end(body);
  });
}
