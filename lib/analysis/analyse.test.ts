import { describe, expect, it } from "vitest";
import { analyse, estimateTokens } from "./index";
import { hashString } from "./hash";
import { LABELLED_TASKS } from "./labelled-tasks";
import { LABELLED_TASKS_LANGUAGES } from "./labelled-tasks-languages";
import { LABELLED_TASKS_LANGUAGES_HELDOUT } from "./labelled-tasks-languages-heldout";
import { LABELLED_TASKS_LANGUAGES_FINAL } from "./labelled-tasks-languages-final";
import { VECTOR_DIM } from "./analyse";

describe("analyse: labelled set", () => {
  it("classifies the domain of the labelled tasks (accuracy floor 0.95) and flags every private one", () => {
    const misses: string[] = [];
    let privacyOk = 0;
    for (const t of LABELLED_TASKS) {
      const p = analyse({ task: t.task });
      if (p.domain !== t.domain) misses.push(`${t.domain} → ${p.domain}: ${t.task.slice(0, 60)}`);
      if (p.privacy.private === (t.private ?? false)) privacyOk++;
    }
    const accuracy = 1 - misses.length / LABELLED_TASKS.length;
    console.log(`analyser domain accuracy ${(accuracy * 100).toFixed(1)}% on ${LABELLED_TASKS.length} labelled tasks; privacy ${privacyOk}/${LABELLED_TASKS.length}`);
    if (misses.length) console.log(misses.join("\n"));
    expect(LABELLED_TASKS.length).toBeGreaterThanOrEqual(100);
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
    expect(privacyOk).toBe(LABELLED_TASKS.length);
  });

  it("covers every domain with at least 9 tasks", () => {
    const counts = new Map<string, number>();
    for (const t of LABELLED_TASKS) counts.set(t.domain, (counts.get(t.domain) ?? 0) + 1);
    expect(counts.size).toBe(10);
    for (const n of counts.values()) expect(n).toBeGreaterThanOrEqual(9);
  });
});

describe("analyse: other languages", () => {
  /** Set before the final blind set was first run; its measured figure is in docs/routing.md. */
  const FINAL_FLOOR = 0.7;
  const accuracy = (name: string, set: { lang: string; task: string; domain: string }[]) => {
    const misses = set.filter((t) => analyse({ task: t.task }).domain !== t.domain);
    const acc = 1 - misses.length / set.length;
    console.log(`analyser domain accuracy ${(acc * 100).toFixed(1)}% on ${set.length} ${name}`);
    if (misses.length) console.log(misses.map((t) => `${t.lang} ${t.domain} → ${analyse({ task: t.task }).domain}: ${t.task.slice(0, 70)}`).join("\n"));
    return acc;
  };

  it("classifies tasks in French, Spanish, Portuguese, Italian, German, Russian, Chinese and Japanese", () => {
    for (const set of [LABELLED_TASKS_LANGUAGES, LABELLED_TASKS_LANGUAGES_HELDOUT, LABELLED_TASKS_LANGUAGES_FINAL]) {
      expect(new Set(set.map((t) => t.lang)).size).toBe(8);
    }
    // Written with the keywords (the first) or used to extend them (the second).
    expect(accuracy("tasks in 8 languages (development set)", LABELLED_TASKS_LANGUAGES)).toBeGreaterThanOrEqual(0.95);
    expect(accuracy("tasks in 8 languages (first blind set, since used to add words)", LABELLED_TASKS_LANGUAGES_HELDOUT)).toBeGreaterThanOrEqual(0.95);
    // Written blind and never used to change the keywords.
    expect(accuracy("tasks in 8 languages (final blind set)", LABELLED_TASKS_LANGUAGES_FINAL)).toBeGreaterThanOrEqual(FINAL_FLOOR);
  });

  it("flags passwords and dates of birth written in other languages as private", () => {
    for (const t of LABELLED_TASKS_LANGUAGES) expect(analyse({ task: t.task }).privacy.private, t.task).toBe(t.private ?? false);
    for (const task of ["Mot de passe : hunter2xyz", "contraseña=Sup3rSecreto", "Passwort: geheim123", "пароль: qwerty12345", "数据库密码：abc123456", "パスワード: tanaka2024", "Fecha de nacimiento: 02/11/1975", "дата рождения 01.02.1990"]) {
      expect(analyse({ task }).privacy.private, task).toBe(true);
    }
    expect(analyse({ task: "Comment choisir un bon mot de passe ?" }).privacy.private).toBe(false);
  });

  it("reads a word written right after an ideograph as a word of its own", () => {
    // "用Python写": the Latin word must not be glued to the character before it.
    const v = analyse({ task: "用Python写一个函数" }).vector;
    expect(v.indices).toContain(hashString("python") & (VECTOR_DIM - 1));
    expect(analyse({ task: "用Python写一个函数" }).domain).toBe("code");
  });
});

