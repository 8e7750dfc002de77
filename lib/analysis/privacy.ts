/**
 * Secrets and personal data. A match makes the task local-only; the reason names the kind of
 * data, never the data itself.
 */
interface Detector {
  reason: string;
  re: RegExp;
  /** Substrings of which every match contains one: skips the regex on most texts (the analyser's budget is µs). */
  pre?: string | readonly string[];
  /**
   * A plain pattern that every match also matches (a run of digits, capitals before digits), shared
   * by several detectors and tested once per text. Twenty regexes with \b and quantified groups cost
   * more than the rest of analyse() together; most prose has no run of four digits.
   */
  gate?: RegExp;
  check?: (match: string) => boolean;
}

// Unrolled (\d\d\d\d, not \d{4}): V8's regex engine scans for these faster.
const DIGITS4 = /\d\d\d\d/;
const DIGITS7 = /\d\d\d\d\d\d\d/;
/** six digits with at most one space or dash between neighbours */
const SPACED_DIGITS6 = /\d[ -]?\d[ -]?\d[ -]?\d[ -]?\d[ -]?\d/;
const CAPITALS_DIGITS = /[A-Z][A-Z]\d\d/;
const ASSIGNMENT = /[:=：]/;
/**
 * The words for "password" that a stated password follows — loosely: "pass" stands for password,
 * passwd, passphrase, passcode, Passwort and mot de passe (a prefilter may let more through; fewer
 * and shorter alternatives take this test from ~3 to ~1.6 µs on a 2,000-character task).
 */
const CREDENTIAL_WORD = /pass|secret|api[ _-]?key|access[ _-]?token|contrase|senha|kennwort|wachtwoord|пароль|密[码碼]|パスワード/i;
const GATES = [DIGITS4, DIGITS7, SPACED_DIGITS6, CAPITALS_DIGITS, ASSIGNMENT, CREDENTIAL_WORD];

