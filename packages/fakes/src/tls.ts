// A self-signed certificate for an HTTPS fake on loopback, made with openssl at test time (never
// stored in the repository): the certificate is its own CA, so a client trusts it only when told to.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SelfSigned {
  key: string;
  /** PEM: the server's certificate and, being self-signed, the CA to trust. */
  cert: string;
}

export function selfSignedCertificate(commonName = '127.0.0.1'): SelfSigned {
  const dir = mkdtempSync(join(tmpdir(), 'hops-tls-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '2',
        '-subj',
        `/CN=${commonName}`,
        '-addext',
        `subjectAltName=IP:127.0.0.1,DNS:localhost`,
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