describe("analyse: profile", () => {
  it("is deterministic", () => {
    const input = { task: "Refactor this function and add tests:\n```ts\nconst f = (x: number) => x + 1;\n```" };
    expect(analyse(input)).toEqual(analyse(input));
  });

  it("marks an empty task", () => {
    expect(analyse({ task: "   \n" }).empty).toBe(true);
    expect(analyse({ task: "hi" }).empty).toBe(false);
  });

  it("counts context and files as trimmable tokens, the task as not", () => {
    const p = analyse({ task: "Summarize the files.", context: "x".repeat(4000), files: [{ path: "a.md", content: "y".repeat(8000) }] });
    expect(p.taskTokens).toBe(estimateTokens("Summarize the files."));
    expect(p.trimmableTokens).toBeGreaterThanOrEqual(3000);
    expect(p.contextTokens).toBe(p.taskTokens + p.trimmableTokens);
    expect(p.domain).toBe("summary");
  });

  it("honours a type hint, priority, quality requirement and constraints", () => {
    const p = analyse({
      task: "Look at this",
      type: "debugging",
      priority: "urgent",
      qualityRequirement: "high",
      constraints: { maxCostMicros: 500, maxTimeMs: 2000, maxTokens: 4000 },
    });
    expect(p.domain).toBe("debug");
    expect(p.timeSensitivity).toEqual({ level: "urgent", maxTimeMs: 2000 });
    expect(p.quality).toEqual({ requirement: "high", source: "input" });
    expect(p.cost).toEqual({ sensitive: true, maxCostMicros: 500, maxTokens: 4000 });
  });

  it("rates a long, structured, hard task as more complex than a greeting", () => {
    const hard = analyse({
      task: "Design a distributed, fault-tolerant rate limiter. Requirements:\n- consistency across regions\n- p99 latency under 5 ms\n- security review\n- migration plan from the current system\nProve the invariant holds under concurrency.".repeat(3),
    });
    const easy = analyse({ task: "Hello there!" });
    expect(hard.complexity.score).toBeGreaterThan(easy.complexity.score);
    expect(hard.complexity.level).toBe("complex");
    expect(easy.complexity.level).toBe("simple");
  });

  it("reads cheap and draft words as a low quality requirement, but not a task about a budget", () => {
    expect(analyse({ task: "Give me a quick rough draft of a tweet." }).quality).toEqual({ requirement: "low", source: "inferred" });
    const budget = analyse({ task: "Summarise the city council's vote on next year's budget." });
    expect(budget.quality.requirement).toBe("normal");
    expect(budget.cost.sensitive).toBe(false);
  });

  it("explains every decision in features", () => {
    const names = analyse({ task: "Translate 'good night' into Spanish." }).features.map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(["domain", "contextTokens", "complexity", "qualityRequirement", "timeSensitivity", "costSensitive", "private"]));
  });
});