export const DETECTORS: readonly Detector[] = [
  { reason: "a private key block", pre: "-----BEGIN", re: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  { reason: "an AWS access key", pre: ["AKIA", "ASIA"], re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { reason: "an API key (sk-…)", pre: "sk-", re: /\bsk-(?:ant-|proj-|live-|test-)?[A-Za-z0-9_-]{20,}/ },
  { reason: "a GitHub token", pre: "gh", re: /\bgh[pousr]_[A-Za-z0-9]{30,}\b/ },
  { reason: "a Slack token", pre: "xox", re: /\bxox[abprs]-[A-Za-z0-9-]{10,}/ },
  { reason: "a Google API key", pre: "AIza", re: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  { reason: "a JSON web token", pre: "eyJ", re: /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/ },
  {
    reason: "a credential assignment (password / secret / token)",
    gate: ASSIGNMENT,
    // "password" in English, French, Spanish, Portuguese, German, Russian, Chinese and Japanese.
    // \b only works next to ASCII letters, so the other scripts' words stand outside it.
    // An environment variable's name ends in the word: DB_PASSWORD=…, OPENAI_API_KEY=…, GITHUB_TOKEN=….
    re: /(?:(?:\b|_)(?:password|passwd|pwd|secret|api[_-]?key|access[_-]?token|auth[_-]?token|client[_-]?secret|private[_-]?key|mot de passe|contrase[ñn]a|senha|passwort|kennwort|wachtwoord)\b|_(?:token|pass)\b|пароль|密码|密碼|パスワード)["'»]?\s*[:=：]\s*["'«]?[^\s"',;»]{6,}/i,
  },
  {
    reason: "a password written out",
    gate: CREDENTIAL_WORD,
    // "my password is hunter2xyz", "Mein Passwort ist Sonnenblume123", "密码是abc12345": the word, a
    // connecting word of one of these languages, and a value that looks like one (checked below).
    re: /(?:\b(?:password|passwd|passphrase|passcode|secret|api[ _-]?key|access[ _-]?token|mot de passe|contrase[ñn]a|senha|passwort|kennwort|wachtwoord)\b|пароль|密码|密碼|パスワード)\s*(?:\s(?:is|was|ist|lautet|est|es|era|è|é|это)\s|\s?[—–]\s?|是|为|為|は)\s*["'«„“]?[^\s"',;»“”]{6,}/gi,
    check: looksLikeAPassword,
  },
  { reason: "a connection string with a password", pre: "://", re: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:[^\s@/]+@[^\s]+/i },
  {
    reason: "an email address (personal data)",
    pre: "@",
    re: /\b[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+\.)+[A-Za-z]{2,}\b/g,
    check: (m) => !/@(?:[a-z0-9-]+\.)*(?:example\.(?:com|org|net)|test|invalid|localhost)$/i.test(m),
  },
  { reason: "a phone number (personal data)", gate: DIGITS4, re: /(?:\+\d{1,3}[\s.-]?)?\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b/ },
  { reason: "a social security number (personal data)", gate: DIGITS4, pre: "-", re: /\b\d{3}-\d{2}-\d{4}\b/ },
  { reason: "a payment card number (personal data)", gate: SPACED_DIGITS6, re: /\b(?:\d[ -]?){13,19}\b/g, check: luhn },
  // National identity numbers, each checked against its check character so ordinary codes and
  // numbers do not match.
  { reason: "a Spanish DNI/NIE (personal data)", gate: DIGITS7, re: /\b[XYZ]?\d{7,8}-?[A-Z]\b/g, check: dniOk },
  { reason: "a Chinese resident ID number (personal data)", gate: DIGITS7, re: /\b\d{17}[\dXx]\b/g, check: chineseIdOk },
  { reason: "a French social security number (personal data)", gate: SPACED_DIGITS6, re: /\b[12] ?\d{2} ?\d{2} ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}\b/g, check: nirOk },
  { reason: "an Italian fiscal code (personal data)", gate: CAPITALS_DIGITS, re: /\b[A-Z]{6}\d{2}[ABCDEHLMPRST]\d{2}[A-Z]\d{3}[A-Z]\b/ },
  { reason: "a UK National Insurance number (personal data)", gate: SPACED_DIGITS6, re: /\b[A-CEGHJ-PR-TW-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b/ },
  { reason: "an IBAN (personal data)", gate: CAPITALS_DIGITS, re: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b/ },
  {
    reason: "personal data (date of birth, passport, medical or national ID)",
    re: /\b(?:date of birth|passport (?:no|number)|social security|medical record|national insurance number|patient name|date de naissance|num[ée]ro de passeport|fecha de nacimiento|n[úu]mero de pasaporte|data de nascimento|data di nascita|geburtsdatum|reisepassnummer)\b|дата рождения|номер паспорта|出生日期|护照号|生年月日|パスポート番号/i,
  },
];

const PRIVATE_TAGS = new Set(["private", "confidential", "secret", "pii", "sensitive", "local-only"]);
/** The same words in the other languages the analyser reads, and the words a private tag is made of. */
const PRIVATE_TAG_WORDS = new Set([
  ...PRIVATE_TAGS,
  "privé", "privée", "confidentiel", "confidentielle", "privado", "privada", "confidencial", "privato", "privata", "riservato",
  "privat", "vertraulich", "geheim", "приватно", "конфиденциально", "секретно", "机密", "私密", "機密", "秘密", "社外秘",
]);
/** "non-confidential", "not private", "private: false" say the opposite. */
const NEGATIONS = new Set(["non", "not", "no", "false", "public"]);

/**
 * Whether a context tag asks for privacy, however it is spelt: "Private", " PRIVATE ", "#private",
 * "private-data", "local_only", "Sensitive Data", "vertraulich". A tag that names the private
 * words only to deny them ("non-confidential") does not.
 */
export function isPrivateTag(tag: string): boolean {
  const t = tag.trim().toLowerCase().replace(/[\s_]+/g, "-").replace(/^#+/, "");
  if (PRIVATE_TAGS.has(t)) return true;
  const words = t.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  if (words.some((w) => NEGATIONS.has(w))) return false;
  return words.some((w) => PRIVATE_TAG_WORDS.has(w)) || /(^|-)local-only($|-)/.test(t) || t === "personal-data";
}

/**
 * The value after "password is" (the match's last word; in Chinese and Japanese, written without a
 * space, the whole match, whose other characters are letters) has a digit or a symbol: "the
 * password is incorrect" or "… is required" is about a password, not one.
 */
function looksLikeAPassword(m: string): boolean {
  return /[0-9!@#$%^&*+=?~]/.test(m.slice(m.search(/\S+$/)));
}

function dniOk(m: string): boolean {
  const s = m.replace("-", "");
  const body = s.slice(0, -1).replace(/^[XYZ]/, (c) => String("XYZ".indexOf(c)));
  if (!/^\d{8}$/.test(body)) return false;
  return "TRWAGMYFPDXBNJZSQVHLCKE"[Number(body) % 23] === s[s.length - 1];
}

function chineseIdOk(m: string): boolean {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (m.charCodeAt(i) - 48) * w[i];
  const month = Number(m.slice(10, 12));
  const day = Number(m.slice(12, 14));
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && "10X98765432"[sum % 11] === m[17].toUpperCase();
}

function nirOk(m: string): boolean {
  const s = m.replace(/ /g, "");
  // Corsica's departments 2A and 2B count as 19 and 18 in the key.
  const body = s.slice(0, 13).replace(/2A/, "19").replace(/2B/, "18");
  if (!/^\d{13}$/.test(body)) return false;
  return 97 - Number(BigInt(body) % 97n) === Number(s.slice(13));
}

function luhn(m: string): boolean {
  const digits = m.replace(/\D/g, "");
  if (digits.length < 13 || digits.length > 19) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** Per text, each gate's result: 0 not yet tested, 1 matches, 2 does not (JS is single-threaded). */
const gateState = new Uint8Array(GATES.length);

function passes(det: Detector, text: string): boolean {
  const pre = det.pre;
  if (pre !== undefined && !(typeof pre === "string" ? text.includes(pre) : pre.some((p) => text.includes(p)))) return false;
  if (det.gate === undefined) return true;
  const g = GATES.indexOf(det.gate);
  if (gateState[g] === 0) gateState[g] = det.gate.test(text) ? 1 : 2;
  return gateState[g] === 1;
}

function detect(text: string, where: string, reasons: string[]): void {
  gateState.fill(0);
  for (const det of DETECTORS) {
    let hit = false;
    if (!passes(det, text)) continue;
    if (det.check) {
      // test() first: most texts have no candidate, and matchAll's iterator is the dearer part.
      det.re.lastIndex = 0;
      if (!det.re.test(text)) continue;
      det.re.lastIndex = 0;
      for (const m of text.matchAll(det.re)) {
        if (det.check(m[0])) {
          hit = true;
          break;
        }
      }
    } else hit = det.re.test(text);
    if (hit) {
      const r = `${det.reason} in the ${where}`;
      if (!reasons.includes(r)) reasons.push(r);
    }
  }
}

export function detectPrivacy(input: {
  task: string;
  context?: string;
  files?: { path: string; content: string }[];
  conversation?: string;
  contextTags?: string[];
}): { private: boolean; reasons: string[] } {
  const reasons: string[] = [];
  for (const tag of input.contextTags ?? []) {
    if (isPrivateTag(tag)) reasons.push(`tagged "${tag}"`);
  }
  detect(input.task, "task", reasons);
  if (input.context) detect(input.context, "context", reasons);
  if (input.conversation) detect(input.conversation, "conversation's other turns", reasons);
  for (const f of input.files ?? []) {
    if (/(^|\/)(\.env(\.[\w-]+)?|id_rsa|id_ed25519|credentials(\.json)?|\.npmrc|\.pgpass)$/i.test(f.path)) {
      reasons.push(`a secrets file (${f.path})`);
    }
    detect(f.content, `file ${f.path}`, reasons);
  }
  return { private: reasons.length > 0, reasons };
}
