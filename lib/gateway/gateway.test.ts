import { describe, expect, it, vi } from "vitest";
import { BudgetExceededError, UnknownModelError } from "@/lib/execution/errors";
import { NotFoundError } from "@/lib/errors";
import { RateLimitedError } from "@/lib/ratelimit";
import { errorBody, toApiError } from "./errors";
import { openApiDocument } from "./openapi";
import { chatCompletionRequestSchema, delegateRequestSchema, feedbackRequestSchema } from "./schemas";
import { structuredDataOf } from "./unified";

describe("toApiError: every failure mapped in one place", () => {
  it("keeps a delegate error's status, type and param", () => {
    expect(toApiError(new UnknownModelError("x", ["a"]))).toMatchObject({ status: 404, type: "model_not_found", param: "model" });
    expect(toApiError(new BudgetExceededError("no money"))).toMatchObject({ status: 402, type: "budget_exceeded" });
  });

  it("names the field of a zod issue", () => {
    const r = chatCompletionRequestSchema.safeParse({ model: "auto", messages: [{ role: "user", content: 5 }] });
    const e = toApiError(r.error);
    expect(e).toMatchObject({ status: 400, type: "invalid_request_error" });
    expect(e.param).toMatch(/^messages\.0/);
  });

  it("answers a rate limit with 429 and Retry-After", () => {
    expect(toApiError(new RateLimitedError("slow down", 17))).toMatchObject({ status: 429, headers: { "retry-after": "17" } });
  });

  it("keeps user errors' status and hides a bug behind a generic 500", () => {
    expect(toApiError(new NotFoundError("gone")).status).toBe(404);
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    const e = toApiError(new TypeError("cannot read x of undefined"));
    spy.mockRestore();
    expect(e.status).toBe(500);
    expect(e.message).not.toContain("undefined");
    expect(errorBody(e)).toEqual({ error: { type: "internal_error", message: e.message, param: null, code: "internal_error" } });
  });
});

describe("request schemas", () => {
  it("accept the seed's delegate request and read `medium` priority as normal", () => {
    const r = delegateRequestSchema.parse({ task: { description: "x", priority: "medium", quality_requirements: 0.9 }, preferences: { quality_over_speed: true } });
    expect(r.task.priority).toBe("normal");
  });

  it("refuse a rating that is not thumbs or 1–5 stars saying what a rating is, not \"Invalid input\"", () => {
    const id = "6ea3d4f2-2b6a-4536-bbcc-93ca03b1fc48";
    for (const rating of [3.5, "5", "thumbs_up", 0, 6, undefined]) {
      const e = toApiError(feedbackRequestSchema.safeParse({ request_id: id, rating }).error);
      expect(e, String(rating)).toMatchObject({ status: 400, param: "rating" });
      expect(e.message, String(rating)).toMatch(/^rating: (missing; )?send "up" or "down" \(thumbs\), or a whole number of stars from 1 to 5 as a number/);
    }
    expect(feedbackRequestSchema.parse({ request_id: id, rating: 4 }).rating).toBe(4);
    expect(feedbackRequestSchema.parse({ request_id: id, rating: "down" }).rating).toBe("down");
  });

  it("accept OpenAI requests with unknown fields and text parts, refuse n > 1", () => {
    expect(chatCompletionRequestSchema.safeParse({ model: "auto", messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }], frequency_penalty: 0 }).success).toBe(true);
    expect(chatCompletionRequestSchema.safeParse({ model: "auto", messages: [{ role: "user", content: "hi" }], n: 2 }).success).toBe(false);
  });
});

describe("structured data is only what the model gave", () => {
  it("parses a JSON answer or a fenced json block, and nothing else", () => {
    expect(structuredDataOf('{"recommendations":["a"]}')).toEqual({ recommendations: ["a"] });
    expect(structuredDataOf('Here:\n```json\n[1,2]\n```')).toEqual([1, 2]);
    expect(structuredDataOf("Plain prose, {not json}.")).toBeNull();
    expect(structuredDataOf("{broken")).toBeNull();
  });
});

describe("the OpenAPI document", () => {
  it("is 3.1 and every $ref resolves", () => {
    const doc = openApiDocument();
    expect(doc.openapi).toBe("3.1.0");
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(5);
    for (const r of refs) expect(doc.components.schemas, r).toHaveProperty(r);
  });
});