describe("analyse: privacy", () => {
  const cases: [string, Parameters<typeof analyse>[0]][] = [
    ["private tag", { task: "Write a poem.", contextTags: ["Private"] }],
    ["secret in context", { task: "Why does login fail?", context: "AWS_KEY=AKIAABCDEFGHIJKLMNOP" }],
    ["secret in a file", { task: "Review this config", files: [{ path: "config.yml", content: "api_key: 9f8e7d6c5b4a3210" }] }],
    [".env file", { task: "Explain these settings", files: [{ path: "app/.env", content: "PORT=3000" }] }],
    ["private key", { task: "-----BEGIN RSA PRIVATE KEY-----\nMIIE...\n-----END RSA PRIVATE KEY-----" }],
    ["GitHub token", { task: "use ghp_abcdefghijklmnopqrstuvwxyz0123456789 to push" }],
    ["SSN", { task: "Employee SSN 123-45-6789 needs updating" }],
  ];
  it.each(cases)("flags %s, naming the kind of data but not the data", (_name, input) => {
    const p = analyse(input);
    expect(p.privacy.private).toBe(true);
    expect(p.privacy.reasons.length).toBeGreaterThan(0);
    expect(p.privacy.reasons.join(" ")).not.toMatch(/AKIAABCDEF|9f8e7d6c|123-45-6789|ghp_abc/);
  });

  it("flags national identity numbers only when their check character is right", () => {
    const nirKey = String(97n - (1850578006084n % 97n)).padStart(2, "0");
    const valid = [
      ["Rellena el formulario con mi DNI 12345678Z, por favor.", "Spanish DNI/NIE"],
      ["NIE X1234567L para el contrato", "Spanish DNI/NIE"],
      ["我的身份证号是11010519491231002X，帮我填表。", "Chinese resident ID"],
      [`Mon numéro de sécu : 1 85 05 78 006 084 ${nirKey}`, "French social security"],
      ["Codice fiscale RSSMRA85T10A562S per la dichiarazione", "Italian fiscal code"],
      ["My NI number is AB 12 34 56 C", "UK National Insurance"],
    ];
    for (const [task, kind] of valid) {
      const p = analyse({ task });
      expect(p.privacy.private, task).toBe(true);
      expect(p.privacy.reasons.join(" "), task).toContain(kind);
    }
    // Wrong check characters, an example prefix, an order number.
    for (const task of ["DNI 12345678A", "订单号 110105194912310021 已发货", `numéro 1 85 05 78 006 084 ${nirKey === "01" ? "02" : "01"}`, "NI number QQ 12 34 56 C", "Order ABCDEF12 ships; reference 2024112512345678"]) {
      expect(analyse({ task }).privacy.private, task).toBe(false);
    }
  });

  it("flags a password stated in words or set in an environment variable, in any of the languages, and a private tag however it is spelt", () => {
    // Each of these went to a remote model: only "password: …" / "password=…" was recognised.
    for (const task of [
      "my password is hunter2xyz, is it strong enough?",
      "the password is 'Tr0ub4dor&3', can you check it?",
      "Mein Passwort ist Sonnenblume123, ist das sicher?",
      "Mon mot de passe est Tournesol!2024, est-il assez fort ?",
      "Mi contraseña es Girasol2024, ¿es segura?",
      "Minha senha é Girassol2024",
      "мой пароль — Подсолнух2024",
      "我的密码是sunflower2024，安全吗？",
      "パスワードはhimawari2024です",
      "my api key is abcdef123456",
      "Why does this fail? DB_PASSWORD=hunter2xyz npm start",
      "export OPENAI_API_KEY=abcdefghijklmnop",
      "GITHUB_TOKEN=abcdefghijklmnop1234 in CI",
    ]) {
      const p = analyse({ task });
      expect(p.privacy.private, task).toBe(true);
      expect(p.privacy.reasons.join(" "), task).not.toMatch(/hunter2|Tr0ub|Sonnenblume|Tournesol|Girasol|Girassol|Подсолнух|sunflower|himawari|abcdef/);
    }
    expect(analyse({ task: "Is it strong?", conversation: "my password is hunter2xyz" }).privacy.reasons).toEqual(["a password written out in the conversation's other turns"]);
    for (const tag of ["private-data", "#private", "local_only", "Sensitive Data", "Confidential!", "vertraulich", "privé", "personal-data"]) {
      expect(analyse({ task: "Summarise our quarterly plan", contextTags: [tag] }).privacy.private, tag).toBe(true);
    }
    // About passwords, not one; and tags that deny privacy or only look alike.
    for (const task of ["How do I reset my password?", "The password is required for login", "the password is at least 12 characters", "Passwords are hashed with bcrypt", "The secret is consistency"]) {
      expect(analyse({ task }).privacy.private, task).toBe(false);
    }
    for (const tag of ["non-confidential", "public", "not private", "secretary", "priority-high"]) {
      expect(analyse({ task: "Summarise our quarterly plan", contextTags: [tag] }).privacy.private, tag).toBe(false);
    }
  });

  it("does not flag example addresses or ordinary numbers", () => {
    expect(analyse({ task: "Send a test mail to user@example.com" }).privacy.private).toBe(false);
    expect(analyse({ task: "What is 1234 + 5678?" }).privacy.private).toBe(false);
  });
});
