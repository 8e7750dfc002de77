import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { models, requests, usageDaily } from "@/db/schema";
import { createApiKey } from "@/lib/auth/api-keys";
import { createBudget, listBudgets } from "@/lib/budgets/service";
import { costMicros, maxCostMicros, promptTokensAtMost } from "@/lib/providers/cost";
import { createTeam } from "@/lib/teams/service";
import { dataUrl, png } from "@/mock-fleet/test-images";
import { driverName } from "@/test/db";
import { startGatewayFixture, type GatewayFixture } from "./test-server";

/**
 * GPT-4o mini bills an image at 33 times GPT-4o's tokens (2,833 + 5,667 a tile: 25,501 for a
 * 1024×1024 picture, 48,169 for one it cannot be told the size of), so a hold that counted an
 * image at a flat figure let a team's concurrent image calls spend far past its hard limit. The
 * hold counts each image as the model's vendor bills it: the limit holds, and the books cover the
 * fleet's bill.
 */
let fx: GatewayFixture;
const MODEL = "gpt-4o-mini";
const MAX_TOKENS = 40;
const CALLS = 10;
const TEXT = "Describe this chart.";

beforeAll(async () => {
  fx = await startGatewayFixture();
  // Every call is in flight at once: each hold is taken while the others are still out.
  await fx.fleet.configure({ models: { [MODEL]: { latencyMs: 150 } } });
});
afterAll(async () => {
  await fx?.close();
});

async function pricesOf(model: string) {
  const [m] = await fx.db.select().from(models).where(eq(models.name, model));
  return { inputPerMTokMicros: m.inputPriceMicros, outputPerMTokMicros: m.outputPriceMicros, cachedInputPerMTokMicros: m.cachedInputPriceMicros };
}

describe(`a hard budget holds against image calls on gpt-4o-mini (${driverName})`, () => {
  it.each([
    ["a 1024×1024 PNG (the size read from its data URL)", dataUrl(png(1024, 1024)), 2_833 + 4 * 5_667],
    ["an https URL (no size: the model's most)", "https://example.com/chart.png", 2_833 + 8 * 5_667],
  ])("%s: concurrent calls never spend past the limit, and the books are at least the fleet's bill", async (_, url, imageTokens) => {
    const slug = `img-${crypto.randomUUID().slice(0, 8)}`;
    const team = await createTeam(fx.db, { name: slug, slug, ownerId: fx.user.id });
    const { key } = await createApiKey(fx.db, { teamId: team.id, name: MODEL, createdBy: fx.user.id, modelAllowList: [MODEL] });
    // What one call can be billed at most, by the vendor's documented count (not the app's): the limit holds three.
    const callAtMost = maxCostMicros(promptTokensAtMost([{ content: TEXT }]) + imageTokens, MAX_TOKENS, await pricesOf(MODEL));
    const limitMicros = 3 * callAtMost + 10;
    await createBudget(fx.db, team.id, { name: "Team", scope: "team", userId: null, apiKeyId: null, limitUsd: limitMicros / 1e6, period: "monthly", hardStop: true, thresholds: [100], webhookUrl: null });
    await fx.fleet.reset();

    const messages = [{ role: "user", content: [{ type: "text", text: TEXT }, { type: "image_url", image_url: { url } }] }];
    const statuses = await Promise.all(
      Array.from({ length: CALLS }, (_, i) =>
        fetch(`${fx.api}/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: JSON.stringify({ model: MODEL, messages, max_tokens: MAX_TOKENS, ...(i % 2 ? { stream: true, stream_options: { include_usage: true } } : {}) }),
        }).then(async (r) => (await r.text(), r.status)),
      ),
    );
    expect(statuses.filter((s) => s === 200).length).toBe(3);
    expect(statuses.filter((s) => s === 402).length).toBe(CALLS - 3);

    const rows = await fx.db.select().from(requests).where(eq(requests.teamId, team.id));
    const rollup = await fx.db.select().from(usageDaily).where(eq(usageDaily.teamId, team.id));
    const bill = (await fx.fleet.usage()).models[MODEL].bill;
    expect(bill.requests).toBe(3);
    const books = rows.reduce((t, r) => ({ inputTokens: t.inputTokens + r.inputTokens, outputTokens: t.outputTokens + r.outputTokens, costMicros: t.costMicros + Number(r.costMicros) }), { inputTokens: 0, outputTokens: 0, costMicros: 0 });
    expect(books.inputTokens).toBeGreaterThanOrEqual(bill.prompt_tokens);
    expect(books.outputTokens).toBeGreaterThanOrEqual(bill.completion_tokens);
    // Each row's cost is rounded to a whole µ$ on its own: up to half a µ$ a row below the total's rounding.
    expect(books.costMicros).toBeGreaterThanOrEqual(costMicros({ inputTokens: bill.prompt_tokens, outputTokens: bill.completion_tokens }, await pricesOf(MODEL)) - rows.length / 2);
    const [budget] = await listBudgets(fx.db, team.id);
    expect(budget.spentMicros).toBe(books.costMicros);
    expect(rollup.reduce((s, r) => s + Number(r.costMicros), 0)).toBe(books.costMicros);
    expect(budget.spentMicros).toBeLessThanOrEqual(limitMicros);
  });
});
