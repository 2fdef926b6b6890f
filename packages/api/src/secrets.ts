// Cluster secrets at rest: AES-256-GCM with a key from the environment (SPEC §2.1, failure mode 9).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const PREFIX = 'enc:v1:';
const TAG_LENGTH = 16;

export class SecretBox {
  readonly #key: Buffer;

  constructor(base64Key: string) {
    const key = Buffer.from(base64Key, 'base64');
    if (key.length !== 32) {
      throw new Error('ENCRYPTION_KEY must be 32 bytes, base64-encoded (openssl rand -base64 32).');
    }
    this.#key = key;
  }

  /** `enc:v1:<iv>:<tag>:<ciphertext>`, each part base64. */
  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_LENGTH });
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return `${PREFIX}${iv.toString('base64')}:${tag.toString('base64')}:${data.toString('base64')}`;
  }

  decrypt(sealed: string): string {
    if (!sealed.startsWith(PREFIX)) throw new Error('This value is not an encrypted secret.');
    const [iv, tag, data] = sealed.slice(PREFIX.length).split(':');
    if (!iv || !tag || data === undefined) throw new Error('This encrypted secret is malformed.');
    // A fixed tag length: otherwise GCM accepts a tag cut down to 4 bytes, and forging one
    // takes 2^32 tries instead of 2^128.
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64'), {
      authTagLength: TAG_LENGTH,
    });
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString(
      'utf8',
    );
  }

  static isSealed(value: string): boolean {
    return value.startsWith(PREFIX);
  }
}
