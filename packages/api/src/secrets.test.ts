// Cluster secrets at rest (SecretBox): AES-256-GCM round trip, tampering detected, keys checked.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox } from './secrets.ts';

const key = () => randomBytes(32).toString('base64');
const box = new SecretBox(key());

/** Replaces one base64 part of a sealed value with `change(bytes)`. */
function tamper(sealed: string, part: 0 | 1 | 2, change: (bytes: Buffer) => Buffer): string {
  const parts = sealed.slice('enc:v1:'.length).split(':');
  parts[part] = change(Buffer.from(parts[part]!, 'base64')).toString('base64');
  return `enc:v1:${parts.join(':')}`;
}

const flipFirstBit = (bytes: Buffer) => {
  const copy = Buffer.from(bytes);
  copy[0] = copy[0]! ^ 1;
  return copy;
};

describe('SecretBox', () => {
  it('round-trips text, empty and long, in any script', () => {
    for (const plain of ['hw-api-key-123', '', 'clé 🔑 ключ', 'x'.repeat(100_000)]) {
      const sealed = box.encrypt(plain);
      expect(sealed).toMatch(/^enc:v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]*$/);
      expect(SecretBox.isSealed(sealed)).toBe(true);
      expect(box.decrypt(sealed)).toBe(plain);
    }
  });

  it('never seals the same text the same way twice, nor shows it', () => {
    const [a, b] = [box.encrypt('same'), box.encrypt('same')];
    expect(a).not.toBe(b);
    expect(a).not.toContain(Buffer.from('same').toString('base64'));
    expect(box.decrypt(a)).toBe(box.decrypt(b));
  });

  it('refuses a value changed anywhere: ciphertext, tag or nonce', () => {
    const sealed = box.encrypt('hw-api-key-123');
    for (const part of [0, 1, 2] as const) {
      expect(() => box.decrypt(tamper(sealed, part, flipFirstBit)), `part ${part}`).toThrow();
    }
    // Dropping or adding ciphertext bytes.
    expect(() => box.decrypt(tamper(sealed, 2, (b) => b.subarray(0, -1)))).toThrow();
    expect(() =>
      box.decrypt(tamper(sealed, 2, (b) => Buffer.concat([b, Buffer.from([0])]))),
    ).toThrow();
  });

  it('refuses a shortened authentication tag (which would make forgery cheap)', () => {
    const sealed = box.encrypt('hw-api-key-123');
    for (const length of [4, 8, 12, 15]) {
      expect(
        () => box.decrypt(tamper(sealed, 1, (tag) => tag.subarray(0, length))),
        `${length} bytes`,
      ).toThrow();
    }
  });

  it('refuses a value sealed with another key', () => {
    expect(() => new SecretBox(key()).decrypt(box.encrypt('hw-api-key-123'))).toThrow();
  });

  it('refuses values that are not sealed or are malformed', () => {
    expect(SecretBox.isSealed('plain-api-key')).toBe(false);
    expect(() => box.decrypt('plain-api-key')).toThrow('This value is not an encrypted secret.');
    expect(() => box.decrypt('enc:v1:')).toThrow('This encrypted secret is malformed.');
    expect(() => box.decrypt('enc:v1:aaaa:bbbb')).toThrow('This encrypted secret is malformed.');
  });

  it('refuses a key that is not 32 bytes', () => {
    for (const bad of [
      '',
      randomBytes(16).toString('base64'),
      randomBytes(31).toString('base64'),
      randomBytes(33).toString('base64'),
      'not a key',
    ]) {
      expect(() => new SecretBox(bad)).toThrow('ENCRYPTION_KEY must be 32 bytes');
    }
  });
});
