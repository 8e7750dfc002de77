import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";

/**
 * The key that encrypts provider API keys and webhook secrets at rest: MC_ENCRYPTION_KEY when set,
 * otherwise derived from AUTH_SECRET with HKDF (so one secret is enough for a small install).
 */
function key(): Buffer {
  const explicit = process.env.MC_ENCRYPTION_KEY;
  if (explicit) return Buffer.from(explicit, "hex");
  const secret = process.env.AUTH_SECRET;
  if (!secret) throw new Error("AUTH_SECRET or MC_ENCRYPTION_KEY must be set to encrypt secrets.");
  return Buffer.from(hkdfSync("sha256", secret, "mission-control", "secrets-at-rest-v1", 32));
}

/** AES-256-GCM; the output is `v1:<iv>:<tag>:<ciphertext>` in base64url. */
export function encryptSecret(plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key(), iv);
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return ["v1", iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), body.toString("base64url")].join(":");
}

export function decryptSecret(stored: string): string {
  const [v, iv, tag, body] = stored.split(":");
  if (v !== "v1" || !iv || !tag || body === undefined) throw new Error("Unreadable encrypted secret.");
  const decipher = createDecipheriv("aes-256-gcm", key(), Buffer.from(iv, "base64url"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}
